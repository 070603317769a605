// bench:serve's feature-store scenarios: the churn MLP registered a second time as a model "trained with a feature
// view" (its run records a view whose columns are the churn inputs), the online stores filled from churn.csv, and
// requests that carry only customer_id. The model is the same: the difference in latency is the online lookup.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parse } from 'csv-parse/sync';
import type { Db } from '../../lib/db';
import type { Logger } from '../../lib/logging';
import type { FittedTransforms } from '../../lib/ml';
import { createPostgresOnlineStore } from '../../lib/featurestore/online/postgres';
import { createRedisOnlineStore } from '../../lib/featurestore/online/redis';
import type { OnlineRow, OnlineStore } from '../../lib/featurestore/online';
import { createOnlineFeatureService, type OnlineFeatureService } from '../../lib/featurestore/serving';
import { eventTimeOf } from '../../lib/featurestore/time';
import { recordViewUsage } from '../../lib/featurestore/usage';
import { entityKeyOf } from '../../lib/featurestore/values';
import type { ArtifactStore } from '../../lib/store';
import { promoteAndDeploy, storeAndRegister } from '../../test/integration/api/model-fixture';

export const FS_MODEL = 'churn-bench-fs';
const VIEW = 'bench_customer';
const FEATURES = [
  'tenure_months',
  'monthly_charges',
  'contract',
  'support_calls',
  'has_internet',
  'region',
  'signup_date',
];

function churnRecords(file: string): Array<Record<string, string>> {
  return parse(readFileSync(file, 'utf8'), { columns: true }) as Array<Record<string, string>>;
}

/** Registers and deploys the feature-view variant of the model and fills both online stores (Redis if given). */
export async function deployFeatureModel(
  deps: { db: Db; store: ArtifactStore },
  input: { file: string; modelBytes: Uint8Array; fitted: FittedTransforms; redisUrl?: string },
): Promise<void> {
  const runId = `bench-fs-${Date.now()}`;
  const version = await storeAndRegister(deps, { model: FS_MODEL, runId, ...input });
  await recordViewUsage(deps.db, runId, [
    {
      name: VIEW,
      version: 1,
      hash: 'bench',
      joinKeys: [{ name: 'customer_id', type: 'string' }],
      columns: FEATURES.map((f) => ({ column: f, feature: f, type: 'string' })),
    },
  ]);
  await promoteAndDeploy(deps, { model: FS_MODEL, versionId: version.id, actor: 'bench' });
  const eventTime = eventTimeOf(new Date());
  const rows: OnlineRow[] = churnRecords(input.file).map((r) => ({
    entityKey: entityKeyOf([r.customer_id as string]),
    eventTime,
    created: null,
    values: Object.fromEntries(FEATURES.map((f) => [f, r[f] ?? null])),
  }));
  const stores: OnlineStore[] = [createPostgresOnlineStore(deps.db)];
  if (input.redisUrl) stores.push(createRedisOnlineStore({ url: input.redisUrl, prefix: 'bench:fs' }));
  for (const store of stores) {
    await store.write(VIEW, rows);
    await store.close();
  }
}

export function featureService(
  kind: 'postgres' | 'redis',
  deps: { db: Db; log: Logger; redisUrl?: string },
): OnlineFeatureService {
  const online =
    kind === 'redis'
      ? createRedisOnlineStore({ url: deps.redisUrl as string, prefix: 'bench:fs' })
      : createPostgresOnlineStore(deps.db);
  return createOnlineFeatureService({ db: deps.db, online, log: deps.log });
}

/** Requests that carry the entity key only: the server looks every model input up. */
export function entityOnlyRows(file: string, count: number): Array<Record<string, string>> {
  return churnRecords(file)
    .slice(0, count)
    .map((r) => ({ customer_id: r.customer_id as string }));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * The lookup on its own, one request at a time (no HTTP, no model): p50/p99 of filling 1, 10 and 100 rows from each
 * online store, beside a `select 1` round trip to the same PostgreSQL in the same run.
 */
export async function lookupLatency(deps: {
  db: Db;
  log: Logger;
  file: string;
  redisUrl: string;
  iterations?: number;
}): Promise<Array<Array<string | number>>> {
  const iterations = deps.iterations ?? 300;
  const use = {
    name: VIEW,
    version: 1,
    hash: 'bench',
    joinKeys: [{ name: 'customer_id', type: 'string' as const }],
    columns: FEATURES.map((f) => ({ column: f, feature: f, type: 'string' as const })),
  };
  const time = async (body: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 0; i < iterations; i += 1) {
      const started = performance.now();
      await body();
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    return [percentile(samples, 50).toFixed(2), percentile(samples, 99).toFixed(2)];
  };
  const out: Array<Array<string | number>> = [
    ['PostgreSQL select 1 (round trip)', 1, ...(await time(() => deps.db.raw('select 1')))],
  ];
  for (const kind of ['postgres', 'redis'] as const) {
    const online =
      kind === 'redis'
        ? createRedisOnlineStore({ url: deps.redisUrl, prefix: 'bench:fs' })
        : createPostgresOnlineStore(deps.db);
    const service = createOnlineFeatureService({ db: deps.db, online, log: deps.log });
    for (const keys of [1, 10, 100]) {
      const rows = entityOnlyRows(deps.file, 2000);
      let at = 0;
      const latency = await time(() => {
        at = (at + keys) % (rows.length - keys);
        return service.lookup(use, rows.slice(at, at + keys));
      });
      out.push([`${kind === 'redis' ? 'Redis' : 'PostgreSQL'} online store lookup`, keys, ...latency]);
    }
    await online.close();
  }
  return out;
}
