import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { migrateLatest } from '../../../infra/migrations';
import { connectClient } from '../../../infra/temporal-connection';
import { PROJECT_ROOT, loadConfig } from '../../../lib/config';
import { applyDefinitions } from '../../../lib/featurestore/registry';
import { materializeFeatureView } from '../../../workflows/featurestore/workflow';
import { createTestDatabase, type TestDatabase } from '../../helpers/db';
import { saveHistory } from '../../helpers/histories';

const CUSTOMERS = 5000;
const EVENTS_PER_CUSTOMER = 12;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('materialization: SIGKILL the worker mid-window, resume on another from the last cursor', () => {
  let database: TestDatabase;
  let client: Client;
  let env: NodeJS.ProcessEnv;
  const children: ChildProcess[] = [];
  const taskQueue = `test-fs-${randomUUID().slice(0, 8)}`;

  const spawnWorker = () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'workers', 'orchestration.ts')], {
      cwd: PROJECT_ROOT,
      env,
      stdio: 'ignore',
    });
    children.push(child);
    return child;
  };
  const onlineCount = async () =>
    Number((await database.db('feature_online').where({ view: 'customer_events' }).count({ n: '*' }).first())?.n);

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrateLatest(database.db);
    env = {
      ...process.env,
      DATABASE_URL: database.url,
      DATA_SOURCE_DATABASE_URL: database.readerUrl ?? '',
      TASK_QUEUE_ORCHESTRATION: taskQueue,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      WORKER_METRICS_PORT: '0',
      MLOPS_CODE_VERSION: 'test',
      FEATURE_ONLINE_STORE: 'postgres',
    };
    client = await connectClient(loadConfig(env).temporal);
    // Customer c's events are consecutive seconds: the online store fills up customer by customer as pages go by.
    await database.db.raw('create schema if not exists sources');
    // Feature-view sources are read as the read-only role, which sees the sources schema only.
    await database.db.raw(`create table sources.events as
      select (i / ${EVENTS_PER_CUSTOMER})::int as customer_id,
             now() - interval '2 days' + make_interval(secs => i) as event_timestamp,
             (i % ${EVENTS_PER_CUSTOMER})::double precision as n_orders,
             'c' || (i / ${EVENTS_PER_CUSTOMER}) || '-' || (i % ${EVENTS_PER_CUSTOMER}) as last_page
      from generate_series(0, ${CUSTOMERS * EVENTS_PER_CUSTOMER - 1}) as i`);
    await applyDefinitions(
      database.db,
      {
        entities: [{ name: 'customer', joinKeys: [{ name: 'customer_id', type: 'int' }] }],
        featureViews: [
          {
            name: 'customer_events',
            owner: 'test',
            entities: ['customer'],
            source: { kind: 'table', schema: 'sources', table: 'events' },
            features: [
              { name: 'n_orders', type: 'float' },
              { name: 'last_page', type: 'string' },
            ],
          },
        ],
      },
      { actor: 'test', source: 'test' },
    );
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await client?.connection.close();
    await database?.drop();
  });

  it('completes after the kill with every entity at its latest value, resuming after the last heartbeat', async () => {
    const first = spawnWorker();
    const handle = await client.workflow.start(materializeFeatureView, {
      taskQueue,
      workflowId: `fs-materialize-test-${randomUUID().slice(0, 8)}`,
      args: [{ view: 'customer_events', batchRows: 200, heartbeatTimeout: '3s' }],
    });
    const atKill = await until('a fifth of the entities written', async () => {
      const n = await onlineCount();
      return n >= CUSTOMERS / 5 ? n : undefined;
    });
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    expect(atKill).toBeLessThan(CUSTOMERS);
    spawnWorker();

    const result = await handle.result();
    await saveHistory(handle, 'fs-materialize-resumed');
    expect(result).toMatchObject({ view: 'customer_events', version: 1, rowsRead: CUSTOMERS * EVENTS_PER_CUSTOMER });

    const run = await database.db('feature_materialization_runs').where({ workflow_id: handle.workflowId }).first();
    expect(run.status).toBe('succeeded');
    const attempts = run.attempts as Array<{ attempt: number; resumedFrom: string | null }>;
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts[0]?.resumedFrom).toBeNull();
    // The retry started from a cursor (an event time), not from the beginning.
    expect(attempts.at(-1)?.resumedFrom).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    // Every customer holds its last event, exactly once.
    expect(await onlineCount()).toBe(CUSTOMERS);
    const wrong = await database.db.raw(`
      select count(*)::int as n from feature_online o
      where o.view = 'customer_events'
        and o."values" <> jsonb_build_object('n_orders', ${EVENTS_PER_CUSTOMER - 1},
              'last_page', 'c' || (o.entity_key::jsonb ->> 0) || '-${EVENTS_PER_CUSTOMER - 1}')`);
    expect(wrong.rows[0].n).toBe(0);
    const state = await database.db('feature_materializations').where({ view: 'customer_events' }).first();
    expect(new Date(state.watermark).toISOString()).toBe(`${result.to.slice(0, 23)}Z`);

    // Incremental: the next run reads only rows after the watermark (a late row before it waits for lateArrival).
    await database.db.raw(`insert into sources.events values (1, now() - interval '1 second', 99, 'new'),
      (2, now() - interval '3 days', 77, 'late')`);
    const next = await client.workflow.execute(materializeFeatureView, {
      taskQueue,
      workflowId: `fs-materialize-test-${randomUUID().slice(0, 8)}`,
      args: [{ view: 'customer_events' }],
    });
    expect(next).toMatchObject({ rowsRead: 1, rowsWritten: 1, from: result.to });
    const [one, two] = (
      await database
        .db('feature_online')
        .where({ view: 'customer_events' })
        .whereIn('entity_key', ['["1"]', '["2"]'])
        .orderBy('entity_key')
    ).map((r: { values: Record<string, unknown> }) => r.values.last_page);
    expect([one, two]).toEqual(['new', 'c2-11']);
  });
});
