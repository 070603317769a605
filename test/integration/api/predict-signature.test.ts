import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { runCli } from '../../../cli/program';
import { buildDataset, disposeModel, fitFeatureTransforms, rowsToTable, trainModel } from '../../../lib/ml';
import { buildSignature } from '../../../lib/ml/signature';
import { undeployVersion } from '../../../lib/registry';
import { eventually, startApiHarness, type ApiHarness } from './harness';
import { promoteAndDeploy, storeAndRegister } from './model-fixture';

// An auto-mpg-like table: what a new user predicted garbage with (issue 10 item 1). Horsepower has gaps in
// training, so it is optional; every other input is required.
function cars(count: number): Array<Record<string, unknown>> {
  const origins = ['usa', 'europe', 'japan'];
  return Array.from({ length: count }, (_, i) => {
    const cylinders = [4, 6, 8][i % 3] as number;
    const weight = 1600 + ((i * 137) % 3500);
    const horsepower = i % 10 === 0 ? null : 50 + ((i * 53) % 180);
    return {
      Cylinders: cylinders,
      Horsepower: horsepower,
      Weight: weight,
      Origin: origins[i % 3],
      mpg: 50 - weight / 150 - cylinders,
    };
  });
}

async function registerCars(h: ApiHarness, runId: string, withSignature: boolean) {
  const table = rowsToTable({
    rows: cars(120),
    schema: {
      columns: [
        { name: 'Cylinders', type: 'integer' },
        { name: 'Horsepower', type: 'numeric' },
        { name: 'Weight', type: 'numeric' },
        { name: 'Origin', type: 'categorical' },
        { name: 'mpg', type: 'numeric' },
      ],
    },
  });
  const fitted = fitFeatureTransforms({
    table,
    spec: {
      task: 'regression',
      label: 'mpg',
      features: ['Cylinders', 'Horsepower', 'Weight', { column: 'Origin', transform: 'onehot' }],
    },
  });
  // What the features step does: the signature is observed on the training rows and travels with the transform.
  if (withSignature) fitted.signature = buildSignature({ fitted, table });
  const result = await trainModel({
    candidate: {
      name: 'linreg',
      kind: 'linear_regression',
      hyperparameters: { epochs: 2, batchSize: 32, learningRate: 0.05 },
    },
    task: 'regression',
    numClasses: 0,
    classNames: [],
    train: buildDataset({ fitted, table }),
    fitted,
  });
  disposeModel(result.model);
  return storeAndRegister(h, {
    model: withSignature ? 'cars' : 'cars-old',
    runId,
    modelBytes: result.modelBytes,
    fitted,
    task: 'regression',
  });
}

describe('predict checks rows against the model signature', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ worker: false });
    const v1 = await registerCars(h, 'cars-run-1', true);
    await promoteAndDeploy(h, { model: 'cars', versionId: v1.id });
    const old = await registerCars(h, 'cars-old-run-1', false);
    await promoteAndDeploy(h, { model: 'cars-old', versionId: old.id });
  });
  afterAll(() => h?.stop());

  const predict = (model: string, rows: object[]) =>
    request(h.app).post(`/v1/predict/${model}`).set(h.auth('predictor')).send({ rows });
  const good = { Cylinders: 4, Horsepower: 95, Weight: 2400, Origin: 'japan' };

  it('serves the signature stored with the version: types, required inputs, categories and ranges', async () => {
    const res = await request(h.app).get('/v1/models/cars/versions/1/signature').set(h.auth('viewer'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ model: 'cars', version: 1, task: 'regression', label: 'mpg', source: 'training' });
    expect(res.body.observedRows).toBe(120);
    const byName = Object.fromEntries(res.body.inputs.map((c: { name: string }) => [c.name, c]));
    expect(byName.Cylinders).toMatchObject({ type: 'integer', required: true, min: 4, max: 8 });
    expect(byName.Horsepower).toMatchObject({ type: 'numeric', required: false, missingRatio: 0.1 });
    expect(byName.Weight).toMatchObject({ type: 'numeric', required: true });
    expect(byName.Origin).toMatchObject({ type: 'categorical', required: true, categoriesComplete: true });
    expect([...byName.Origin.categories].sort()).toEqual(['europe', 'japan', 'usa']);
    expect((await request(h.app).get('/v1/models/cars/versions/7/signature').set(h.auth('viewer'))).status).toBe(404);
  });

  it('answers rows that fit the signature with no warnings; an optional input may be left out', async () => {
    const res = await predict('cars', [good, { Cylinders: 8, Weight: 4000, Origin: 'usa' }]);
    expect(res.status).toBe(200);
    expect(res.body.predictions).toHaveLength(2);
    for (const p of res.body.predictions) {
      expect(typeof p.prediction).toBe('number');
      expect(p.warnings).toBeUndefined();
    }
  });

  it('refuses a missing required field, a misspelled field and a value of the wrong type, naming row and field', async () => {
    const { Weight: _dropped, ...noWeight } = good;
    const { Cylinders: _c, ...rest } = good;
    const res = await predict('cars', [good, noWeight, { ...rest, cylinders: 4 }, { ...good, Horsepower: '70hp' }]);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('INVALID_INPUT');
    const problems = res.body.details.problems as Array<{ row: number; field: string; code: string; message: string }>;
    expect(problems.map((p) => [p.row, p.field, p.code])).toEqual(
      expect.arrayContaining([
        [1, 'Weight', 'MISSING_FIELD'],
        [2, 'cylinders', 'UNKNOWN_FIELD'],
        [2, 'Cylinders', 'MISSING_FIELD'],
        [3, 'Horsepower', 'WRONG_TYPE'],
      ]),
    );
    expect(problems).toHaveLength(4);
    expect(problems.find((p) => p.field === 'cylinders')?.message).toMatch(/did you mean "Cylinders"\?/);
    expect(res.body.message).toMatch(/rows\[3\]\.Horsepower: "70hp" is not a number/);
    expect(res.body.message).toContain('GET /v1/models/cars/versions/1/signature');
    // A null for a required input is a missing value too.
    const nulls = await predict('cars', [{ ...good, Origin: null }]);
    expect(nulls.status).toBe(400);
    expect(nulls.body.details.problems[0]).toMatchObject({ row: 0, field: 'Origin', code: 'MISSING_FIELD' });
  });

  it('answers an unseen category, an out-of-range number and a sent label with per-row warnings, counted in /metrics', async () => {
    const res = await predict('cars', [good, { ...good, Origin: 'Mars' }, { ...good, Weight: -5, mpg: 30 }]);
    expect(res.status).toBe(200);
    const [first, mars, negative] = res.body.predictions;
    expect(first.warnings).toBeUndefined();
    expect(mars.warnings).toEqual([
      expect.objectContaining({ field: 'Origin', code: 'UNSEEN_CATEGORY', message: expect.stringMatching(/"Mars"/) }),
    ]);
    expect(negative.warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          field: 'Weight',
          code: 'OUT_OF_RANGE',
          message: expect.stringMatching(/Weight=-5 is outside the training range \[1600, /),
        }),
        expect.objectContaining({ field: 'mpg', code: 'IGNORED_FIELD' }),
      ]),
    );
    const metrics = (await request(h.app).get('/metrics').set(h.auth('viewer'))).text;
    expect(metrics).toMatch(/mlops_predict_input_warnings_total\{model="cars",code="UNSEEN_CATEGORY"\} 1/);
    expect(metrics).toMatch(/mlops_predict_input_warnings_total\{model="cars",code="OUT_OF_RANGE"\} 1/);
    expect(metrics).toMatch(/mlops_predict_input_rejected_total\{model="cars",code="WRONG_TYPE"\} 1/);
  });

  it('a version registered before signatures gets one from its transforms: unknown fields and bad types still refused', async () => {
    const signature = await request(h.app).get('/v1/models/cars-old/versions/1/signature').set(h.auth('viewer'));
    expect(signature.body).toMatchObject({ source: 'transforms', observedRows: 0 });
    expect(signature.body.inputs.every((c: { required: boolean }) => !c.required)).toBe(true);
    const { Weight: _dropped, ...noWeight } = good;
    expect((await predict('cars-old', [noWeight])).status).toBe(200);
    const bad = await predict('cars-old', [
      { ...good, wieght: 1 },
      { ...good, Cylinders: 'four' },
    ]);
    expect(bad.status).toBe(400);
    expect(bad.body.details.problems.map((p: { field: string; code: string }) => [p.field, p.code])).toEqual([
      ['wieght', 'UNKNOWN_FIELD'],
      ['Cylinders', 'WRONG_TYPE'],
    ]);
  });

  it('?unknownFields=ignore answers with IGNORED_FIELD; the CLI scores a CSV with its id column and lists warnings', async () => {
    const ignored = await request(h.app)
      .post('/v1/predict/cars?unknownFields=ignore')
      .set(h.auth('predictor'))
      .send({ rows: [{ ...good, car_id: 'a1' }] });
    expect(ignored.status).toBe(200);
    expect(ignored.body.predictions[0].warnings).toEqual([
      expect.objectContaining({ field: 'car_id', code: 'IGNORED_FIELD' }),
    ]);

    const dir = mkdtempSync(join(tmpdir(), 'mlops-signature-'));
    const file = join(dir, 'cars.csv');
    writeFileSync(file, 'car_id,Cylinders,Horsepower,Weight,Origin\na1,4,95,2400,japan\na2,4,,2400,Mars\n');
    const server = h.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    let out = '';
    let err = '';
    const sink = (append: (s: string) => void) =>
      new Writable({
        write(chunk: Buffer, _enc, done) {
          append(chunk.toString());
          done();
        },
      });
    try {
      const code = await runCli(['predict', 'cars', '-f', file], {
        io: { out: sink((s) => (out += s)), err: sink((s) => (err += s)), interactive: false },
        env: {
          MLOPS_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          MLOPS_API_KEY: h.keys.predictor,
        },
        exitCode: 0,
      });
      expect(code).toBe(0);
    } finally {
      server.close();
    }
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('car_id,Cylinders,Horsepower,Weight,Origin,prediction,warnings');
    expect(lines[1]).toMatch(/^a1,4,95,2400,japan,[-0-9.e]+,$/);
    expect(lines[2]).toMatch(/^a2,4,,2400,Mars,[-0-9.e]+,Origin:UNSEEN_CATEGORY$/);
    expect(err).toContain('column car_id is not an input of the model: ignored');
    expect(err).toMatch(/warning: 1 row\(s\) UNSEEN_CATEGORY Origin \(e\.g\. Origin="Mars" was never seen/);
  });

  it('a version taken out of its slot (rejected) is no longer served: the empty slot answers 404', async () => {
    const v2 = await registerCars(h, 'cars-run-2', true);
    await promoteAndDeploy(h, { model: 'cars', versionId: v2.id, slot: 'staging' });
    const staging = () =>
      request(h.app)
        .post('/v1/predict/cars?env=staging')
        .set(h.auth('predictor'))
        .send({ rows: [good] });
    expect((await staging()).body).toMatchObject({ slot: 'staging', version: 2 });
    expect(await undeployVersion(h.db, { versionId: v2.id, actor: 'alice', reason: 'rejected: worse' })).toEqual([
      'staging',
    ]);
    await eventually(async () => (await staging()).status === 404, 10_000, 'the staging slot to empty');
    const res = await staging();
    expect(res.body).toMatchObject({ error: 'MODEL_NOT_DEPLOYED', message: expect.stringMatching(/staging slot/) });
    // Production is untouched.
    expect((await predict('cars', [good])).body).toMatchObject({ slot: 'production', version: 1 });
  });
});
