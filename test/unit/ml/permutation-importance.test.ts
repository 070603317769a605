import { columnGroupsOf, permutationImportance, sampleRows, type FittedFeature } from '../../../lib/ml';

// Permutation importance on raw columns: a one-hot group is shuffled as one column, an unused column scores zero,
// and the same seed gives the same numbers.

const FEATURES: FittedFeature[] = [
  { column: 'amount', transform: 'standardize', fill: 0, mean: 0, std: 1 },
  { column: 'plan', transform: 'onehot', fill: null, categories: ['basic', 'pro'] },
  { column: 'noise', transform: 'passthrough', fill: 0 },
];
const WIDTH = 5; // amount, plan=basic, plan=pro, plan=<unknown>, noise

/** 200 rows: the label is 1 when amount > 0 or plan = pro; noise never matters. */
function dataset() {
  const rows = 200;
  const x = new Float32Array(rows * WIDTH);
  const y: number[] = [];
  for (let i = 0; i < rows; i += 1) {
    const amount = ((i * 37) % 200) / 100 - 1;
    const plan = i % 3; // 0 basic, 1 pro, 2 unknown
    x[i * WIDTH] = amount;
    x[i * WIDTH + 1 + plan] = 1;
    x[i * WIDTH + 4] = ((i * 13) % 7) / 7;
    y.push(amount > 0.5 || plan === 1 ? 1 : 0);
  }
  return { x, y, rows };
}

function accuracyOf(y: number[], rows: number) {
  return (x: Float32Array) => {
    let right = 0;
    for (let i = 0; i < rows; i += 1) {
      const oneHot = (x[i * WIDTH + 1] as number) + (x[i * WIDTH + 2] as number) + (x[i * WIDTH + 3] as number);
      if (oneHot !== 1) throw new Error(`row ${i} is no longer one-hot: the group was not shuffled together`);
      const predicted = (x[i * WIDTH] as number) > 0.5 || x[i * WIDTH + 2] === 1 ? 1 : 0;
      if (predicted === y[i]) right += 1;
    }
    return right / rows;
  };
}

describe('permutation importance', () => {
  it('groups the model inputs by raw column (a one-hot group is one column)', () => {
    expect(columnGroupsOf(FEATURES)).toEqual([
      { column: 'amount', features: [0] },
      { column: 'plan', features: [1, 2, 3] },
      { column: 'noise', features: [4] },
    ]);
  });

  it('ranks the columns the model uses, scores an unused one zero, and repeats exactly with the same seed', () => {
    const { x, y, rows } = dataset();
    const run = (seed: number) =>
      permutationImportance({
        x,
        rowCount: rows,
        featureCount: WIDTH,
        groups: columnGroupsOf(FEATURES),
        score: accuracyOf(y, rows),
        metric: 'accuracy',
        direction: 'max',
        repeats: 4,
        seed,
      });
    const first = run(7);
    expect(first.baseline).toBe(1);
    expect(first.rows).toBe(rows);
    const byColumn = Object.fromEntries(first.columns.map((c) => [c.column, c]));
    expect(byColumn.amount?.importance).toBeGreaterThan(0.05);
    expect(byColumn.plan?.importance).toBeGreaterThan(0.05);
    expect(byColumn.plan?.features).toBe(3);
    expect(byColumn.noise).toEqual({ column: 'noise', importance: 0, std: 0, features: 1 });
    expect(first.columns[2]?.column).toBe('noise');
    // The input is left as it was.
    expect(accuracyOf(y, rows)(x)).toBe(1);
    expect(run(7)).toEqual(first);
    expect(run(8).columns.map((c) => c.importance)).not.toEqual(first.columns.map((c) => c.importance));
  });

  it('measures a drop of a lower-is-better metric as its rise', () => {
    const { x, y, rows } = dataset();
    const accuracy = accuracyOf(y, rows);
    const result = permutationImportance({
      x,
      rowCount: rows,
      featureCount: WIDTH,
      groups: columnGroupsOf(FEATURES),
      score: (features) => 1 - accuracy(features),
      metric: 'error',
      direction: 'min',
      repeats: 2,
      seed: 1,
    });
    expect(result.columns[0]?.importance).toBeGreaterThan(0);
    expect(result.columns.find((c) => c.column === 'noise')?.importance).toBe(0);
  });

  it('samples rows with a seed, in order, and keeps every row of a small split', () => {
    expect([...sampleRows(5, 10, 1)]).toEqual([0, 1, 2, 3, 4]);
    const a = sampleRows(1000, 50, 3);
    expect(a.length).toBe(50);
    expect([...a]).toEqual([...a].sort((p, q) => p - q));
    expect(new Set(a).size).toBe(50);
    expect([...sampleRows(1000, 50, 3)]).toEqual([...a]);
  });
});
