import type { PermutationImportance } from '../ml/importance/permutation';

/** Everything the run report shows; built by the report activity from the registry, metadata and artifacts. */
export interface RunReportData {
  runId: string;
  pipeline: string;
  model: string;
  task: 'classification' | 'regression';
  specHash: string;
  codeVersion: string;
  /** ISO 8601 */
  generatedAt: string;
  temporalUiUrl?: string;
  data: {
    rawUri: string;
    rawSha256: string;
    rows: number;
    quarantinedRows: number;
    validationSummary: string;
    split: { train: number; validation: number; test: number };
    features: string[];
    abtTable: string;
  };
  /** The feature views the training set was joined from (pipelines with a feature_views source). */
  featureViews?: Array<{ name: string; version: number; hash: string; joinKeys: string[]; columns: string[] }>;
  primaryMetric: string;
  best: string;
  gate?: { passed: boolean; summary: string; checks: Array<{ check: string; passed: boolean; detail: string }> };
  candidates: RunCandidate[];
}

export interface RunCandidate {
  candidate: string;
  kind: string;
  best: boolean;
  epochsRun: number;
  stoppedEarly: boolean;
  resumedFromEpoch: number;
  backend: string;
  trainSeconds: number;
  /** e.g. accuracy, f1_macro, roc_auc, log_loss | rmse, mae, r2 */
  metrics: Record<string, number>;
  history: Array<{ epoch: number; loss: number; valLoss?: number; valAccuracy?: number; valRmse?: number }>;
  classes?: string[];
  /** [true][predicted] */
  confusionMatrix?: number[][];
  perClass?: Array<{ class: string; precision: number; recall: number; f1: number; support: number }>;
  /** Regression only: at most 1000 sampled test rows. */
  residuals?: Array<{ actual: number; predicted: number }>;
  /** The kind's native importance of model features (e.g. tree split gain), most important first; absent otherwise. */
  featureImportance?: { type: string; features: Array<{ feature: string; importance: number }> };
  /** Metrics on the validation split (absent without one). */
  validationMetrics?: Record<string, number>;
  /** Permutation importance of the raw input columns on the test split (every kind); absent when turned off. */
  permutationImportance?: PermutationImportance;
}

/** Drift and live quality of one deployed model version over its monitoring windows. */
export interface MonitoringReportData {
  model: string;
  version: number;
  pipeline: string;
  generatedAt: string;
  windows: MonitoringWindow[];
  alerts: Array<{
    id: number;
    kind: 'drift' | 'quality';
    createdAt: string;
    status: 'open' | 'acknowledged';
    message: string;
    retrainingRunId?: string | null;
  }>;
  /** Shadow comparison windows of the same period (lib/delivery), when a version shadowed production. */
  shadow?: ShadowComparisonWindow[];
}

export interface ShadowComparisonWindow {
  windowStart: string;
  productionVersion: number;
  shadowVersion: number;
  requests: number;
  comparedRows: number;
  agreement: number | null;
  meanDelta: number | null;
  maxAbsDelta: number;
  productionLatencyMsP95: number | null;
  shadowLatencyMsP95: number | null;
  shadowErrors: number;
}

export interface MonitoringWindow {
  windowStart: string;
  windowEnd: string;
  samples: number;
  drifted: boolean;
  features: FeatureDrift[];
  prediction?: { psi: number; jsDistance: number; drifted: boolean };
  liveQuality?: { metric: string; value: number; labelled: number } | null;
}

export interface FeatureDrift {
  feature: string;
  /** The feature view (name vN) the column came from, for models trained with feature views. */
  featureView?: string;
  kind: 'numeric' | 'categorical';
  psi: number;
  ksStatistic?: number | null;
  ksPValue?: number | null;
  chi2PValue?: number | null;
  jsDistance: number;
  drifted: boolean;
  insufficientData: boolean;
}
