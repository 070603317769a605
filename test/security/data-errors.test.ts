// The last row's data items: errors that are deterministic for their input (NUL bytes in a CSV, more one-hot
// columns than a table can hold) fail once with a message saying what and where, instead of 15 retries ending in a
// raw SQL error; and the validation cache tells the same bytes read as CSV from the same bytes read as JSON Lines.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApplicationFailure } from '@temporalio/client';
import { validationCacheKey } from '../../activities/data/validate';
import { PROJECT_ROOT } from '../../lib/config/paths';
import { applySpec } from '../../lib/pipeline/store';
import { FAST_CHURN_CANDIDATES, startPipelineHarness, type PipelineHarness } from '../helpers/pipeline-harness';
import { obj, testSpec } from '../workflow/pipeline-fixtures';

function rootCause(err: unknown): ApplicationFailure {
  let cause = (err as { cause?: unknown }).cause as ApplicationFailure | undefined;
  while (cause?.cause) cause = cause.cause as ApplicationFailure;
  return cause as ApplicationFailure;
}

describe('security: deterministic data errors', () => {
  let h: PipelineHarness;
  const dir = mkdtempSync(join(tmpdir(), 'mlops-data-errors-'));
  beforeAll(async () => {
    h = await startPipelineHarness();
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function failOnce(name: string, overrides: Record<string, unknown>, raw?: Record<string, unknown>) {
    if (raw) await applySpec(h.deps.db, { raw: { ...raw, name }, appliedBy: 'test', source: 'test' });
    else await h.variant(name, { candidates: FAST_CHURN_CANDIDATES, parameters: [], ...overrides });
    const handle = await h.start({ pipeline: name });
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    const attempts = await h.deps
      .db('step_executions')
      .where({ run_id: handle.workflowId })
      .max({ n: 'attempt' })
      .first();
    return { cause: rootCause(err), attempts: Number(attempts?.n) };
  }

  it('NUL bytes in a CSV: one attempt, the byte offset and the line, and how to fix it', async () => {
    const good = readFileSync(join(PROJECT_ROOT, 'pipelines/data/churn.csv'));
    const at = good.indexOf('\n', good.indexOf('\n', good.indexOf('\n') + 1) + 1) + 5;
    const file = join(dir, 'nul.csv');
    writeFileSync(file, Buffer.concat([good.subarray(0, at), Buffer.from([0, 0]), good.subarray(at)]));
    const { cause, attempts } = await failOnce('nul-bytes', { data: { source: { kind: 'file', path: file } } });
    expect(cause.type).toBe('DataError');
    expect(cause.message).toMatch(/NUL byte \(0x00\) at byte offset \d+ \(line 4\)/);
    expect(attempts).toBe(1);
  });

  it('more model inputs than a table can hold: one attempt, naming the one-hot features to narrow', async () => {
    const rows = ['a,b,label'];
    for (let i = 0; i < 2400; i += 1) rows.push(`a${i % 1000},b${(i * 7) % 1000},${i % 2 ? 'yes' : 'no'}`);
    const file = join(dir, 'wide.csv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const { cause, attempts } = await failOnce(
      'wide-onehot',
      {},
      {
        task: 'classification',
        data: { source: { kind: 'file', path: file } },
        features: {
          label: 'label',
          features: [
            { column: 'a', transform: 'onehot', maxCategories: 1000 },
            { column: 'b', transform: 'onehot', maxCategories: 1000 },
          ],
        },
        candidates: [FAST_CHURN_CANDIDATES[0]],
      },
    );
    expect(cause.type).toBe('DataError');
    expect(cause.message).toMatch(
      /more than the 1595 an analytic base table can hold. Lower maxCategories of the one-hot features \(a, b\)/,
    );
    expect(attempts).toBe(1);
  });

  it('the validation cache key depends on how the bytes are read (csv or jsonl)', () => {
    const raw = obj('lake/raw/sha256/aa/x');
    const spec = testSpec({
      expectations: { columns: {}, rowCount: { min: 1 }, maxQuarantinedRatio: 0.05 },
      features: { label: 'y', features: ['a'] },
    });
    expect(validationCacheKey(spec, { raw, format: 'csv' })).not.toBe(
      validationCacheKey(spec, { raw, format: 'jsonl' }),
    );
  });
});
