import { coord, extent, formatTick, linearScale, niceAxis, tickLabels, tickStep } from '../../../lib/reports/svg';

describe('linear scale', () => {
  it('maps the domain onto the range, inverted ranges included', () => {
    const x = linearScale({ domain: { min: 0, max: 10 }, range: [50, 150] });
    expect([x(0), x(2.5), x(10), x(-5)]).toEqual([50, 75, 150, 0]);
    const y = linearScale({ domain: { min: -1, max: 1 }, range: [200, 0] });
    expect([y(-1), y(0), y(1)]).toEqual([200, 100, 0]);
  });

  it('maps a zero-width domain to the middle of the range instead of dividing by zero', () => {
    const s = linearScale({ domain: { min: 3, max: 3 }, range: [0, 100] });
    expect([s(3), s(7)]).toEqual([50, 50]);
  });
});

describe('extent', () => {
  it('ignores non-finite values and is undefined without finite ones', () => {
    expect(extent([3, NaN, -2, Infinity, 7])).toEqual({ min: -2, max: 7 });
    expect(extent([])).toBeUndefined();
    expect(extent([NaN, -Infinity])).toBeUndefined();
  });
});

describe('nice ticks', () => {
  it('rounds the step to 1, 2 or 5 × 10^k', () => {
    expect(tickStep({ min: 0, max: 1, count: 5 })).toBeCloseTo(0.2, 12);
    expect(tickStep({ min: 0, max: 100, count: 5 })).toBe(20);
    // 15.9 / 5 = 3.18 ≥ √10 → 5
    expect(tickStep({ min: -3.7, max: 12.2, count: 5 })).toBe(5);
    expect(tickStep({ min: 0, max: 0.0007, count: 5 })).toBeCloseTo(0.0001, 15);
  });

  it('extends the domain to whole ticks and rounds away binary noise', () => {
    expect(niceAxis({ domain: { min: 0, max: 1 } }).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    const axis = niceAxis({ domain: { min: -3.7, max: 12.2 } });
    expect(axis).toMatchObject({ domain: { min: -5, max: 15 }, ticks: [-5, 0, 5, 10, 15], step: 5 });
    expect(niceAxis({ domain: { min: 0.1, max: 0.3 } }).ticks).toEqual([0.1, 0.15, 0.2, 0.25, 0.3]);
    expect(niceAxis({ domain: { min: 0.41, max: 0.69 } }).ticks).toEqual([0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7]);
  });

  it('includes zero on request (bar charts)', () => {
    expect(niceAxis({ domain: { min: 0.8, max: 0.9 }, includeZero: true }).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceAxis({ domain: { min: -4, max: -1 }, includeZero: true }).domain).toEqual({ min: -4, max: 0 });
  });

  it('widens degenerate domains: all equal, zero, negative, none', () => {
    expect(niceAxis({ domain: { min: 5, max: 5 } }).domain).toEqual({ min: 4.4, max: 5.6 });
    expect(niceAxis({ domain: { min: 0, max: 0 } }).domain).toEqual({ min: -1, max: 1 });
    expect(niceAxis({ domain: { min: -2, max: -2 } }).ticks).toEqual([-2.2, -2.1, -2, -1.9, -1.8]);
    expect(niceAxis({ domain: undefined }).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('never writes −0', () => {
    const ticks = niceAxis({ domain: { min: -0.3, max: 0.2 } }).ticks;
    expect(ticks.some((t) => Object.is(t, -0))).toBe(false);
    expect(ticks).toContain(0);
  });
});

describe('tick labels', () => {
  it('use as many decimals as the step needs', () => {
    expect(tickLabels({ ticks: [0, 0.2, 0.4], step: 0.2 })).toEqual(['0', '0.2', '0.4']);
    expect(tickLabels({ ticks: [0.1, 0.15, 0.2], step: 0.05 })).toEqual(['0.10', '0.15', '0.20']);
    expect(tickLabels({ ticks: [0, 50, 100], step: 50 })).toEqual(['0', '50', '100']);
    expect(tickLabels({ ticks: [1000, 2000, 3000], step: 1000 })).toEqual(['1000', '2000', '3000']);
  });

  it('switch to k and M for large values', () => {
    expect(tickLabels({ ticks: [-150000, 0, 150000], step: 50000 })).toEqual(['-150k', '0', '150k']);
    expect(tickLabels({ ticks: [0, 500000, 1000000], step: 500000 })).toEqual(['0', '0.5M', '1.0M']);
    expect(tickLabels({ ticks: [0, 5000, 10000], step: 5000 })).toEqual(['0', '5k', '10k']);
  });

  it('format one tick', () => {
    expect(formatTick({ value: 0.30000000000000004, step: 0.1 })).toBe('0.3');
    expect(formatTick({ value: 2500, step: 500, unit: [1000, 'k'] })).toBe('2.5k');
  });
});

describe('SVG coordinates', () => {
  it('have at most two decimals and are never NaN or Infinity', () => {
    expect([coord(1.23456), coord(-0.001), coord(10)]).toEqual(['1.23', '0', '10']);
    expect([coord(NaN), coord(Infinity), coord(-Infinity)]).toEqual(['0', '1e6', '-1e6']);
  });
});
