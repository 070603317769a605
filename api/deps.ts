import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Authenticator } from '../lib/auth';
import type { AppConfig } from '../lib/config';
import type { ConsoleConfig } from '../lib/config/console';
import type { Db } from '../lib/db';
import type { CanaryRouter } from '../lib/delivery/canary-serving';
import type { ShadowScorer } from '../lib/delivery/shadow';
import type { OnlineFeatureService } from '../lib/featurestore/serving';
import type { Logger } from '../lib/logging';
import type { ModelServer } from '../lib/serving/types';
import type { ArtifactStore } from '../lib/store';
import type { ApiMetrics } from './http/metrics';

/** What the API needs to know about a pipeline before starting or scheduling it. */
export interface ResolvedPipeline {
  name: string;
  model: string;
  /** The current stored spec version (what a run started now is pinned to). */
  specHash: string;
  specVersion: number;
  /** The run's parameter values with declared defaults. */
  parameters: Record<string, string | number | boolean>;
  schedule?: { cron?: string; interval?: string | number; paused: boolean };
  monitoringEnabled: boolean;
}

/** The pipeline specs of the metadata store (api/pipelines.ts). */
export interface PipelineCatalog {
  list(): Promise<string[]>;
  /**
   * The current version with the run's parameters applied: a SpecError (404 unknown pipeline) or a ParameterError
   * (400 naming each key) when they do not fit.
   */
  resolve(name: string, params: Record<string, unknown>): Promise<ResolvedPipeline>;
}

export interface ApiSettings {
  namespace: string;
  /** The orchestration task queue that runs mlPipeline. */
  taskQueue: string;
  /** The training task queue (batch scoring chunks run there); default: the configured one. */
  trainingTaskQueue?: string;
  /** Heartbeat timeout of batch scoring chunks (BATCH_HEARTBEAT_TIMEOUT). */
  batchHeartbeatTimeout?: string;
  temporalUiUrl: string;
  publicUrl: string;
  bodyLimit: string;
  predict: AppConfig['predict'];
  codecCorsOrigins: string[];
  version: string;
  /** Signs approval decisions (absent: deciding is refused with 503). */
  approvalSigner?: { id: string; privateKeyHex: string };
  /** Failed authentications per client per minute before 429. */
  authFailureLimitPerMinute: number;
}

export function apiSettingsFrom(config: AppConfig, version: string): ApiSettings {
  return {
    namespace: config.temporal.namespace,
    taskQueue: config.taskQueues.orchestration,
    trainingTaskQueue: config.taskQueues.training,
    batchHeartbeatTimeout: config.workers.batchHeartbeatTimeout,
    temporalUiUrl: config.temporal.uiUrl,
    publicUrl: config.api.publicUrl,
    bodyLimit: config.api.bodyLimit,
    predict: config.predict,
    codecCorsOrigins: config.api.codecCorsOrigins,
    version,
    approvalSigner: config.governance.approval.signer,
    authFailureLimitPerMinute: config.auth.failureLimitPerMinute,
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
  /** Online feature lookup at prediction time (the configured online store); default: the PostgreSQL one. */
  onlineFeatures?: OnlineFeatureService;
  /** Shadow scoring beside production (default: one per app, when the app has an artifact store). */
  shadow?: ShadowScorer;
  /** Canary routing of production requests (default: one per app, when the app has an artifact store). */
  canary?: CanaryRouter;
  /** Sampling source for the prediction log; tests make it deterministic. */
  random?: () => number;
  /** The web console: session lifetimes and its build output (default: loadConsoleConfig() from the environment). */
  console?: ConsoleConfig;
}

export function temporalUiLink(settings: ApiSettings, workflowId: string): string {
  return `${settings.temporalUiUrl}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
