import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Authenticator } from '../lib/auth';
import type { AppConfig } from '../lib/config';
import type { ConsoleConfig } from '../lib/config/console';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logging';
import type { ModelServer } from '../lib/serving/types';
import type { ArtifactStore } from '../lib/store';
import type { ApiMetrics } from './http/metrics';

/** What the API needs to know about a pipeline before starting or scheduling it. */
export interface ResolvedPipeline {
  name: string;
  model: string;
  specHash: string;
  schedule?: { cron?: string; interval?: string | number; paused: boolean };
}

/** The pipeline specs: file-based in production (api/pipelines.ts), in memory in tests. */
export interface PipelineCatalog {
  list(): string[];
  /** Validates the spec with the params merged in; throws a SpecError (400 with field paths) when invalid. */
  resolve(name: string, params: Record<string, unknown>): ResolvedPipeline;
}

export interface ApiSettings {
  namespace: string;
  /** The orchestration task queue that runs mlPipeline. */
  taskQueue: string;
  temporalUiUrl: string;
  publicUrl: string;
  bodyLimit: string;
  predict: AppConfig['predict'];
  codecCorsOrigins: string[];
  version: string;
}

export function apiSettingsFrom(config: AppConfig, version: string): ApiSettings {
  return {
    namespace: config.temporal.namespace,
    taskQueue: config.taskQueues.orchestration,
    temporalUiUrl: config.temporal.uiUrl,
    publicUrl: config.api.publicUrl,
    bodyLimit: config.api.bodyLimit,
    predict: config.predict,
    codecCorsOrigins: config.api.codecCorsOrigins,
    version,
  };
}

export interface ApiDeps {
  settings: ApiSettings;
  db: Db;
  temporal: Client;
  models: ModelServer;
  pipelines: PipelineCatalog;
  authenticator: Authenticator;
  log: Logger;
  /** The payload codec behind /codec/decode and /codec/encode; absent when encryption is off. */
  codec?: PayloadCodec;
  /** The artifact store: a readiness probe, and where run reports are downloaded from. */
  store?: ArtifactStore;
  metrics?: ApiMetrics;
  /** Process-level metrics (CPU, memory, event loop) on /metrics; off in tests that build several apps. */
  processMetrics?: boolean;
  /** Sampling source for the prediction log; tests make it deterministic. */
  random?: () => number;
  /** The web console: session lifetimes and its build output (default: loadConsoleConfig() from the environment). */
  console?: ConsoleConfig;
}

export function temporalUiLink(settings: ApiSettings, workflowId: string): string {
  return `${settings.temporalUiUrl}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
