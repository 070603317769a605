import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Express } from 'express';
import type { RunStatusInput } from '../../../activities/pipeline-io';
import { createApp } from '../../../api/app';
import { apiSettingsFrom, type ApiDeps } from '../../../api/deps';
import { storedCatalog } from '../../../api/pipelines';
import { dataConverterFor, loadPayloadCodec } from '../../../infra/codec';
import { prepareMetadataStore } from '../../../infra/metadata-setup';
import { connectClient, connectWorker } from '../../../infra/temporal-connection';
import { createApiKey, createAuthenticator, ensureUserPrincipal, type Role } from '../../../lib/auth';
import { loadConfig, type AppConfig } from '../../../lib/config';
import { createLogger } from '../../../lib/logging';
import { recordRunStart, updateRun } from '../../../lib/metadata/runs';
import { loadPipelineSpec } from '../../../lib/pipeline/store';
import { createModelServer } from '../../../lib/serving/model-server';
import type { ModelServer } from '../../../lib/serving/types';
import { createArtifactStore, type ArtifactStore } from '../../../lib/store';
import { createTestDatabase, type TestDatabase } from '../../helpers/db';
import {
  abtOut,
  evaluateOut,
  featuresOut,
  ingestOut,
  obj,
  trainOut,
  validateOut,
} from '../../workflow/pipeline-fixtures';

/** One API key per role; approver "alice" is in the test pipeline's approvers list, approver "bob" is not. */
export const KEY_HOLDERS = {
  viewer: { name: 'vera', role: 'viewer' },
  operator: { name: 'oscar', role: 'operator' },
  approver: { name: 'alice', role: 'approver' },
  outsider: { name: 'bob', role: 'approver' },
  admin: { name: 'ada', role: 'admin' },
  predictor: { name: 'pat', role: 'predictor' },
} as const satisfies Record<string, { name: string; role: Role }>;
export type Holder = keyof typeof KEY_HOLDERS;

export interface ApiHarness {
  config: AppConfig;
  database: TestDatabase;
  db: TestDatabase['db'];
  client: Client;
  store: ArtifactStore;
  models: ModelServer;
  deps: ApiDeps;
  app: Express;
  taskQueue: string;
  keys: Record<Holder, string>;
  auth(holder: Holder): { Authorization: string };
  /** Workflow ids the suite started outside the API (terminated on stop). */
  track(workflowId: string): void;
  stop(): Promise<void>;
}

/**
 * The workflow's activities as test doubles: the real spec loader (approvers: alice; no metric thresholds, so the
 * canned metrics pass the gate; monitoring off), the real run bookkeeping into the suite's database, canned outputs for everything heavy. A run reaches
 * waiting_approval in about a second, which isolates the API logic from training.
 */
function pipelineActivities(deps: { db: TestDatabase['db'] }, taskQueue: string, verifyKeys: Record<string, string>) {
  return {
    async loadPipelineSpec(input: { pipeline: string; params: Record<string, unknown>; specHash?: string }) {
      const loaded = await loadPipelineSpec(deps.db, input);
      const spec = {
        ...loaded.spec,
        evaluation: { ...loaded.spec.evaluation, thresholds: {}, minImprovement: 0 },
        approval: { ...loaded.spec.approval, approvers: ['alice'] },
        monitoring: { ...loaded.spec.monitoring, enabled: false },
      };
      return { ...loaded, spec, codeVersion: 'test', trainingTaskQueue: taskQueue };
    },
    approvalVerificationKeys: async () => verifyKeys,
    async recordRunStatus(input: RunStatusInput) {
      if (input.pipeline && input.specHash) {
        await recordRunStart(deps.db, {
          runId: input.runId,
          pipeline: input.pipeline,
          specHash: input.specHash,
          trigger: input.trigger ?? 'manual',
          params: input.params ?? {},
        });
      }
      await updateRun(deps.db, { ...input });
    },
    ingestRawData: async () => ingestOut,
    validateDataset: async () => validateOut,
    fitFeatures: async () => featuresOut,
    buildAnalyticBaseTable: async () => abtOut,
    trainCandidate: async ({ candidate }: { candidate: string }) => trainOut(candidate),
    evaluateCandidate: async ({ candidate }: { candidate: string }) => evaluateOut(candidate, 0.9),
    writeRunReport: async () => ({ json: obj('r.json'), csv: obj('r.csv') }),
    evaluateProductionModel: async () => ({ note: 'no production model' }),
    registerModelVersion: async () => ({ modelName: 'churn-classifier', versionId: 42, version: 3, created: true }),
    deployModelVersion: async () => undefined,
    smokeTestDeployment: async () => ({ passed: true, checkedRows: 5, mismatches: 0, servedVersion: 3, message: 'ok' }),
    promoteModelVersion: async () => undefined,
    archiveModelVersion: async () => undefined,
    // Notifications are delivered by lib/notify (tested in test/integration/notify); here they go nowhere.
    notify: async () => ({ channels: [] }),
    // A canary (an approver's choice) finds no production version to compare with: the run promotes directly.
    startCanary: async () => ({ started: false, reason: 'test harness: no production version' }),
    // Materializations started through the API end at once: the view is treated as not online.
    planMaterialization: async ({ view }: { view: string }) => ({
      view,
      version: 1,
      hash: 'test',
      online: false,
      to: new Date().toISOString(),
    }),
  };
}

export async function startApiHarness(
  options: { env?: Record<string, string>; worker?: boolean } = {},
): Promise<ApiHarness> {
  const database = await createTestDatabase();
  const taskQueue = `api-test-${randomUUID().slice(0, 8)}`;
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: database.url,
    DATA_SOURCE_DATABASE_URL: database.readerUrl ?? '',
    TASK_QUEUE_ORCHESTRATION: taskQueue,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    // Suites probe many routes with bad credentials on purpose; test/security checks the limit itself.
    AUTH_FAILURE_LIMIT_PER_MINUTE: '100000',
    ...options.env,
  });
  const log = createLogger({ name: 'api-test', level: config.logLevel });
  await prepareMetadataStore(database.db, config, log);
  const client = await connectClient(config.temporal);
  const store = createArtifactStore(config.artifacts);
  await store.ensureReady();
  let connection: NativeConnection | undefined;
  let running: { worker: Worker; done: Promise<void> } | undefined;
  if (options.worker !== false) {
    connection = await connectWorker(config.temporal);
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue,
      workflowsPath: require.resolve('../../../workflows'),
      activities: pipelineActivities(database, taskQueue, config.governance.approval.verifyKeys),
      dataConverter: dataConverterFor(config.temporal),
    });
    running = { worker, done: worker.run() };
  }
  const models = createModelServer({ db: database.db, store, log, notifyUrl: database.url });
  const authenticator = createAuthenticator({ db: database.db, cacheTtlMs: 0 });
  const deps: ApiDeps = {
    settings: apiSettingsFrom(config, 'test'),
    db: database.db,
    temporal: client,
    models,
    pipelines: storedCatalog(database.db),
    authenticator,
    log,
    codec: loadPayloadCodec(config.temporal),
    store,
    random: () => 0,
  };
  const keys = {} as Record<Holder, string>;
  for (const [holder, { name, role }] of Object.entries(KEY_HOLDERS)) {
    await ensureUserPrincipal(database.db, name, 'test');
    keys[holder as Holder] = (await createApiKey(database.db, { principal: name, role, createdBy: 'test' })).key;
  }
  const tracked = new Set<string>();
  return {
    config,
    database,
    db: database.db,
    client,
    store,
    models,
    deps,
    app: createApp(deps),
    taskQueue,
    keys,
    auth: (holder) => ({ Authorization: `Bearer ${keys[holder]}` }),
    track: (id) => tracked.add(id),
    async stop() {
      // Runs this suite started must not outlive it on the shared dev server.
      const query = `TaskQueue="${taskQueue}" AND ExecutionStatus="Running"`;
      for await (const execution of client.workflow.list({ query })) tracked.add(execution.workflowId);
      for (const id of tracked)
        await client.workflow
          .getHandle(id)
          .terminate('test finished')
          .catch(() => undefined);
      running?.worker.shutdown();
      await running?.done;
      await connection?.close();
      await models.close();
      await client.connection.close();
      await database.drop();
    },
  };
}

/** Polls until `check` returns a value (or the timeout passes). */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
