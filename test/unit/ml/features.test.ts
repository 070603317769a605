import {
  applyTransforms,
  buildDataset,
  decodeClass,
  encodeLabels,
  fitFeatureTransforms,
  rowsToTable,
  splitDataset,
  type FeatureSpecInput,
  type TableSchema,
} from '../../../lib/ml';
import { expectDataError } from './helpers';

const SCHEMA: TableSchema = {
  columns: [
    { name: 'x', type: 'numeric' },
    { name: 'c', type: 'categorical' },
    { name: 'd', type: 'datetime' },
    { name: 'flag', type: 'boolean' },
    { name: 'note', type: 'text' },
    { name: 'y', type: 'categorical' },
  ],
};
const ROWS = [
  { x: 1, c: 'a', d: '2024-01-01T00:00:00Z', flag: true, note: 'n1', y: 'no' },
  { x: 2, c: 'b', d: '2024-02-01T06:00:00Z', flag: false, note: 'n2', y: 'yes' },
  { x: 3, c: 'a', d: '2024-03-01T12:00:00Z', flag: true, note: 'n3', y: 'no' },
  { x: 4, c: null, d: '2024-04-01T18:00:00Z', flag: false, note: 'n4', y: 'yes' },
  { x: null, c: 'c', d: null, flag: null, note: 'n5', y: 'no' },
];
const TABLE = rowsToTable({ rows: ROWS, schema: SCHEMA });

function fit(features: FeatureSpecInput['features'], trainRows?: number[]) {
  return fitFeatureTransforms({ table: TABLE, spec: { task: 'classification', label: 'y', features }, trainRows });
}

function column(result: { features: Float32Array; featureNames: string[] }, name: string): number[] {
  const k = result.featureNames.indexOf(name);
  const width = result.featureNames.length;
  return Array.from({ length: result.features.length / width }, (_, i) => result.features[i * width + k] as number);
}

describe('fitted feature transforms (known answers)', () => {
  it('standardize: training mean and population std; missing → mean → 0', () => {
    // x observed 1,2,3,4: mean 2.5, population variance (2.25+0.25+0.25+2.25)/4 = 1.25
    const fitted = fit([{ column: 'x', transform: 'standardize' }]);
    expect(fitted.features[0]).toMatchObject({ transform: 'standardize', mean: 2.5, fill: 2.5 });
    expect((fitted.features[0] as { std: number }).std).toBeCloseTo(Math.sqrt(1.25), 12);
    const out = column(applyTransforms({ fitted, table: TABLE }), 'x');
    [-1.5, -0.5, 0.5, 1.5, 0].forEach((z, i) => expect(out[i]).toBeCloseTo(z / Math.sqrt(1.25), 6));
  });

  it('min-max, median and constant imputation', () => {
    const fitted = fit([
      { column: 'x', transform: 'minmax', impute: { strategy: 'median' } },
      { column: 'x', transform: 'passthrough', impute: { strategy: 'constant', value: -1 } },
    ]);
    const result = applyTransforms({ fitted, table: TABLE });
    // min 1, max 4: (x − 1)/3; the missing row takes the median 2.5 → 0.5
    expect(Array.from(result.features.filter((_, i) => i % 2 === 0))).toEqual(
      [0, 1 / 3, 2 / 3, 1, 0.5].map(Math.fround),
    );
    expect(Array.from(result.features.filter((_, i) => i % 2 === 1))).toEqual([1, 2, 3, 4, -1]);
    expect(result.imputedCells).toBe(2);
  });

  it('bucketize: equal-frequency boundaries from training data, one-hot output', () => {
    // quantiles of [1,2,3,4] at 1/4, 2/4, 3/4 (linear): 1.75, 2.5, 3.25
    const fitted = fit([{ column: 'x', transform: 'bucketize', buckets: 4 }]);
    expect(fitted.features[0]).toMatchObject({ boundaries: [1.75, 2.5, 3.25] });
    expect(fitted.featureNames).toEqual(['x[<1.75]', 'x[1.75,2.5)', 'x[2.5,3.25)', 'x[>=3.25]']);
    const out = applyTransforms({ fitted, table: TABLE });
    // 1 → 0, 2 → 1, 3 → 2, 4 → 3, missing → mean 2.5 → bucket 2
    expect(Array.from(out.features)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0]);
  });

  it('one-hot: categories by frequency, capped, with an unknown bucket for rare, missing and unseen values', () => {
    // counts a:2, b:1, c:1 → keep a, b (ties by name); c and missing go to __unknown__
    const fitted = fit([{ column: 'c', transform: 'onehot', maxCategories: 2 }]);
    expect(fitted.featureNames).toEqual(['c=a', 'c=b', 'c=__unknown__']);
    const out = applyTransforms({ fitted, table: TABLE });
    expect(Array.from(out.features)).toEqual([1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1]);
    expect(out.unknownCategories).toBe(1);
    const withMode = fit([{ column: 'c', transform: 'onehot', impute: { strategy: 'mode' } }]);
    expect(Array.from(applyTransforms({ fitted: withMode, table: TABLE }).features.subarray(12, 16))).toEqual([
      1, 0, 0, 0,
    ]);
  });

  it('datetime parts in UTC, standardised with training statistics', () => {
    const fitted = fit([{ column: 'd', transform: 'datetime', parts: ['month', 'hour'] }]);
    // months 1..4 → mean 2.5; hours 0, 6, 12, 18 → mean 9, population std √45
    expect(fitted.features[0]).toMatchObject({ parts: ['month', 'hour'], mean: [2.5, 9] });
    const out = applyTransforms({ fitted, table: TABLE });
    expect(column(out, 'd.hour')[3]).toBeCloseTo((18 - 9) / Math.sqrt(45), 6);
  });

  it('auto picks a transform from the column type; text needs an explicit choice', () => {
    const fitted = fit(['x', 'c', 'd', 'flag']);
    expect(fitted.features.map((f) => f.transform)).toEqual(['standardize', 'onehot', 'datetime', 'passthrough']);
    expect(() => fit(['note'])).toThrow(expect.objectContaining({ code: 'COLUMN_TYPE' }));
    expect(() => fit([{ column: 'c', transform: 'standardize' }])).toThrow(
      expect.objectContaining({ code: 'COLUMN_TYPE' }),
    );
    expect(() => fit(['nope'])).toThrow(expect.objectContaining({ code: 'COLUMN_MISSING' }));
  });

  it('fits on the training rows only', () => {
    const fitted = fit([{ column: 'x', transform: 'standardize' }], [0, 1]);
    expect(fitted.features[0]).toMatchObject({ mean: 1.5, std: 0.5 });
    expect(() => fit([{ column: 'x', transform: 'standardize' }], [4])).toThrow(
      expect.objectContaining({ code: 'NOT_ENOUGH_DATA' }),
    );
  });
});

describe('train/serve parity', () => {
  const fitted = fit(['x', 'c', 'd', 'flag', { column: 'x', transform: 'bucketize', buckets: 3 }]);

  it('JSON rows (as the prediction service gets them) give exactly the training features', () => {
    const served = ROWS.map((r) => ({ ...r, x: r.x === null ? undefined : String(r.x), y: undefined }));
    const fromTable = applyTransforms({ fitted, table: TABLE });
    const fromRows = applyTransforms({ fitted: JSON.parse(JSON.stringify(fitted)), rows: served });
    expect(fromRows.featureNames).toEqual(fromTable.featureNames);
    expect(Array.from(fromRows.features)).toEqual(Array.from(fromTable.features));
  });

  it('never fails on missing fields, garbage values or unseen categories', () => {
    const out = applyTransforms({
      fitted,
      rows: [{}, { x: 'abc', c: 'zzz', d: 'not a date', flag: 'maybe' }, { x: Infinity }],
    });
    expect(out.rowCount).toBe(3);
    expect(out.features.every(Number.isFinite)).toBe(true);
    expect(out.unknownCategories).toBe(1);
    // x feeds two transforms. Row 1: all missing (x twice, c, d, flag = 5); row 2: x twice, d, flag invalid and c
    // unseen (4 imputed, 1 unknown); row 3: x = Infinity twice, c, d, flag missing (5).
    expect(out.imputedCells).toBe(14);
  });
});

describe('labels', () => {
  it('encodes classes in a stable sorted order and decodes them back', () => {
    const fitted = fit(['x']);
    expect(fitted.label.classes).toEqual(['no', 'yes']);
    expect(Array.from(encodeLabels({ fitted, table: TABLE }))).toEqual([0, 1, 0, 1, 0]);
    expect(decodeClass({ fitted, index: 1 })).toBe('yes');
    const numeric = rowsToTable({
      rows: [{ y: 10 }, { y: 2 }, { y: 1 }],
      schema: { columns: [{ name: 'y', type: 'integer' }] },
    });
    const f2 = fitFeatureTransforms({
      table: rowsToTable({
        rows: [
          { y: 10, x: 1 },
          { y: 2, x: 2 },
          { y: 1, x: 3 },
        ],
        schema: { columns: [...numeric.schema.columns, { name: 'x', type: 'numeric' }] },
      }),
      spec: { task: 'classification', label: 'y', features: ['x'] },
    });
    expect(f2.label.classes).toEqual([1, 2, 10]);
  });

  it('a missing or unknown label is an error with its line, never dropped', async () => {
    const fitted = fit(['x']);
    const bad = rowsToTable({ rows: [{ x: 1, y: 'no' }, { x: 2 }], schema: SCHEMA });
    await expectDataError(
      Promise.resolve().then(() => encodeLabels({ fitted, table: bad })),
      'LABEL_INVALID',
    ).then((e) => expect(e.details.line).toBe(2));
    const noLabel = rowsToTable({ rows: [{ x: 1 }], schema: { columns: [{ name: 'x', type: 'numeric' }] } });
    await expectDataError(
      Promise.resolve().then(() => encodeLabels({ fitted, table: noLabel })),
      'LABEL_MISSING',
    );
  });

  it('buildDataset gives model-ready arrays for selected rows', () => {
    const fitted = fit(['x', 'c']);
    const data = buildDataset({ fitted, table: TABLE, rows: [1, 3] });
    expect(data).toMatchObject({ rowCount: 2, featureCount: 5 });
    expect(Array.from(data.y)).toEqual([1, 1]);
    expect(data.x.length).toBe(10);
  });
});

describe('splitDataset', () => {
  const labels = Array.from({ length: 100 }, (_, i) => (i < 60 ? 'A' : 'B'));

  it('is stratified: each class split 70/15/15 on its own', () => {
    // A (60): 9 validation, 9 test, 42 train; B (40): 6, 6, 28 → totals 70 / 15 / 15
    const split = splitDataset({ rowCount: 100, labels, spec: { seed: 7 } });
    expect([split.train.length, split.validation.length, split.test.length]).toEqual([70, 15, 15]);
    const classB = (rows: Int32Array) => Array.from(rows).filter((i) => i >= 60).length;
    expect([classB(split.train), classB(split.validation), classB(split.test)]).toEqual([28, 6, 6]);
    const all = [...split.train, ...split.validation, ...split.test].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(split.train)).toEqual([...split.train].sort((a, b) => a - b));
  });

  it('is deterministic for a seed and changes with it', () => {
    const a = splitDataset({ rowCount: 100, labels, spec: { seed: 1 } });
    const b = splitDataset({ rowCount: 100, labels, spec: { seed: 1 } });
    const c = splitDataset({ rowCount: 100, labels, spec: { seed: 2 } });
    expect(a).toEqual(b);
    expect(Array.from(a.test)).not.toEqual(Array.from(c.test));
  });

  it('keeps at least one row of a tiny class for training', () => {
    const split = splitDataset({
      rowCount: 11,
      labels: [...Array(10).fill('A'), 'B'],
      spec: { ratios: { train: 0.5, validation: 0.25, test: 0.25 } },
    });
    expect(Array.from(split.train)).toContain(10);
  });

  it('rejects ratios that do not sum to 1', () => {
    expect(() => splitDataset({ rowCount: 10, spec: { ratios: { train: 0.5, validation: 0.1, test: 0.1 } } })).toThrow(
      /sum to 1/,
    );
  });
});
