import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { abtFeatureColumns } from '../../../activities/data/abt';
import { BinaryRowDecoder, readAbtSplit } from '../../../activities/training/abt-reader';
import { createTestDatabase, type TestDatabase } from '../../helpers/db';

// The split reader streams a binary COPY into typed arrays; it must give what the former row-object reader gave.

const FEATURES = ['tenure', 'Monthly Charges', 'region=east', 'region=west', 'tenure'];
const ROWS = 30_000;
const TABLE = 'abt_reader_test';

/** The former reader: one query, one JS object per row. */
async function referenceRead(db: TestDatabase['db'], split: number, classification: boolean) {
  const columns = abtFeatureColumns(FEATURES);
  const { rows } = (await db.raw(
    `select row_id, y, ${columns.map((c) => `"${c}"`).join(', ')} from ${TABLE} where split = ? order by row_id`,
    [split],
  )) as { rows: Array<Record<string, number>> };
  const x = new Float32Array(rows.length * columns.length);
  const y = classification ? new Int32Array(rows.length) : new Float32Array(rows.length);
  const rowIds = new Int32Array(rows.length);
  rows.forEach((row, i) => {
    rowIds[i] = Number(row.row_id);
    y[i] = Number(row.y);
    columns.forEach((c, j) => (x[i * columns.length + j] = Number(row[c])));
  });
  return { x, y, rowIds, rowCount: rows.length };
}

describe('ABT split reader (binary COPY into typed arrays)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    const columns = abtFeatureColumns(FEATURES);
    await database.db.raw(
      `create table ${TABLE} (row_id bigint not null primary key, source_line integer not null, split smallint not null,
        label text, y double precision not null, ${columns.map((c) => `"${c}" real not null`).join(', ')})`,
    );
    // Values of every kind a real column can hold: fractions, negatives, huge, tiny, -0, NaN and ±Infinity.
    await database.db.raw(
      `insert into ${TABLE}
       select g, g + 1, (g % 5 = 0)::int + (g % 7 = 0)::int, 'l', g % 3,
         (g * 0.37)::real, (-g / 3.0)::real,
         (case g % 6 when 0 then 'NaN' when 1 then 'Infinity' when 2 then '-Infinity' when 3 then '-0'
                     when 4 then '3.4e38' else '1e-40' end)::real,
         (g % 2)::real, (sin(g) * 1e6)::real
       from generate_series(1, ${ROWS}) g`,
    );
  });
  afterAll(async () => {
    await database?.drop();
  });

  for (const [split, code] of [
    ['train', 0],
    ['validation', 1],
    ['test', 2],
  ] as const) {
    for (const classification of [true, false]) {
      it(`${split} split, ${classification ? 'classification' : 'regression'}: same arrays as the row reader`, async () => {
        const got = await readAbtSplit(database.db, { table: TABLE, featureNames: FEATURES, split, classification });
        const want = await referenceRead(database.db, code, classification);
        expect(got.rowCount).toBe(want.rowCount);
        expect(got.featureCount).toBe(FEATURES.length);
        expect(Array.from(got.rowIds)).toEqual(Array.from(want.rowIds));
        expect(Array.from(got.y)).toEqual(Array.from(want.y));
        expect(Array.from(got.x)).toEqual(Array.from(want.x));
        expect(got.y).toBeInstanceOf(classification ? Int32Array : Float32Array);
      });
    }
  }

  it('an empty split reads as zero rows', async () => {
    await database.db.raw(`delete from ${TABLE} where split = 2`);
    const got = await readAbtSplit(database.db, {
      table: TABLE,
      featureNames: FEATURES,
      split: 'test',
      classification: true,
    });
    expect(got.rowCount).toBe(0);
    expect(got.x).toHaveLength(0);
  });

  it('decodes the same rows whatever the chunk boundaries', async () => {
    const columns = abtFeatureColumns(FEATURES);
    const client = (await database.db.client.acquireConnection()) as PoolClient;
    const chunks: Buffer[] = [];
    try {
      const sql = `COPY (select row_id, y, ${columns.map((c) => `"${c}"`).join(', ')} from ${TABLE} order by row_id limit 500) TO STDOUT WITH (FORMAT binary)`;
      for await (const chunk of client.query(copyTo(sql))) chunks.push(chunk as Buffer);
    } finally {
      await database.db.client.releaseConnection(client);
    }
    const bytes = Buffer.concat(chunks);
    const decode = (size: number) => {
      const seen: number[] = [];
      const decoder = new BinaryRowDecoder(columns.length, (_i, rowId, y, buf, at) =>
        seen.push(rowId, y, buf.readFloatBE(at + 4), buf.readFloatBE(at + (columns.length - 1) * 8 + 4)),
      );
      for (let at = 0; at < bytes.length; at += size) decoder.push(bytes.subarray(at, at + size));
      expect(decoder.end()).toBe(500);
      return seen;
    };
    const whole = decode(bytes.length);
    for (const size of [1, 7, 13, 64, 1000]) expect(decode(size)).toEqual(whole);
    // A stream cut short is an error, not a shorter split.
    const decoder = new BinaryRowDecoder(columns.length, () => undefined);
    decoder.push(bytes.subarray(0, bytes.length - 10));
    expect(() => decoder.end()).toThrow('ended early');
  });
});
