import {
  DistinctCounter,
  FrequentValues,
  inferColumnType,
  parseIsoDate,
  parseNumber,
  ProfileAccumulator,
  profileTable,
  quantileOfSorted,
  ReservoirSample,
  RunningMoments,
  readRecordBatches,
} from '../../../lib/ml';
import { fixtureStream, readFixture } from './helpers';

const MISSING = new Set(['', 'NA']);

describe('cell parsing and type inference', () => {
  it('parses numbers strictly, including NaN and infinities', () => {
    expect(parseNumber(' 1e3 ')).toBe(1000);
    expect(parseNumber('-.5')).toBe(-0.5);
    expect(parseNumber('-Infinity')).toBe(-Infinity);
    expect(parseNumber('nan')).toBeNaN();
    expect(parseNumber('0x1A')).toBeUndefined();
    expect(parseNumber('1,234')).toBeUndefined();
  });

  it('parses ISO dates as UTC and honours offsets', () => {
    expect(parseIsoDate('2024-01-01T01:00:00+01:00')).toBe(Date.UTC(2024, 0, 1, 0, 0));
    expect(parseIsoDate('2024-03-10 12:30')).toBe(Date.UTC(2024, 2, 10, 12, 30));
    expect(parseIsoDate('2024-02-30')).toBeUndefined();
    expect(parseIsoDate('10/03/2024')).toBeUndefined();
  });

  it('reads plain numbers and dates (the fast paths) exactly as the general rules do', () => {
    const decimal = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
    for (const text of [
      '0',
      '-0',
      '007',
      '5.',
      '-.5',
      '.',
      '-',
      '--1',
      '1.2.3',
      '108.96',
      '-3.25',
      '12345678901234567890',
      '1e5',
    ]) {
      expect([text, parseNumber(text)]).toEqual([text, decimal.test(text) ? Number(text) : undefined]);
    }
    for (let year = 1899; year <= 2101; year += 101) {
      for (let month = 0; month <= 13; month++) {
        for (const day of [0, 1, 28, 29, 30, 31, 32]) {
          const text = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
          const ms = Date.UTC(year, month - 1, day);
          const d = new Date(ms);
          const valid = month >= 1 && month <= 12 && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
          expect([text, parseIsoDate(text)]).toEqual([text, valid ? ms : undefined]);
        }
      }
    }
    // Years before 100: Date.UTC reads them as 19xx, and the general path keeps doing so.
    expect(parseIsoDate('0050-01-01')).toBe(Date.UTC(1950, 0, 1));
  });

  const ids = Array.from({ length: 100 }, (_, i) => `user-${i}`);
  it.each([
    [['1', '2', 'NA', '-3'], 'integer'],
    [['1', '2.5', 'NaN'], 'numeric'],
    [['true', 'FALSE', ''], 'boolean'],
    [['yes', 'no', 'yes'], 'categorical'],
    [['0', '1', '1'], 'integer'],
    [['2024-01-01', '2024-01-02T10:00:00Z'], 'datetime'],
    [['a', 'b', 'a', '7'], 'categorical'],
    [ids, 'text'],
    [['x'.repeat(65)], 'text'],
    [['', 'NA'], 'text'],
    [[1, 2.5, null], 'numeric'],
    [[true, false], 'boolean'],
  ])('infers %s as %s', (values, type) => {
    expect(inferColumnType({ values, missingTokens: MISSING })).toBe(type);
  });
});

describe('streaming sketches', () => {
  it('RunningMoments: mean and sample std, and merging equals one pass', () => {
    // [2,4,4,4,5,5,7,9]: mean 5, Σ(x−5)² = 9+1+1+1+0+0+4+16 = 32, sample std = √(32/7) = 2.13809
    const all = new RunningMoments();
    [2, 4, 4, 4, 5, 5, 7, 9].forEach((x) => all.add(x));
    expect(all.mean).toBe(5);
    expect(all.std).toBeCloseTo(Math.sqrt(32 / 7), 12);
    const left = new RunningMoments();
    const right = new RunningMoments();
    [2, 4, 4, 4].forEach((x) => left.add(x));
    [5, 5, 7, 9].forEach((x) => right.add(x));
    left.merge(right);
    expect(left.count).toBe(8);
    expect(left.mean).toBeCloseTo(5, 12);
    expect(left.std).toBeCloseTo(all.std, 12);
    expect([left.min, left.max]).toEqual([2, 9]);
  });

  it('quantileOfSorted interpolates linearly between ranks', () => {
    // [1,2,3,4]: p50 at position 1.5 → 2.5; p25 at position 0.75 → 1.75
    expect(quantileOfSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileOfSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantileOfSorted([1, 2, 3, 4], 1)).toBe(4);
  });

  it('ReservoirSample is exact below capacity and bounded above it', () => {
    const small = new ReservoirSample(10, 1);
    [5, 3, 9].forEach((x) => small.add(x));
    expect(Array.from(small.sorted())).toEqual([3, 5, 9]);
    const big = new ReservoirSample(400, 7);
    for (let i = 0; i < 100_000; i++) big.add(i);
    expect(big.sample().length).toBe(400);
    // Rank error sd at the median is √(0.25/400) = 2.5%: 3 sd = 7.5% of 100k.
    expect(Math.abs(quantileOfSorted(big.sorted(), 0.5) - 50_000)).toBeLessThan(7_500);
  });

  it('ReservoirSample.merge weighs each side by the stream length it stands for', () => {
    const a = new ReservoirSample(500, 1);
    const b = new ReservoirSample(500, 2);
    for (let i = 0; i < 1000; i++) a.add(i);
    for (let i = 0; i < 2000; i++) b.add(10_000 + i);
    a.merge(b);
    const fromB = Array.from(a.sample()).filter((x) => x >= 10_000).length / 500;
    expect(a.seen).toBe(3000);
    expect(fromB).toBeGreaterThan(0.6);
    expect(fromB).toBeLessThan(0.73);
  });

  it('DistinctCounter is exact while small, then HyperLogLog within a few percent', () => {
    const small = new DistinctCounter(100);
    ['a', 'b', 'a', 'c'].forEach((k) => small.add(k));
    expect(small.estimate()).toBe(3);
    expect(small.isExact).toBe(true);
    const big = new DistinctCounter(1000);
    for (let i = 0; i < 50_000; i++) big.add(`key-${i % 40_000}`);
    expect(big.isExact).toBe(false);
    expect(Math.abs(big.estimate() - 40_000) / 40_000).toBeLessThan(0.03);
    const other = new DistinctCounter(1000);
    for (let i = 30_000; i < 60_000; i++) other.add(`key-${i}`);
    big.merge(other);
    expect(Math.abs(big.estimate() - 60_000) / 60_000).toBeLessThan(0.03);
  });

  it('FrequentValues (Misra–Gries) is exact below capacity, bounded below true counts above', () => {
    const exact = new FrequentValues(10);
    ['a', 'b', 'a', 'c', 'a', 'b'].forEach((k) => exact.add(k));
    expect(exact.top(2)).toEqual([
      { value: 'a', count: 3 },
      { value: 'b', count: 2 },
    ]);
    expect(exact.isExact).toBe(true);
    // Capacity 2, stream a a b c a: {a:2,b:1}; c decrements all → {a:1}; a → {a:2}. True count 3, error ≤ 5/3.
    const tight = new FrequentValues(2);
    ['a', 'a', 'b', 'c', 'a'].forEach((k) => tight.add(k));
    expect(tight.top(5)).toEqual([{ value: 'a', count: 2 }]);
    expect(tight.isExact).toBe(false);
  });
});

describe('profiles', () => {
  it('profileTable gives known statistics for the customers fixture', async () => {
    const profile = profileTable({ table: await readFixture('customers-good.csv') });
    const age = profile.columns.find((c) => c.name === 'age');
    // ages 23 29 34 38 41 45 51 62: mean 323/8 = 40.375; p50 = (38+41)/2; p25 at position 1.75 = 29 + 0.75·5
    expect(age).toMatchObject({ count: 8, missing: 0, invalid: 0, min: 23, max: 62, distinct: 8, distinctExact: true });
    expect(age?.mean).toBeCloseTo(40.375, 12);
    expect(age?.std).toBeCloseTo(12.42046122907105, 10);
    expect(age?.quantiles?.p50).toBe(39.5);
    expect(age?.quantiles?.p25).toBe(32.75);
    const income = profile.columns.find((c) => c.name === 'income');
    expect(income).toMatchObject({ missing: 1, min: 39000, max: 91000 });
    expect(income?.mean).toBeCloseTo(60928.67857142857, 8);
    const city = profile.columns.find((c) => c.name === 'city');
    expect(city?.topValues).toEqual([
      { value: 'Paris', count: 4 },
      { value: 'Lyon', count: 2 },
      { value: 'Nice', count: 2 },
    ]);
    expect(city?.mean).toBeNull();
  });

  it('counts invalid and non-finite cells apart from the statistics', async () => {
    const accumulator = new ProfileAccumulator();
    const schema = { columns: [{ name: 'income', type: 'numeric' as const }] };
    for await (const batch of readRecordBatches({
      stream: fixtureStream('customers-bad.csv'),
      format: 'csv',
      schema,
      batchRows: 3,
    })) {
      accumulator.consume(batch);
    }
    const income = accumulator.finish().columns.find((c) => c.name === 'income');
    // 52000.5 61000 abc NaN 47000 Inf 56000 58000 → 1 invalid, 2 non-finite, 5 finite values
    expect(income).toMatchObject({ count: 8, invalid: 1, nonFinite: 2, missing: 0, min: 47000, max: 61000 });
  });

  it('merging partial profiles equals profiling everything at once', async () => {
    const batches = [];
    for await (const b of readRecordBatches({
      stream: fixtureStream('customers-good.csv'),
      format: 'csv',
      batchRows: 3,
    }))
      batches.push(b);
    const whole = new ProfileAccumulator();
    batches.forEach((b) => whole.consume(b));
    const left = new ProfileAccumulator();
    const right = new ProfileAccumulator();
    batches.forEach((b, i) => (i % 2 === 0 ? left : right).consume(b));
    left.merge(right);
    const a = whole.finish();
    const b = left.finish();
    expect(b.rowCount).toBe(a.rowCount);
    b.columns.forEach((column, i) => {
      const expected = a.columns[i];
      expect(column).toMatchObject({
        count: expected?.count,
        missing: expected?.missing,
        distinct: expected?.distinct,
        min: expected?.min,
        max: expected?.max,
      });
      if (expected?.mean !== null) expect(column.mean).toBeCloseTo(expected?.mean as number, 9);
    });
  });
});
