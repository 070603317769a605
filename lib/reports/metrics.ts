import type { RunCandidate } from './types';

/** Error and loss metrics; everything else (accuracy, F1, AUC, R²) is better when higher. */
const LOWER_IS_BETTER = /(^|_)(loss|log_loss|rmse|mse|mae|mape|error|brier)($|_)/i;

export function lowerIsBetter(metric: string): boolean {
  return LOWER_IS_BETTER.test(metric);
}

/** Metric names across candidates, the primary metric first, then in order of first appearance. */
export function metricNames({ candidates, primaryMetric }: { candidates: RunCandidate[]; primaryMetric?: string }) {
  const names = new Set<string>();
  if (primaryMetric && candidates.some((c) => Object.hasOwn(c.metrics, primaryMetric))) names.add(primaryMetric);
  for (const c of candidates) for (const name of Object.keys(c.metrics)) names.add(name);
  return [...names];
}

/** Index of the candidate with the best finite value of the metric, or -1 when none has one. */
export function bestCandidateIndex({ candidates, metric }: { candidates: RunCandidate[]; metric: string }): number {
  const lower = lowerIsBetter(metric);
  let best = -1;
  let bestValue = 0;
  candidates.forEach((c, i) => {
    const v = c.metrics[metric];
    if (v === undefined || !Number.isFinite(v)) return;
    if (best < 0 || (lower ? v < bestValue : v > bestValue)) {
      best = i;
      bestValue = v;
    }
  });
  return best;
}

/** Residual as actual − predicted: positive when the model under-predicts. */
export function residualOf(row: { actual: number; predicted: number }): number {
  return row.actual - row.predicted;
}
