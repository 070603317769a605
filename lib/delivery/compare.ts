import type { Prediction } from '../serving/types';

// How a shadow version's answers compare with production's on the same rows. Pure arithmetic, additive across
// requests and API replicas (sums and counts), so windows can be merged by adding rows.

/** Upper bounds (ms) of the latency histogram buckets; the last bucket is everything above. */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000];

export function latencyBucket(ms: number): number {
  const i = LATENCY_BUCKETS_MS.findIndex((upper) => ms <= upper);
  return i === -1 ? LATENCY_BUCKETS_MS.length : i;
}

export function emptyHistogram(): number[] {
  return new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
}

export interface ComparisonSums {
  comparedRows: number;
  agreements: number;
  deltaSum: number;
  deltaAbsSum: number;
  deltaSqSum: number;
  deltaAbsMax: number;
}

export function emptySums(): ComparisonSums {
  return { comparedRows: 0, agreements: 0, deltaSum: 0, deltaAbsSum: 0, deltaSqSum: 0, deltaAbsMax: 0 };
}

/**
 * Row by row: classification agrees when both predict the same label, and the delta is the shadow's probability of
 * production's label minus production's own (negative: the shadow is less sure of production's answer).
 * Regression agrees within 1 % of production's value (or 1e-9 absolute), and the delta is shadow − production.
 */
export function compareRows(production: Prediction[], shadow: Prediction[], into = emptySums()): ComparisonSums {
  const n = Math.min(production.length, shadow.length);
  for (let r = 0; r < n; r++) {
    const p = production[r] as Prediction;
    const s = shadow[r] as Prediction;
    let delta: number;
    let agree: boolean;
    if (p.probabilities) {
      const label = String(p.prediction);
      agree = String(s.prediction) === label;
      delta = (s.probabilities?.[label] ?? 0) - (p.probabilities[label] ?? 0);
    } else {
      const pv = Number(p.prediction);
      const sv = Number(s.prediction);
      delta = sv - pv;
      agree = Math.abs(delta) <= Math.max(1e-9, Math.abs(pv) * 0.01);
    }
    if (!Number.isFinite(delta)) continue;
    into.comparedRows += 1;
    if (agree) into.agreements += 1;
    into.deltaSum += delta;
    into.deltaAbsSum += Math.abs(delta);
    into.deltaSqSum += delta * delta;
    into.deltaAbsMax = Math.max(into.deltaAbsMax, Math.abs(delta));
  }
  return into;
}

/** Quantile of a bucketed histogram: the upper bound of the bucket holding it (Infinity for the last bucket). */
export function histogramQuantile(hist: readonly number[], q: number): number | null {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const target = q * total;
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i] as number;
    if (seen >= target) return LATENCY_BUCKETS_MS[i] ?? Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}

export interface WindowFigures {
  agreement: number | null;
  meanDelta: number | null;
  meanAbsDelta: number | null;
  rmsDelta: number | null;
  maxAbsDelta: number;
}

export function figuresOf(s: ComparisonSums): WindowFigures {
  const n = s.comparedRows;
  return {
    agreement: n ? s.agreements / n : null,
    meanDelta: n ? s.deltaSum / n : null,
    meanAbsDelta: n ? s.deltaAbsSum / n : null,
    rmsDelta: n ? Math.sqrt(s.deltaSqSum / n) : null,
    maxAbsDelta: s.deltaAbsMax,
  };
}
