import type { ClassificationMetrics, RegressionMetrics } from '../../lib/ml';

/** The flat metric names gates and thresholds use (see README, "Metrics"). */
export function flatMetrics(m: ClassificationMetrics | RegressionMetrics): Record<string, number> {
  if ('rmse' in m) return { rmse: m.rmse, mae: m.mae, ...(m.r2 === null ? {} : { r2: m.r2 }) };
  const flat: Record<string, number> = {
    accuracy: m.accuracy,
    precision_macro: m.macroPrecision,
    recall_macro: m.macroRecall,
    f1_macro: m.macroF1,
    log_loss: m.logLoss,
  };
  if (m.rocAuc !== null) flat.roc_auc = m.rocAuc;
  return flat;
}
