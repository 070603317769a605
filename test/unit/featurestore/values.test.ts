import { csvCell, csvLine } from '../../../lib/featurestore/csv';
import { pointInTimeJoinSql } from '../../../lib/featurestore/offline/join';
import { newestPerEntity, writeOrder } from '../../../lib/featurestore/online/types';
import { ident, intervalMs, literal, qualified } from '../../../lib/featurestore/sql';
import { durationToMs, eventTimeMicros, eventTimeOf, parseEventTime } from '../../../lib/featurestore/time';
import { entityKeyOf, normalizeKey, toFeatureValue } from '../../../lib/featurestore/values';

describe('event times', () => {
  it.each([
    ['2024-03-01', '2024-03-01T00:00:00.000000Z'],
    ['2024-03-01T10:00:00Z', '2024-03-01T10:00:00.000000Z'],
    ['2024-03-01 10:00', '2024-03-01T10:00:00.000000Z'],
    ['2024-03-01T10:00:00.5', '2024-03-01T10:00:00.500000Z'],
    ['2024-03-01T10:00:00.1234567+00:00', '2024-03-01T10:00:00.123456Z'],
    ['2024-03-01 01:30:00+02', '2024-02-29T23:30:00.000000Z'],
    ['2024-03-01T10:00:00-05:30', '2024-03-01T15:30:00.000000Z'],
  ])('%s → %s', (text, canonical) => {
    expect(parseEventTime(text)).toBe(canonical);
  });

  it.each(['yesterday', '2024-02-30', '2024-13-01', '2024-03-01T24:00:00', '', '01/03/2024'])('refuses %j', (text) => {
    expect(() => parseEventTime(text)).toThrow(/is not a timestamp/);
  });

  it('orders canonical strings as times, and converts exactly', () => {
    const times = ['2024-01-02T00:00:00Z', '2023-12-31T23:59:59.999999Z', '2024-01-01T00:00:00.000001Z'].map(
      parseEventTime,
    );
    expect([...times].sort()).toEqual([times[1], times[2], times[0]]);
    expect(eventTimeMicros('2024-01-01T00:00:00.000001Z') - eventTimeMicros('2024-01-01T00:00:00.000000Z')).toBe(1);
    expect(eventTimeOf(new Date('2024-01-01T00:00:00.123Z'))).toBe('2024-01-01T00:00:00.123000Z');
    expect([durationToMs('30d'), durationToMs('1.5h'), durationToMs(250)]).toEqual([2_592_000_000, 5_400_000, 250]);
  });
});

describe('values and keys', () => {
  it('types cells, with null for empty', () => {
    expect(toFeatureValue('42', 'int')).toBe(42);
    expect(toFeatureValue(' -7 ', 'int')).toBe(-7);
    expect(toFeatureValue('1e3', 'float')).toBe(1000);
    expect(toFeatureValue('Yes', 'bool')).toBe(true);
    expect(toFeatureValue(0, 'bool')).toBe(false);
    expect(toFeatureValue('', 'string')).toBeNull();
    expect(toFeatureValue(undefined, 'float')).toBeNull();
    expect(toFeatureValue('2024-01-01', 'timestamp')).toBe('2024-01-01T00:00:00.000000Z');
    expect(() => toFeatureValue('4.5', 'int')).toThrow('"4.5" is not an integer');
    expect(() => toFeatureValue('9007199254740993', 'int')).toThrow(/within ±2\^53/);
    expect(() => toFeatureValue('NaN', 'float')).toThrow(/not a finite number/);
    expect(() => toFeatureValue('maybe', 'bool')).toThrow(/not a boolean/);
    expect(() => toFeatureValue({ a: 1 }, 'string')).toThrow(/not a string/);
  });

  it('normalises int keys and keeps string keys as they are', () => {
    expect(normalizeKey('007', 'int')).toBe('7');
    expect(normalizeKey(7, 'int')).toBe('7');
    expect(normalizeKey('123456789012345678901234567890', 'int')).toBe('123456789012345678901234567890');
    expect(normalizeKey('007', 'string')).toBe('007');
    expect(() => normalizeKey('', 'string')).toThrow(/empty/);
    expect(() => normalizeKey('7a', 'int')).toThrow(/not an integer key/);
    expect(entityKeyOf(['1', 'a"b'])).toBe('["1","a\\"b"]');
  });

  it('writes CSV where NULL and the empty string stay apart', () => {
    expect(csvLine([null, '', 'a,b', 'say "hi"', ' pad', 1.5, true])).toBe(',"","a,b","say ""hi"""," pad",1.5,true\n');
    expect(csvCell('plain')).toBe('plain');
  });
});

describe('SQL building', () => {
  it('quotes identifiers and literals the PostgreSQL way', () => {
    expect(ident('Order')).toBe('"Order"');
    expect(ident('a"b')).toBe('"a""b"');
    expect(qualified('Sales', 'Customer$Stats')).toBe('"Sales"."Customer$Stats"');
    expect(literal("it's")).toBe("'it''s'");
    expect(intervalMs(1000)).toBe("interval '1000 milliseconds'");
    expect(() => intervalMs(1.5)).toThrow();
  });

  it('joins each view with at-or-before, TTL and created-time conditions and a full tie-break order', () => {
    const sql = pointInTimeJoinSql({
      passthrough: 2,
      views: [
        {
          staged: {
            table: 'fs_stage_0',
            rows: 1,
            ttlMs: 86_400_000,
            hasCreated: true,
            features: [{ name: 'a', type: 'bool', description: '' }],
          },
          entityKeys: ['k0'],
        },
        {
          staged: {
            table: 'fs_stage_1',
            rows: 1,
            hasCreated: false,
            features: [{ name: 'b', type: 'float', description: '' }],
          },
          entityKeys: ['k1', 'k0'],
        },
      ],
    });
    expect(sql).toContain("s.k0 = e.k0 and s._ts <= e._ts and s._ts >= e._ts - interval '86400000 milliseconds'");
    expect(sql).toContain('(s._created is null or s._created <= e._ts)');
    expect(sql).toContain('s.k0 = e.k1 and s.k1 = e.k0 and s._ts <= e._ts order by');
    expect(sql).toContain('order by s._ts desc, s._created desc nulls last, s._row desc limit 1');
    expect(sql.endsWith('order by e._eid')).toBe(true);
    expect(sql.match(/left join lateral/g)).toHaveLength(2);
  });
});

describe('online store ordering', () => {
  const row = (key: string, eventTime: string, created: string | null, x: number) => ({
    entityKey: key,
    eventTime,
    created,
    values: { x },
  });
  it('orders by event time, then created time (none counts as earliest)', () => {
    const a = writeOrder(row('k', '2024-01-01T00:00:00.000000Z', null, 1));
    const b = writeOrder(row('k', '2024-01-01T00:00:00.000000Z', '2024-01-01T00:00:00.000000Z', 1));
    const c = writeOrder(row('k', '2024-01-01T00:00:00.000001Z', null, 1));
    expect(a.length).toBe(40);
    expect([c, b, a].sort()).toEqual([a, b, c]);
  });
  it('keeps the newest row per entity of a batch, the last of equals', () => {
    const kept = newestPerEntity([
      row('k', '2024-01-02T00:00:00.000000Z', null, 1),
      row('j', '2024-01-01T00:00:00.000000Z', null, 2),
      row('k', '2024-01-01T00:00:00.000000Z', null, 3),
      row('j', '2024-01-01T00:00:00.000000Z', null, 4),
    ]);
    expect(kept.map((r) => [r.entityKey, r.values.x])).toEqual([
      ['k', 1],
      ['j', 4],
    ]);
  });
});
