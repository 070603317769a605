import { type Tabular, column, finiteOrNull } from './tabular';
import type { MonitoringReportData } from './types';

export function monitoringWindowsTable(data: MonitoringReportData): Tabular {
  return {
    columns: [
      column('window_start', 'date'),
      column('window_end', 'date'),
      column('samples', 'integer'),
      column('drifted', 'boolean'),
      column('drifted_features', 'integer'),
      column('prediction_psi', 'number'),
      column('prediction_js_distance', 'number'),
      column('prediction_drifted', 'boolean'),
      column('live_metric'),
      column('live_value', 'number'),
      column('labelled', 'integer'),
    ],
    rows: data.windows.map((w) => [
      w.windowStart,
      w.windowEnd,
      finiteOrNull(w.samples),
      w.drifted,
      w.features.filter((f) => f.drifted).length,
      finiteOrNull(w.prediction?.psi),
      finiteOrNull(w.prediction?.jsDistance),
      w.prediction ? w.prediction.drifted : null,
      w.liveQuality?.metric ?? null,
      finiteOrNull(w.liveQuality?.value),
      finiteOrNull(w.liveQuality?.labelled),
    ]),
  };
}

/** One row per window × feature, with the window's identity repeated so the file stands alone. */
export function featureDriftTable(data: MonitoringReportData): Tabular {
  return {
    columns: [
      column('model'),
      column('version', 'integer'),
      column('window_start', 'date'),
      column('window_end', 'date'),
      column('samples', 'integer'),
      column('window_drifted', 'boolean'),
      column('feature'),
      column('kind'),
      column('psi', 'number'),
      column('ks_statistic', 'number'),
      column('ks_p_value', 'number'),
      column('chi2_p_value', 'number'),
      column('js_distance', 'number'),
      column('drifted', 'boolean'),
      column('insufficient_data', 'boolean'),
      column('feature_view'),
    ],
    rows: data.windows.flatMap((w) =>
      w.features.map((f) => [
        data.model,
        finiteOrNull(data.version),
        w.windowStart,
        w.windowEnd,
        finiteOrNull(w.samples),
        w.drifted,
        f.feature,
        f.kind,
        finiteOrNull(f.psi),
        finiteOrNull(f.ksStatistic),
        finiteOrNull(f.ksPValue),
        finiteOrNull(f.chi2PValue),
        finiteOrNull(f.jsDistance),
        f.drifted,
        f.insufficientData,
        f.featureView ?? null,
      ]),
    ),
  };
}

export function alertsTable(data: MonitoringReportData): Tabular {
  return {
    columns: [
      column('id', 'integer'),
      column('kind'),
      column('created_at', 'date'),
      column('status'),
      column('message'),
      column('retraining_run_id'),
    ],
    rows: data.alerts.map((a) => [
      finiteOrNull(a.id),
      a.kind,
      a.createdAt,
      a.status,
      a.message,
      a.retrainingRunId ?? null,
    ]),
  };
}
