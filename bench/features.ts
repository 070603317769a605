// `npm run bench:features`: the offline store's point-in-time join at scale. An entity dataframe of 1M rows (query
// source) joined to two table-backed feature views of 2M and 1M rows, streamed out as the training-set CSV; beside
// it, in the same run, the floor: the same entity rows copied out with no join. Sizes: BENCH_ENTITY_ROWS,
// BENCH_FEATURE_ROWS (the second view gets half).
import { migrateLatest } from '../infra/migrations';
import { stackUp } from '../infra/stack';
import { loadConfig } from '../lib/config';
import { openTrainingSet } from '../lib/featurestore/offline';
import { applyDefinitions } from '../lib/featurestore/registry';
import { FeatureViewsSourceSchema } from '../lib/featurestore/spec';
import { createArtifactStore } from '../lib/store';
import { createTestDatabase, type TestDatabase } from '../test/helpers/db';
import { mebibytes, trackPeakRss } from './lib/memory';
import { machineLine, printTable, rate } from './lib/report';

const ENTITY_ROWS = Number(process.env.BENCH_ENTITY_ROWS ?? 1_000_000);
const FEATURE_ROWS = Number(process.env.BENCH_FEATURE_ROWS ?? 2_000_000);
const CUSTOMERS = Math.max(1000, Math.round(ENTITY_ROWS / 10));

async function createSources(database: TestDatabase): Promise<void> {
  const db = database.db;
  // A year of history: events at random moments, profile snapshots; entity rows at random moments too.
  await db.raw(`create table bench_events as
    select (random() * ${CUSTOMERS - 1})::int as customer_id,
           timestamptz '2024-01-01' + random() * interval '365 days' as event_timestamp,
           random() * 100 as spend_30d, (random() * 20)::int as orders_30d
    from generate_series(1, ${FEATURE_ROWS})`);
  await db.raw(`create table bench_profile as
    select (random() * ${CUSTOMERS - 1})::int as customer_id,
           timestamptz '2024-01-01' + random() * interval '365 days' as event_timestamp,
           (array['basic','plus','pro'])[1 + (random() * 2)::int] as plan, random() < 0.5 as newsletter
    from generate_series(1, ${Math.round(FEATURE_ROWS / 2)})`);
  await db.raw(`create table bench_entities as
    select i as row_id, (random() * ${CUSTOMERS - 1})::int as customer_id,
           timestamptz '2024-01-01' + random() * interval '365 days' as event_timestamp,
           case when random() < 0.3 then 'yes' else 'no' end as label
    from generate_series(1, ${ENTITY_ROWS}) as i`);
  await applyDefinitions(
    db,
    {
      entities: [{ name: 'customer', joinKeys: [{ name: 'customer_id', type: 'int' }] }],
      featureViews: [
        {
          name: 'bench_events',
          owner: 'bench',
          entities: ['customer'],
          source: { kind: 'table', table: 'bench_events' },
          ttl: '30d',
          features: [
            { name: 'spend_30d', type: 'float' },
            { name: 'orders_30d', type: 'int' },
          ],
        },
        {
          name: 'bench_profile',
          owner: 'bench',
          entities: ['customer'],
          source: { kind: 'table', table: 'bench_profile' },
          features: [
            { name: 'plan', type: 'string' },
            { name: 'newsletter', type: 'bool' },
          ],
        },
      ],
    },
    { actor: 'bench', source: 'bench' },
  );
}

async function measure(label: string, database: TestDatabase, views: string[]) {
  const store = createArtifactStore(loadConfig().artifacts);
  const memory = trackPeakRss();
  const started = process.hrtime.bigint();
  const stages = new Map<string, number>();
  const set = await openTrainingSet(
    { db: database.db, store, workUrl: database.url, sourceUrl: database.url },
    FeatureViewsSourceSchema.parse({
      kind: 'feature_views',
      entities: { query: 'select * from bench_entities order by row_id' },
      views: views.length > 0 ? views : ['bench_events'],
    }),
    (details) => {
      const stage = (details as { stage?: string }).stage ?? '?';
      if (!stages.has(stage)) stages.set(stage, Number(process.hrtime.bigint() - started) / 1e9);
    },
  );
  process.stderr.write(
    `${label}: stages started at ${[...stages].map(([s, t]) => `${s} ${t.toFixed(1)}s`).join(', ')}; join from ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)}s\n`,
  );
  const prepared = Number(process.hrtime.bigint() - started) / 1e9;
  let bytes = 0;
  let rows = -1;
  for await (const chunk of set.stream) {
    const buffer = chunk as Buffer;
    bytes += buffer.length;
    for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) rows += 1;
  }
  await set.close();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { label, rows, bytes, prepared, seconds, peak: memory.stop() };
}

async function copyFloor(database: TestDatabase) {
  const memory = trackPeakRss();
  const started = process.hrtime.bigint();
  const { Client } = await import('pg');
  const { to } = await import('pg-copy-streams');
  const client = new Client({ connectionString: database.url });
  await client.connect();
  let rows = -1;
  const stream = client.query(
    to('COPY (select * from bench_entities order by row_id) TO STDOUT WITH (FORMAT csv, HEADER)'),
  );
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) rows += 1;
  }
  await client.end();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    label: 'floor: COPY the entity rows out, no join',
    rows,
    bytes: 0,
    prepared: 0,
    seconds,
    peak: memory.stop(),
  };
}

async function main(): Promise<void> {
  await stackUp((m) => process.stderr.write(`[stack] ${m}\n`));
  const database = await createTestDatabase();
  try {
    await migrateLatest(database.db);
    process.stderr.write(`creating ${ENTITY_ROWS} entity rows and ${FEATURE_ROWS * 1.5} feature rows...\n`);
    await createSources(database);
    await database.db.raw('analyze');
    const results = [await copyFloor(database)];
    results.push(await measure('point-in-time join, 1 view (TTL 30d)', database, ['bench_events']));
    results.push(await measure('point-in-time join, 2 views', database, ['bench_events', 'bench_profile']));
    console.log(`\n${machineLine()}; PostgreSQL from the stack; ${CUSTOMERS} customers\n`);
    printTable(
      ['scenario', 'rows out', 'staging s', 'total s', 'rows/s', 'peak RSS'],
      results.map((r) => [
        r.label,
        r.rows.toLocaleString('en-US'),
        r.prepared.toFixed(1),
        r.seconds.toFixed(1),
        rate(r.rows, r.seconds),
        mebibytes(r.peak),
      ]),
    );
  } finally {
    await database.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
