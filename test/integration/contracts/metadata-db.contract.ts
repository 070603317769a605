import { migrateLatest, migrateRollbackAll, migrationStatus } from '../../../infra/migrations';
import type { Db } from '../../../lib/db';

const CORE_TABLES = [
  'pipeline_runs',
  'step_executions',
  'artifacts',
  'lineage_edges',
  'step_cache',
  'models',
  'model_versions',
  'model_stage_transitions',
  'deployments',
  'audit_log',
];

async function tablesPresent(db: Db): Promise<string[]> {
  const rows = await db('information_schema.tables').where({ table_schema: 'public' }).select('table_name');
  return rows.map((r: { table_name: string }) => r.table_name).filter((t) => CORE_TABLES.includes(t));
}

/** The metadata DB's semantics that every adapter (server PostgreSQL, embedded PostgreSQL) must keep. */
export function metadataDbContract(openDb: () => Promise<{ db: Db; close(): Promise<void> }>): void {
  let db: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await openDb());
  });
  afterAll(async () => close());

  it('migrates up from empty, down to empty, and up again', async () => {
    expect((await migrationStatus(db)).applied).toEqual([]);
    expect(await migrateLatest(db)).toContain('001_core_metadata');
    expect((await tablesPresent(db)).sort()).toEqual([...CORE_TABLES].sort());
    expect(await migrateLatest(db)).toEqual([]);

    expect(await migrateRollbackAll(db)).toContain('001_core_metadata');
    expect(await tablesPresent(db)).toEqual([]);

    await migrateLatest(db);
    expect((await migrationStatus(db)).pending).toEqual([]);
  });

  it('round-trips jsonb and timestamptz', async () => {
    const params = { epochs: 3, nested: { list: [1, 'two', null] } };
    await db('pipeline_runs').insert({ run_id: 'run-json', pipeline: 'p', spec_hash: 'h', params });
    const row = await db('pipeline_runs').where({ run_id: 'run-json' }).first();
    expect(row.params).toEqual(params);
    expect(row.started_at).toBeInstanceOf(Date);
  });

  it('keeps step rows idempotent on run + step + attempt (upsert merges, never duplicates)', async () => {
    await db('pipeline_runs').insert({ run_id: 'run-idem', pipeline: 'p', spec_hash: 'h' });
    const write = (status: string) =>
      db('step_executions')
        .insert({ run_id: 'run-idem', step: 'ingest', attempt: 1, status })
        .onConflict(['run_id', 'step', 'attempt'])
        .merge(['status']);
    await write('running');
    await write('running');
    await write('succeeded');
    const rows = await db('step_executions').where({ run_id: 'run-idem' });
    expect(rows).toHaveLength(1);
    expect(rows[0].status).toBe('succeeded');
  });

  it('enforces one version per run + candidate and unique version numbers per model', async () => {
    await db('pipeline_runs').insert({ run_id: 'run-reg', pipeline: 'p', spec_hash: 'h' });
    await db('models').insert({ name: 'm', task: 'classification' });
    await db('model_versions').insert({ model_name: 'm', version: 1, run_id: 'run-reg', candidate: 'mlp' });
    await expect(
      db('model_versions').insert({ model_name: 'm', version: 2, run_id: 'run-reg', candidate: 'mlp' }),
    ).rejects.toThrow(/unique|duplicate/i);
    await expect(
      db('model_versions').insert({ model_name: 'm', version: 1, run_id: 'run-reg', candidate: 'other' }),
    ).rejects.toThrow(/unique|duplicate/i);
  });

  it('runs concurrent transactions without losing writes', async () => {
    await db('pipeline_runs').insert({ run_id: 'run-conc', pipeline: 'p', spec_hash: 'h' });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db.transaction((trx) => trx('step_executions').insert({ run_id: 'run-conc', step: `s${i}`, status: 'ok' })),
      ),
    );
    const rows = await db('step_executions').where({ run_id: 'run-conc' }).count({ count: '*' });
    expect(rows[0]?.count).toBe(20);
  });
}
