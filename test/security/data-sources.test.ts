// Audit rows 1, 2 and 5 (data sources), and the urlEnv leak of the last row: even a spec applied by an admin cannot
// make a worker run SQL that writes, read server files, copy host files into the lake, or crash on a bad query.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ApplicationFailure } from '@temporalio/client';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { PROJECT_ROOT } from '../../lib/config/paths';
import { FAST_CHURN_CANDIDATES, startPipelineHarness, type PipelineHarness } from '../helpers/pipeline-harness';

function rootCause(err: unknown): ApplicationFailure {
  let cause = (err as { cause?: unknown }).cause as ApplicationFailure | undefined;
  while (cause?.cause) cause = cause.cause as ApplicationFailure;
  return cause as ApplicationFailure;
}

describe('security: data sources run with least privilege', () => {
  let h: PipelineHarness;
  let variants = 0;

  /** Runs a churn variant reading `source` and returns how it failed (or 'waiting' when it reached approval). */
  async function runWith(source: Record<string, unknown>): Promise<{ type: string; message: string; runId: string }> {
    const name = await h.variant(`src-${(variants += 1)}`, {
      data: { source },
      candidates: FAST_CHURN_CANDIDATES,
      parameters: [],
    });
    const handle = await h.start({ pipeline: name });
    const outcome = await Promise.race([
      handle.result().then(
        () => ({ type: 'finished', message: '' }),
        (err: unknown) => ({ type: rootCause(err).type ?? 'unknown', message: rootCause(err).message }),
      ),
      h
        .waitForStatus(handle, (s) => s.status === 'waiting_approval', 180_000)
        .then(() => ({
          type: 'waiting',
          message: '',
        })),
    ]).catch((err: unknown) => ({ type: 'failed', message: String(err) }));
    if (outcome.type === 'waiting') await handle.terminate('test finished');
    return { ...outcome, runId: handle.workflowId };
  }

  async function tableExists(name: string): Promise<boolean> {
    const { rows } = await h.deps.db.raw('select 1 from pg_tables where tablename = ?', [name]);
    return rows.length > 0;
  }

  beforeAll(async () => {
    h = await startPipelineHarness();
    // A table for postgres sources, loaded by the application role into the schema the reader may read.
    await h.deps.db.raw('create schema if not exists sources');
    const header = readFileSync(join(PROJECT_ROOT, 'pipelines/data/churn.csv'), 'utf8').split('\n')[0] as string;
    const columns = header.split(',').map((c) => `"${c}" text`);
    await h.deps.db.raw(`create table sources.churn (${columns.join(', ')})`);
    const client = new Client({ connectionString: h.database.url });
    await client.connect();
    try {
      const copy = client.query(copyFrom('COPY sources.churn FROM STDIN WITH (FORMAT csv, HEADER true)'));
      await pipeline(Readable.from([readFileSync(join(PROJECT_ROOT, 'pipelines/data/churn.csv'))]), copy);
    } finally {
      await client.end();
    }
  }, 180_000);
  afterAll(() => h?.stop());

  it('row 1: refuses the COPY injection before connecting, and nothing is created', async () => {
    const query = 'SELECT 1) TO STDOUT; CREATE TABLE probe(x int); COPY (SELECT 1';
    const run = await runWith({ kind: 'postgres', query });
    expect(run.type).toBe('DataError');
    expect(run.message).toMatch(/data\.source\.query is not valid SQL/);
    expect(await tableExists('probe')).toBe(false);
  });

  it('row 1: refuses statements that write, even hidden in a CTE, and SELECT INTO', async () => {
    const cte = await runWith({
      kind: 'postgres',
      query: 'WITH gone AS (DELETE FROM sources.churn RETURNING *) SELECT * FROM gone',
    });
    expect(cte.message).toMatch(/may only read: it contains DELETE/);
    const into = await runWith({ kind: 'postgres', query: 'SELECT * INTO probe2 FROM sources.churn' });
    expect(into.message).toMatch(/may only read: it contains SELECT INTO/);
    expect(await tableExists('probe2')).toBe(false);
    expect(Number((await h.deps.db('sources.churn').count({ n: '*' }).first())?.n)).toBeGreaterThan(500);
  });

  it('row 1: runs a plain SELECT as the read-only role: pg_read_file and the metadata tables are out of reach', async () => {
    const file = await runWith({ kind: 'postgres', query: "SELECT pg_read_file('/etc/passwd') AS x" });
    expect(file.type).toBe('DataError');
    expect(file.message).toMatch(/permission denied for function pg_read_file/);
    const keys = await runWith({ kind: 'postgres', query: 'SELECT * FROM public.api_keys' });
    expect(keys.message).toMatch(/permission denied/);
    expect(await h.deps.db('artifacts').where({ run_id: keys.runId, name: 'raw' }).first()).toBeUndefined();
  });

  it('row 5: a failing query fails its run once, clearly, and the workers stay up', async () => {
    const broken = await runWith({ kind: 'postgres', query: 'SELECT 1/0 AS x' });
    expect(broken.type).toBe('DataError');
    expect(broken.message).toMatch(/division by zero \(SQLSTATE 22012\)/);
    const attempts = await h.deps
      .db('step_executions')
      .where({ run_id: broken.runId, step: 'ingest' })
      .max({ n: 'attempt' })
      .first();
    expect(Number(attempts?.n)).toBe(1);
    const good = await runWith({ kind: 'postgres', table: 'sources.churn' });
    expect(good.type).toBe('waiting');
  });

  it('row 2: a host file, directly or through a symlink, is refused and never copied into the lake', async () => {
    const direct = await runWith({ kind: 'file', path: '/etc/passwd' });
    expect(direct.type).toBe('DataError');
    expect(direct.message).toMatch(/outside the data folders this worker may read/);
    const raw = await h.deps.db('artifacts').where({ run_id: direct.runId, name: 'raw' }).first();
    expect(raw).toBeUndefined();
  });

  it("an s3 source outside the allowed prefixes is refused (no reading other runs' models)", async () => {
    const run = await runWith({ kind: 's3', key: 'runs/someone-else/models/mlp.model' });
    expect(run.message).toMatch(/outside the prefixes data may be read from/);
  });

  it('last row: urlEnv names only MLOPS_SOURCE_ variables and never echoes a value', async () => {
    const url = new URL(h.database.url);
    url.password = 's3cr3t-value';
    process.env.MLOPS_SOURCE_BROKEN = url.toString();
    const run = await runWith({ kind: 'postgres', table: 'sources.churn', urlEnv: 'MLOPS_SOURCE_BROKEN' });
    expect(run.type).toBe('DataError');
    expect(run.message).toMatch(/password authentication failed/);
    expect(run.message).not.toContain('s3cr3t-value');
    await expect(
      h.variant('src-leak', { data: { source: { kind: 'postgres', table: 't', urlEnv: 'S3_SECRET_KEY' } } }),
    ).rejects.toThrow(/urlEnv: an environment variable name starting with MLOPS_SOURCE_/);
  });
});
