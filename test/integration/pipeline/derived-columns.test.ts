import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { applyTransforms, predict, readTable, rowPredictions, selectRows } from '../../../lib/ml';
import { readingOptionsOf } from '../../../lib/ml/data/reading-spec';
import { applySpec } from '../../../lib/pipeline/store';
import { loadServableVersion } from '../../../lib/serving/model-server';
import { listVersions } from '../../../lib/registry';
import { apiOverHarness, type HarnessApi } from '../../helpers/api-over-harness';
import { testKey } from '../../helpers/keys';
import { startPipelineHarness, type PipelineHarness } from '../../helpers/pipeline-harness';

// Issue 10 item 8 end to end: dates like `Jun 12 1998` read with a declared format, `.` declared missing, a derived
// label (`late: delay > 15`) and a derived feature (`log(price)`), trained on the real stack, then served through
// the API from raw inputs only, the derived feature computed by the serving side exactly as in training.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Seeded rows: the delay grows with the price, so log(price) predicts `late`; some sexes are `.`. */
function flightsCsv(rows: number): string {
  let seed = 11;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const lines = ['flight,price,delay,sold,sex'];
  for (let i = 0; i < rows; i++) {
    const price = Math.round(Math.exp(3 + 3 * random()) * 100) / 100;
    const delay = Math.round(price / 8 + 10 * (random() - 0.5));
    const sold = `${MONTHS[Math.floor(random() * 12)]} ${1 + Math.floor(random() * 28)} ${1995 + Math.floor(random() * 10)}`;
    const sex = random() < 0.1 ? '.' : random() < 0.5 ? 'F' : 'M';
    // Three rows write the date another way: validation quarantines them, naming the declared format.
    lines.push(`F${i},${price},${delay},${i % 200 === 7 ? '1998-06-12' : sold},${sex}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('derived columns, datetime formats and missing tokens from spec to serving (real stack)', () => {
  let h: PipelineHarness;
  let app: HarnessApi['app'];
  let models: HarnessApi['models'];
  let auth: { Authorization: string };
  const dir = mkdtempSync(join(tmpdir(), 'mlops-derived-'));
  const file = join(dir, 'flights.csv');
  const data = {
    source: { kind: 'file', path: file, format: 'csv' },
    missingValues: ['.'],
    columns: { sold: { format: 'MMM d yyyy' } },
    derived: [
      { name: 'late', expression: 'delay > 15' },
      { name: 'log_price', expression: 'log(price)' },
      { name: 'unused', expression: 'delay * 2' },
    ],
  };

  beforeAll(async () => {
    writeFileSync(file, flightsCsv(600));
    h = await startPipelineHarness();
    await applySpec(h.deps.db, {
      raw: {
        name: 'late-flights',
        task: 'classification',
        data,
        features: {
          label: 'late',
          features: ['log_price', { column: 'sold', transform: 'datetime', parts: ['year', 'month'] }, 'sex'],
        },
        candidates: [
          { kind: 'logistic_regression', hyperparameters: { epochs: 20, batchSize: 64, learningRate: 0.1 } },
        ],
        monitoring: { enabled: false },
      },
      appliedBy: 'test',
      source: 'test',
    });
    ({ app, models } = apiOverHarness(h, { notify: false }));
    auth = { Authorization: `Bearer ${(await testKey(h.deps.db, 'derived-operator', 'operator')).key}` };
  }, 120_000);
  afterAll(async () => {
    await models?.close();
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trains on the derived label and feature, quarantines dates off the format, serves from raw inputs', async () => {
    const handle = await h.start({ pipeline: 'late-flights', trigger: { kind: 'api', by: 'oscar' } });
    await h.waitForStatus(handle, (s) => s.status === 'waiting_approval', 240_000);
    await h.decide(handle, 'approved', 'alice', 'derived columns look right');
    expect(await handle.result()).toMatchObject({ outcome: 'succeeded', model: 'late-flights', version: 1 });

    // The three ISO dates were quarantined with the declared format in the reason; '.' was never a category.
    const quarantine = await h.deps.db('artifacts').where({ run_id: handle.workflowId, kind: 'quarantine' }).first();
    const rows = (await h.deps.store.getBytes(quarantine.store_key))
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { row: Record<string, unknown>; reasons: Array<{ message: string }> });
    expect(rows).toHaveLength(3);
    expect(rows[0]?.reasons[0]?.message).toBe('"1998-06-12" is not a valid datetime in the format "MMM d yyyy"');

    // The signature holds the raw columns the features are computed from: not log_price, not the label's delay.
    const signature = await request(app).get('/v1/models/late-flights/versions/1/signature').set(auth);
    expect(signature.status).toBe(200);
    const inputs = signature.body.inputs as Array<{
      name: string;
      type: string;
      format?: string;
      categories?: string[];
    }>;
    expect(inputs.map((c) => c.name).sort()).toEqual(['price', 'sex', 'sold']);
    expect(inputs.find((c) => c.name === 'sold')).toMatchObject({ type: 'datetime', format: 'MMM d yyyy' });
    expect(inputs.find((c) => c.name === 'sex')?.categories?.sort()).toEqual(['F', 'M']);

    // Raw rows as the CSV has them (a '.' sex, formatted dates), through the API.
    const csvRows = [
      { price: '312.5', sold: 'Jun 12 1998', sex: 'M' },
      { price: '21.4', sold: 'Jan 2 2001', sex: '.' },
    ];
    const answer = await request(app).post('/v1/predict/late-flights').set(auth).send({ rows: csvRows });
    expect(answer.status).toBe(200);
    const served = answer.body.predictions as Array<{ prediction: boolean; probabilities: Record<string, number> }>;
    expect(served.map((p) => p.prediction)).toEqual([true, false]);

    // The training side: the same lines read by the training reader (derived columns computed there), through the
    // version's transforms and model, give the same probabilities.
    const versions = await listVersions(h.deps.db, 'late-flights');
    const servable = await loadServableVersion(h.deps, versions[0]?.id as number);
    const fitted = servable.model.fitted;
    if (!fitted) throw new Error('the model has no transforms');
    expect(fitted.reading?.options.derived?.map((d) => d.name)).toEqual(['log_price']);
    const csv = `flight,price,delay,sold,sex\nX1,312.5,0,Jun 12 1998,M\nX2,21.4,99,Jan 2 2001,.\n`;
    const training = await readTable({
      stream: (async function* () {
        yield csv;
      })(),
      format: 'csv',
      schema: { columns: fitted.reading?.raw ?? [] },
      reading: readingOptionsOf(data as never),
    });
    expect(training.schema.columns.map((c) => c.name)).toContain('log_price');
    const features = applyTransforms({ fitted, table: selectRows(training, [0, 1]) });
    const expected = rowPredictions(predict({ model: servable.model, x: features.features }), fitted);
    expected.forEach((p, i) => {
      if (!('probabilities' in p)) throw new Error('expected class probabilities');
      for (const [cls, probability] of Object.entries(p.probabilities)) {
        expect(served[i]?.probabilities[cls]).toBeCloseTo(probability, 6);
      }
    });

    // A derived column is not an input: sending it is an unknown field; the label is ignored with a warning.
    const derivedSent = await request(app)
      .post('/v1/predict/late-flights')
      .set(auth)
      .send({ rows: [{ ...csvRows[0], log_price: 5 }] });
    expect(derivedSent.status).toBe(400);
    expect(JSON.stringify(derivedSent.body)).toMatch(/log_price: unknown field/);
    const wrongDate = await request(app)
      .post('/v1/predict/late-flights')
      .set(auth)
      .send({ rows: [{ ...csvRows[0], sold: '12/06/1998' }] });
    expect(wrongDate.status).toBe(400);
    expect(JSON.stringify(wrongDate.body)).toMatch(/MMM d yyyy/);
    expect(readFileSync(file, 'utf8')).toContain('1998-06-12');
  }, 300_000);

  it('fails a run whose expression reads an unknown column, naming the derived column and the closest column', async () => {
    await applySpec(h.deps.db, {
      raw: {
        name: 'late-flights-typo',
        task: 'classification',
        data: { ...data, derived: [{ name: 'late', expression: 'dealy > 15' }] },
        features: { label: 'late', features: ['price'] },
        candidates: [{ kind: 'logistic_regression' }],
        monitoring: { enabled: false },
      },
      appliedBy: 'test',
      source: 'test',
    });
    const handle = await h.start({ pipeline: 'late-flights-typo' });
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e as Error & { cause?: Error & { cause?: Error } },
    );
    let cause: (Error & { cause?: unknown; nonRetryable?: boolean }) | undefined = err;
    while (cause?.cause) cause = cause.cause as typeof cause;
    expect(cause?.message).toMatch(
      /Derived column "late" \(data\.derived\): Expression "dealy > 15": no column "dealy": did you mean "delay"\?/,
    );
    const validate = await h.deps.db('step_executions').where({ run_id: handle.workflowId, step: 'validate' });
    expect(validate).toEqual([expect.objectContaining({ status: 'failed', attempt: 1 })]);
  }, 120_000);
});
