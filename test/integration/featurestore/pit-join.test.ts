import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'csv-parse/sync';
import { migrateLatest } from '../../../infra/migrations';
import { PROJECT_ROOT, loadConfig } from '../../../lib/config';
import { openTrainingSet } from '../../../lib/featurestore/offline';
import { applyDefinitions } from '../../../lib/featurestore/registry';
import { FeatureViewsSourceSchema, type FeatureViewsSource } from '../../../lib/featurestore/spec';
import { createArtifactStore } from '../../../lib/store';
import { createTestDatabase, type TestDatabase } from '../../helpers/db';

const store = createArtifactStore(loadConfig().artifacts);
// Under .data/uploads: a data folder workers may read by default (DATA_FILE_ROOTS).
const scratch = join(PROJECT_ROOT, '.data', 'uploads', 'test-featurestore', randomUUID().slice(0, 8));

async function trainingSet(database: TestDatabase, source: unknown): Promise<Array<Record<string, string>>> {
  const set = await openTrainingSet(
    { db: database.db, store, workUrl: database.url, sourceUrl: database.url },
    FeatureViewsSourceSchema.parse(source) as FeatureViewsSource,
  );
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of set.stream) chunks.push(chunk as Buffer);
    return parse(Buffer.concat(chunks).toString('utf8'), { columns: true }) as Array<Record<string, string>>;
  } finally {
    await set.close();
  }
}

/** Entity rows as a VALUES query: (id, customer_id, at). */
function entities(rows: Array<[string, string, string]>): { query: string } {
  const values = rows.map(([id, key, at]) => `('${id}', '${key}', '${at}')`).join(', ');
  return { query: `select * from (values ${values}) as t(row_id, customer_id, event_timestamp)` };
}

function scratchFile(name: string, text: string): string {
  mkdirSync(scratch, { recursive: true });
  const file = join(scratch, name);
  writeFileSync(file, text);
  return relative(PROJECT_ROOT, file);
}

describe('offline store: point-in-time join on hand-built timelines', () => {
  let database: TestDatabase;
  let s3Key: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrateLatest(database.db);
    await store.ensureReady();
    const db = database.db;
    // Quoting: a mixed-case schema and table with a $, a reserved word as a column.
    await db.raw(`create schema "Sales"`);
    await db.raw(`create table "Sales"."Customer$Stats" (customer_id integer, event_timestamp timestamptz,
      ingested_at timestamptz, "Order" double precision, plan text)`);
    await db('Sales.Customer$Stats').insert([
      // customer 1: a plain timeline
      {
        customer_id: 1,
        event_timestamp: '2024-01-01T10:00:00Z',
        ingested_at: '2024-01-01T10:00:00Z',
        Order: 1,
        plan: 'basic',
      },
      {
        customer_id: 1,
        event_timestamp: '2024-01-03T10:00:00Z',
        ingested_at: '2024-01-03T10:00:00Z',
        Order: 3,
        plan: 'plus',
      },
      {
        customer_id: 1,
        event_timestamp: '2024-01-05T00:00:00Z',
        ingested_at: '2024-01-05T00:00:00Z',
        Order: 5,
        plan: 'pro',
      },
      // customer 2: two rows at the same event time, the later write must win
      {
        customer_id: 2,
        event_timestamp: '2024-01-02T00:00:00Z',
        ingested_at: '2024-01-02T05:00:00Z',
        Order: 22,
        plan: 'late-write',
      },
      {
        customer_id: 2,
        event_timestamp: '2024-01-02T00:00:00Z',
        ingested_at: '2024-01-02T01:00:00Z',
        Order: 21,
        plan: 'early-write',
      },
      // customer 3: a value for Jan 2 that only arrived on Jan 4 (late data)
      {
        customer_id: 3,
        event_timestamp: '2024-01-01T00:00:00Z',
        ingested_at: '2024-01-01T00:00:00Z',
        Order: 30,
        plan: 'on-time',
      },
      {
        customer_id: 3,
        event_timestamp: '2024-01-02T00:00:00Z',
        ingested_at: '2024-01-04T00:00:00Z',
        Order: 31,
        plan: 'late',
      },
      // customer 7: for the int-key normalisation ('007')
      {
        customer_id: 7,
        event_timestamp: '2024-01-01T00:00:00Z',
        ingested_at: '2024-01-01T00:00:00Z',
        Order: 7,
        plan: 'seven',
      },
    ]);
    // A second view over an S3 object without a created-time column: ties go to the row later in the file.
    s3Key = `test/featurestore/${randomUUID()}/activity.csv`;
    await store.put(
      s3Key,
      [
        'customer_id,event_timestamp,spend',
        '1,2024-01-02T00:00:00Z,100',
        '1,2024-01-04T00:00:00Z,400',
        '4,2024-01-02T00:00:00Z,41',
        '4,2024-01-02T00:00:00Z,42',
        '1,2024-01-09T00:00:00Z,900',
        '',
      ].join('\n'),
    );
    await applyDefinitions(
      db,
      {
        entities: [{ name: 'customer', joinKeys: [{ name: 'customer_id', type: 'int' }] }],
        featureViews: [
          {
            name: 'customer_stats',
            owner: 'growth',
            entities: ['customer'],
            source: { kind: 'table', schema: 'Sales', table: 'Customer$Stats', createdTimestampColumn: 'ingested_at' },
            ttl: '7d',
            features: [
              { name: 'Order', type: 'float' },
              { name: 'plan', type: 'string' },
            ],
          },
          {
            name: 'customer_activity',
            owner: 'growth',
            entities: ['customer'],
            source: { kind: 's3', key: s3Key },
            features: [{ name: 'spend', type: 'float' }],
          },
        ],
      },
      { actor: 'test', source: 'test' },
    );
  });

  afterAll(async () => {
    rmSync(scratch, { recursive: true, force: true });
    await store.delete(s3Key).catch(() => undefined);
    await database?.drop();
  });

  it('takes the latest value at or before each row, never after, within the TTL', async () => {
    const rows = await trainingSet(database, {
      kind: 'feature_views',
      entities: entities([
        ['before-any', '1', '2024-01-01T09:59:59Z'],
        ['first', '1', '2024-01-02T00:00:00Z'],
        ['just-before', '1', '2024-01-03T09:59:59.999999Z'],
        ['exactly-at', '1', '2024-01-03T10:00:00Z'],
        ['within-ttl', '1', '2024-01-10T00:00:00Z'],
        ['ttl-boundary', '1', '2024-01-12T00:00:00Z'],
        ['past-ttl', '1', '2024-01-12T00:00:00.000001Z'],
        ['unknown', '5', '2024-01-10T00:00:00Z'],
      ]),
      views: ['customer_stats'],
    });
    const got = Object.fromEntries(rows.map((r) => [r.row_id, [r.Order, r.plan]]));
    expect(got).toEqual({
      'before-any': ['', ''],
      first: ['1', 'basic'],
      'just-before': ['1', 'basic'],
      'exactly-at': ['3', 'plus'],
      'within-ttl': ['5', 'pro'],
      'ttl-boundary': ['5', 'pro'],
      'past-ttl': ['', ''],
      unknown: ['', ''],
    });
    // Input order and every input column are kept.
    expect(rows.map((r) => r.row_id)).toEqual([
      'before-any',
      'first',
      'just-before',
      'exactly-at',
      'within-ttl',
      'ttl-boundary',
      'past-ttl',
      'unknown',
    ]);
    expect(Object.keys(rows[0] as object)).toEqual(['row_id', 'customer_id', 'event_timestamp', 'Order', 'plan']);
  });

  it('never shows late data before it was written, and breaks event-time ties by write time', async () => {
    const rows = await trainingSet(database, {
      kind: 'feature_views',
      entities: entities([
        ['late-not-yet', '3', '2024-01-03T00:00:00Z'],
        ['late-arrived', '3', '2024-01-04T00:00:00Z'],
        ['tie-between-writes', '2', '2024-01-02T03:00:00Z'],
        ['tie-after-both', '2', '2024-01-02T06:00:00Z'],
        ['int-key', '007', '2024-01-02T00:00:00Z'],
      ]),
      views: [{ name: 'customer_stats', features: ['plan'] }],
    });
    expect(Object.fromEntries(rows.map((r) => [r.row_id, r.plan]))).toEqual({
      'late-not-yet': 'on-time',
      'late-arrived': 'late',
      'tie-between-writes': 'early-write',
      'tie-after-both': 'late-write',
      'int-key': 'seven',
    });
  });

  it('joins two views at once; without a created time, the later source row wins a tie', async () => {
    const rows = await trainingSet(database, {
      kind: 'feature_views',
      entities: entities([
        ['a', '1', '2024-01-04T12:00:00Z'],
        ['b', '4', '2024-01-03T00:00:00Z'],
        ['c', '1', '2024-01-08T23:59:59Z'],
      ]),
      views: ['customer_stats', { name: 'customer_activity', prefix: true }],
    });
    expect(rows.map((r) => [r.row_id, r.Order, r.plan, r.customer_activity__spend])).toEqual([
      ['a', '3', 'plus', '400'],
      ['b', '', '', '42'],
      ['c', '5', 'pro', '400'],
    ]);
  });

  it('reads the entity dataframe from a file, keeping every column as it was', async () => {
    const file = scratchFile(
      'labels.csv',
      'customer_id,event_timestamp,label,channel\n1,2024-01-02,yes,"web, mobile"\n2,2024-01-03 00:00:00+02:00,no,\n',
    );
    const rows = await trainingSet(database, {
      kind: 'feature_views',
      entities: { file },
      views: [{ name: 'customer_stats', features: ['Order'] }],
    });
    expect(rows).toEqual([
      { customer_id: '1', event_timestamp: '2024-01-02', label: 'yes', channel: 'web, mobile', Order: '1' },
      // +02:00 is Jan 2, 22:00 UTC: both writes of customer 2 are visible, the later one wins.
      { customer_id: '2', event_timestamp: '2024-01-03 00:00:00+02:00', label: 'no', channel: '', Order: '22' },
    ]);
  });

  it('refuses clashing column names, unknown features, bad timestamps and writes from the entity query', async () => {
    const base = { kind: 'feature_views', entities: entities([['a', '1', '2024-01-02T00:00:00Z']]) };
    await expect(
      trainingSet(database, { ...base, views: ['customer_stats', { name: 'customer_stats', prefix: true }] }),
    ).rejects.toThrow(/listed twice/);
    await expect(
      trainingSet(database, { ...base, views: [{ name: 'customer_stats', features: ['nope'] }] }),
    ).rejects.toThrow(/has no feature nope \(it has Order, plan\)/);
    await expect(
      trainingSet(database, {
        kind: 'feature_views',
        entities: entities([['Order', '1', '2024-01-02']]),
        views: ['missing_view'],
      }),
    ).rejects.toThrow(/No feature view missing_view: apply its definition first/);
    await expect(
      trainingSet(database, {
        kind: 'feature_views',
        entities: entities([['a', '1', 'yesterday']]),
        views: ['customer_stats'],
      }),
    ).rejects.toThrow(/line 2, column event_timestamp: "yesterday" is not a timestamp/);
    await expect(
      trainingSet(database, {
        kind: 'feature_views',
        entities: entities([
          ['a', '1', '2024-02-28'],
          ['b', '1', '2024-02-30'],
        ]),
        views: ['customer_stats'],
      }),
    ).rejects.toThrow(/line 3, column event_timestamp: date\/time field value out of range/);
    const clash = scratchFile('clash.csv', 'customer_id,event_timestamp,plan\n1,2024-01-02,x\n');
    await expect(
      trainingSet(database, { kind: 'feature_views', entities: { file: clash }, views: ['customer_stats'] }),
    ).rejects.toThrow(
      /column plan comes from both the entity dataframe and feature view customer_stats: set prefix: true/,
    );
    await expect(
      trainingSet(database, {
        kind: 'feature_views',
        entities: {
          query:
            "insert into feature_entities (name) values ('x') returning name as customer_id, now() as event_timestamp",
        },
        views: ['customer_stats'],
      }),
    ).rejects.toThrow(/must be a SELECT statement, not Insert/);
  });
});
