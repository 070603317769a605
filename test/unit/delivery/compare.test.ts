import {
  compareRows,
  figuresOf,
  histogramQuantile,
  latencyBucket,
  emptyHistogram,
} from '../../../lib/delivery/compare';

describe('shadow comparison figures', () => {
  it('classification: agreement on labels, delta in the probability of production label', () => {
    const production = [
      { prediction: 'yes', probabilities: { no: 0.2, yes: 0.8 } },
      { prediction: 'no', probabilities: { no: 0.6, yes: 0.4 } },
    ];
    const shadow = [
      { prediction: 'yes', probabilities: { no: 0.1, yes: 0.9 } },
      { prediction: 'yes', probabilities: { no: 0.3, yes: 0.7 } },
    ];
    const sums = compareRows(production, shadow);
    expect(sums.comparedRows).toBe(2);
    expect(sums.agreements).toBe(1);
    // +0.1 (more sure of yes), -0.3 (less sure of no)
    expect(sums.deltaSum).toBeCloseTo(-0.2, 12);
    expect(sums.deltaAbsSum).toBeCloseTo(0.4, 12);
    expect(sums.deltaAbsMax).toBeCloseTo(0.3, 12);
    const f = figuresOf(sums);
    expect(f.agreement).toBe(0.5);
    expect(f.meanDelta).toBeCloseTo(-0.1, 12);
    expect(f.rmsDelta).toBeCloseTo(Math.sqrt((0.01 + 0.09) / 2), 12);
  });

  it('regression: agreement within 1 %, signed deltas; sums add across calls', () => {
    const sums = compareRows([{ prediction: 100 }, { prediction: 10 }], [{ prediction: 100.5 }, { prediction: 12 }]);
    compareRows([{ prediction: 0 }], [{ prediction: 0 }], sums);
    expect(sums).toMatchObject({ comparedRows: 3, agreements: 2 });
    expect(sums.deltaSum).toBeCloseTo(2.5, 12);
    expect(figuresOf({ ...sums, comparedRows: 0 }).agreement).toBeNull();
  });

  it('latency histogram buckets and quantiles', () => {
    const hist = emptyHistogram();
    for (const ms of [0.5, 3, 3, 4, 40, 5000]) (hist[latencyBucket(ms)] as number) += 1;
    expect(hist.reduce((a, b) => a + b, 0)).toBe(6);
    expect(histogramQuantile(hist, 0.5)).toBe(5);
    expect(histogramQuantile(hist, 0.8)).toBe(50);
    expect(histogramQuantile(hist, 1)).toBe(Number.POSITIVE_INFINITY);
    expect(histogramQuantile(emptyHistogram(), 0.5)).toBeNull();
  });
});
