import {
  buildReferenceProfile,
  chiSquareHomogeneity,
  computeDrift,
  createRng,
  jensenShannonDistance,
  ksTwoSample,
  PREDICTION_COLUMN,
  predictionTable,
  psi,
  rowsToTable,
  type Rng,
  type Table,
} from '../../../lib/ml';

describe('drift statistics (known answers)', () => {
  it('PSI', () => {
    // r = .5 .3 .2, c = .4 .3 .3: (−.1)·ln(.8) + 0 + (.1)·ln(1.5) = 0.0223144 + 0.0405465
    expect(psi({ reference: [50, 30, 20], current: [40, 30, 30] })).toBeCloseTo(0.06286087, 7);
    // an empty reference bin is floored at 1e-4: (.5 − 1)·ln(.5) + (.5 − 1e-4)·ln(.5/1e-4)
    expect(psi({ reference: [10, 0], current: [5, 5] })).toBeCloseTo(0.5 * Math.log(2) + 0.4999 * Math.log(5000), 9);
  });

  it('Jensen–Shannon distance (base 2)', () => {
    expect(jensenShannonDistance({ reference: [1, 0], current: [0, 1] })).toBeCloseTo(1, 12);
    expect(jensenShannonDistance({ reference: [3, 3], current: [3, 3] })).toBe(0);
    // p = (.5, .5), q = (1, 0), m = (.75, .25): ½[.5·log2(2/3) + .5·log2(2)] + ½[log2(4/3)] = 0.3112781
    expect(jensenShannonDistance({ reference: [1, 1], current: [1, 0] })).toBeCloseTo(Math.sqrt(0.3112781245), 9);
  });

  it('two-sample Kolmogorov–Smirnov', () => {
    // ECDF gap is largest at 4: F_ref = 1, F_cur = 2/5 → D = 0.6. nₑ = 4·5/9, λ = (√nₑ + 0.12 + 0.11/√nₑ)·0.6 = 1.01070,
    // Q(λ) = 2(e^{−2λ²} − e^{−8λ²} + …) = 2(0.129619 − 0.000282) = 0.25867
    const ks = ksTwoSample({ reference: [1, 2, 3, 4], current: [3, 4, 5, 6, 7] });
    expect(ks.statistic).toBeCloseTo(0.6, 12);
    expect(ks.pValue).toBeCloseTo(0.2587, 3);
    expect(ksTwoSample({ reference: [1, 2, 3], current: [1, 2, 3] })).toEqual({ statistic: 0, pValue: 1 });
  });

  it('chi-square homogeneity', () => {
    // expected 25 in every cell: χ² = 4 · 5²/25 = 4, df 1, P(χ²₁ ≥ 4) = erfc(√2) = 0.0455003
    const result = chiSquareHomogeneity({ reference: [30, 20], current: [20, 30] });
    expect(result.statistic).toBeCloseTo(4, 12);
    expect(result.df).toBe(1);
    expect(result.pValue).toBeCloseTo(0.0455003, 6);
    // a category empty on both sides does not count towards df
    expect(chiSquareHomogeneity({ reference: [30, 20, 0], current: [20, 30, 0] }).df).toBe(1);
  });
});

function normal(rng: Rng, mean: number): number {
  // Box–Muller
  return mean + Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

function sampleTable(args: { rows: number; shift: number; weights: [number, number, number]; seed: number }): Table {
  const rng = createRng(args.seed);
  const rows = Array.from({ length: args.rows }, () => {
    const u = rng.next();
    const color = u < args.weights[0] ? 'red' : u < args.weights[0] + args.weights[1] ? 'green' : 'blue';
    return { amount: normal(rng, args.shift), steady: normal(rng, 0), color };
  });
  const schema = {
    columns: [
      { name: 'amount', type: 'numeric' as const },
      { name: 'steady', type: 'numeric' as const },
      { name: 'color', type: 'categorical' as const },
    ],
  };
  return rowsToTable({ rows, schema });
}

describe('reference profile and computeDrift', () => {
  it('reference profile: quantile bins, counts, bounded sample, categories', () => {
    const table = rowsToTable({
      rows: Array.from({ length: 10 }, (_, i) => ({ v: i + 1, c: i < 6 ? 'a' : i < 9 ? 'b' : 'z' })),
      schema: {
        columns: [
          { name: 'v', type: 'integer' },
          { name: 'c', type: 'categorical' },
        ],
      },
    });
    const profile = buildReferenceProfile({
      table,
      columns: ['v', 'c'],
      options: { bins: 4, sampleSize: 5, maxCategories: 2 },
    });
    // quartiles of 1..10 at positions 2.25, 4.5, 6.75 → 3.25, 5.5, 7.75; bins {1,2,3} {4,5} {6,7} {8,9,10}
    expect(profile.features[0]).toMatchObject({
      kind: 'numeric',
      edges: [3.25, 5.5, 7.75],
      counts: [3, 2, 2, 3],
      missingRatio: 0,
    });
    expect(profile.features[0]?.kind === 'numeric' && profile.features[0].sample.length).toBe(5);
    expect(profile.features[1]).toMatchObject({ kind: 'categorical', categories: ['a', 'b'], counts: [6, 3, 1] });
    expect(JSON.parse(JSON.stringify(profile))).toEqual(profile);
  });

  const reference = buildReferenceProfile({
    table: sampleTable({ rows: 3000, shift: 0, weights: [0.5, 0.3, 0.2], seed: 1 }),
    columns: ['amount', 'steady', 'color'],
  });

  it('flags shifted features and not unshifted ones, recording every statistic', () => {
    const current = sampleTable({ rows: 2000, shift: 0.5, weights: [0.2, 0.3, 0.5], seed: 2 });
    const report = computeDrift({ reference, current });
    expect(report.driftedFeatures).toEqual(['amount', 'color']);
    const [amount, steady, color] = report.features;
    expect(amount?.reasons.some((r) => r.startsWith('ks p-value'))).toBe(true);
    expect(amount?.psi).toBeGreaterThan(0.2);
    expect(steady).toMatchObject({ drifted: false, reasons: [], chi2: null });
    expect(steady?.psi).toBeLessThan(0.05);
    expect(steady?.ks?.pValue).toBeGreaterThan(0.001);
    expect(color?.chi2?.pValue).toBeLessThan(1e-6);
    expect(color?.ks).toBeNull();
  });

  it('finds no drift in a fresh sample of the same distribution', () => {
    const report = computeDrift({
      reference,
      current: sampleTable({ rows: 2000, shift: 0, weights: [0.5, 0.3, 0.2], seed: 3 }),
    });
    expect(report.drifted).toBe(false);
    expect(report.features.every((f) => f.psi < 0.05 && f.jsDistance < 0.1)).toBe(true);
  });

  it('accepts logged JSON rows, and draws no verdict from too few values', () => {
    const rows = Array.from({ length: 20 }, () => ({ amount: '5.0', steady: 0, color: 'purple' }));
    const report = computeDrift({ reference, current: rows, thresholds: { minSamples: 50 } });
    expect(report.drifted).toBe(false);
    expect(report.features[0]).toMatchObject({ insufficientData: true, currentCount: 20 });
    expect(report.features[0]?.psi).toBeGreaterThan(1);
    // "purple" is unseen: it lands in the other bucket
    expect(report.features[2]?.jsDistance).toBeCloseTo(1, 6);
  });

  it('measures prediction-distribution shift with the same functions', () => {
    const prediction = (classes: number[]) => ({
      task: 'classification' as const,
      numClasses: 2,
      classIndices: Int32Array.from(classes),
      probabilities: new Float32Array(classes.length * 2),
    });
    const mostlyNo = Array.from({ length: 500 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const mostlyYes = Array.from({ length: 500 }, (_, i) => (i % 10 === 0 ? 0 : 1));
    const ref = buildReferenceProfile({
      table: predictionTable({ prediction: prediction(mostlyNo), classes: ['no', 'yes'] }),
      columns: [PREDICTION_COLUMN],
    });
    expect(ref.features[0]).toMatchObject({ categories: ['no', 'yes'], counts: [450, 50, 0] });
    const same = computeDrift({
      reference: ref,
      current: predictionTable({ prediction: prediction(mostlyNo), classes: ['no', 'yes'] }),
    });
    const flipped = computeDrift({
      reference: ref,
      current: predictionTable({ prediction: prediction(mostlyYes), classes: ['no', 'yes'] }),
    });
    expect(same.drifted).toBe(false);
    expect(flipped.driftedFeatures).toEqual([PREDICTION_COLUMN]);
  });
});
