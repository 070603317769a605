import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError, type ApplicationFailure } from '@temporalio/client';
import { lakeKey } from '../../../activities/data/ingest';
import { PROJECT_ROOT } from '../../../lib/config';
import { sha256Hex } from '../../../lib/store';
import { FAST_CHURN_CANDIDATES, startPipelineHarness, type PipelineHarness } from '../../helpers/pipeline-harness';

function rootCause(err: unknown): ApplicationFailure {
  let cause = (err as WorkflowFailedError).cause as ApplicationFailure | undefined;
  while (cause?.cause) cause = cause.cause as ApplicationFailure;
  return cause as ApplicationFailure;
}

describe('bad input on the real stack: clear errors, raw data kept, nothing registered, worker alive', () => {
  let h: PipelineHarness;
  const dir = mkdtempSync(join(tmpdir(), 'mlops-bad-'));
  beforeAll(async () => {
    h = await startPipelineHarness();
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const good = readFileSync(join(PROJECT_ROOT, 'pipelines/data/churn.csv'), 'utf8').trim().split('\n');
  /** A version of the churn spec reading `path` (the spec is the trusted part; the file is the hostile input). */
  let variants = 0;
  const reading = (path: string) =>
    h.variant(`churn-bad-${(variants += 1)}`, {
      candidates: FAST_CHURN_CANDIDATES,
      data: { source: { kind: 'file', path } },
    });

  it('fails a run whose labels are invalid with the validation summary, keeps the raw bytes in the lake', async () => {
    // Every 10th row gets a label outside the declared classes: 10% quarantined, over the 2% the spec allows.
    const lines = good.map((line, i) => (i > 0 && i % 10 === 0 ? line.replace(/,(yes|no)$/, ',maybe') : line));
    const file = join(dir, 'bad-labels.csv');
    const bytes = `${lines.join('\n')}\n`;
    writeFileSync(file, bytes);
    const handle = await h.start({ pipeline: await reading(file) });
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = rootCause(err);
    expect(cause.type).toBe('DataValidationFailed');
    expect(cause.message).toMatch(/quarantine/i);
    expect(cause.message).toMatch(/churned/);

    const raw = await h.deps.store.stat(lakeKey(sha256Hex(bytes), 'csv'));
    expect(raw?.sha256).toBe(sha256Hex(bytes));
    expect(await h.deps.db('model_versions').count({ n: '*' }).first()).toEqual({ n: 0 });
    const run = await h.deps.db('pipeline_runs').where({ run_id: handle.workflowId }).first();
    expect(run).toMatchObject({ status: 'failed', error: cause.message });
    const validate = await h.deps.db('step_executions').where({ run_id: handle.workflowId, step: 'validate' });
    expect(validate).toHaveLength(1);
    expect(validate[0]).toMatchObject({ status: 'failed', attempt: 1 });
    const report = await h.deps.db('artifacts').where({ run_id: handle.workflowId, kind: 'validation_report' }).first();
    expect(JSON.parse((await h.deps.store.getBytes(report.store_key)).toString()).passed).toBe(false);
  });

  it('fails a run whose file lacks a feature column, naming the column', async () => {
    const header = (good[0] as string).split(',');
    const drop = header.indexOf('contract');
    const lines = good.map((l) =>
      l
        .split(',')
        .filter((_, i) => i !== drop)
        .join(','),
    );
    const file = join(dir, 'missing-column.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const err = await (await h.start({ pipeline: await reading(file) })).result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(rootCause(err).message).toMatch(/contract/);
  });

  it('fails fast on a malformed file (ragged row) with the line number', async () => {
    const lines = [...good.slice(0, 50), 'C1,2,3', ...good.slice(50, 600)];
    const file = join(dir, 'ragged.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const err = await (await h.start({ pipeline: await reading(file) })).result().then(
      () => undefined,
      (e: unknown) => e,
    );
    const cause = rootCause(err);
    expect(cause.type).toBe('DataError');
    expect(cause.message).toMatch(/line 51/);
  });

  it('refuses a bad spec when it is applied, naming the field, before any run can start', async () => {
    await expect(h.variant('churn-bad-split', { split: { ratios: { train: 2 } } })).rejects.toThrow(/split\.ratios/);
    const err = await (await h.start({ pipeline: 'churn-bad-split' })).result().then(
      () => undefined,
      (e: unknown) => e,
    );
    const cause = rootCause(err);
    expect(cause.type).toBe('SpecError');
    expect(cause.message).toMatch(/No pipeline named "churn-bad-split"/);
  });

  it('refuses undeclared run parameters before reading any data', async () => {
    const err = await (await h.start({ pipeline: 'churn', params: { split: { ratios: { train: 2 } } } })).result().then(
      () => undefined,
      (e: unknown) => e,
    );
    const cause = rootCause(err);
    expect(cause.type).toBe('SpecError');
    expect(cause.message).toMatch(/params\.split: "split" is not a parameter of this pipeline/);
  });

  it('still runs a good pipeline afterwards (the workers stayed up)', async () => {
    await h.variant('churn-one', { candidates: FAST_CHURN_CANDIDATES.slice(0, 1), parameters: [] });
    const handle = await h.start({ pipeline: 'churn-one' });
    const status = await h.waitForStatus(handle, (s) => s.status === 'waiting_approval');
    expect(status.modelVersion?.version).toBe(1);
    await handle.terminate('test finished');
  });
});
