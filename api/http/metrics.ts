import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ModelServer } from '../../lib/serving/types';

export interface ApiMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  runsStarted: Counter<'pipeline' | 'result'>;
  predictions: Counter<'model' | 'version' | 'slot'>;
  /** Predict input checked against the model signature: warnings given, requests refused. */
  predictInputWarnings: Counter<'model' | 'code'>;
  predictInputRejected: Counter<'model' | 'code'>;
}

/** One registry per app, so that several apps in one process (tests) never share or clash on metrics. */
export function createApiMetrics(options: { models: ModelServer; processMetrics?: boolean }): ApiMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'mlops_api_' });
  const httpDuration = new Histogram({
    name: 'mlops_http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const runsStarted = new Counter({
    name: 'mlops_runs_started_total',
    help: 'Pipeline run starts requested through the API, by result (started, deduplicated, rejected, failed)',
    labelNames: ['pipeline', 'result'] as const,
    registers: [registry],
  });
  const predictions = new Counter({
    name: 'mlops_predictions_total',
    help: 'Rows predicted, by model, version and slot',
    labelNames: ['model', 'version', 'slot'] as const,
    registers: [registry],
  });
  const predictInputWarnings = new Counter({
    name: 'mlops_predict_input_warnings_total',
    help: 'Predicted rows with an input outside the training data, by model and code (UNSEEN_CATEGORY, OUT_OF_RANGE, IGNORED_FIELD)',
    labelNames: ['model', 'code'] as const,
    registers: [registry],
  });
  const predictInputRejected = new Counter({
    name: 'mlops_predict_input_rejected_total',
    help: 'Input problems of refused predict requests, by model and code (MISSING_FIELD, UNKNOWN_FIELD, WRONG_TYPE)',
    labelNames: ['model', 'code'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'mlops_model_version_served',
    help: 'The model version each slot serves now (loaded by this process)',
    labelNames: ['model', 'slot'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const loaded of options.models.loaded())
        this.set({ model: loaded.model, slot: loaded.slot }, loaded.version);
    },
  });
  return { registry, httpDuration, runsStarted, predictions, predictInputWarnings, predictInputRejected };
}
