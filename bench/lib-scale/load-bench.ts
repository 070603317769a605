// The load benchmark proper (bench/load.ts loads it once the private stack's data dir is set): N concurrent small churn
// runs, each on its own 300-row file and registry model, against in-process workers with the configured limits.
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities/deps';
import { prepareMetadataStore } from '../../infra/metadata-setup';
import { stackDown, stackUp } from '../../infra/stack';
import { connectClient } from '../../infra/temporal-connection';
import { loadConfig, type AppConfig } from '../../lib/config';
import { createDb } from '../../lib/db';
import { createLogger } from '../../lib/logging';
import { createArtifactStore } from '../../lib/store';
import { CHURN_HEADER, churnRows, toCsvText } from '../../scripts/generate-example-data';
import { runApproved } from '../../test/helpers/approvals';
import { createTestDatabase } from '../../test/helpers/db';
import { applyVariant } from '../../test/helpers/specs';
import { createOrchestrationWorker } from '../../workers/orchestration';
import { createTrainingWorker } from '../../workers/training';
import { machineLine } from '../lib/report';
import { percentile, seconds } from './stats';

const RUNS = Number(process.env.LOAD_RUNS ?? 200);
const RUN_TIMEOUT_MS = Number(process.env.LOAD_TIMEOUT_MS ?? 45 * 60_000);
const EventType = temporal.api.enums.v1.EventType;

/** Each run's own pipeline (its own model, so that runs never compare with each other). */
function overridesFor(i: number, path: string): Record<string, unknown> {
  return {
    model: `load-${i}`,
    data: { source: { kind: 'file', path, format: 'csv' } },
    candidates: [
      { name: 'logreg', kind: 'logistic_regression', hyperparameters: { epochs: 2, batchSize: 256 } },
      {
        name: 'mlp',
        kind: 'mlp_classifier',
        hyperparameters: { epochs: 1, batchSize: 256, hiddenUnits: [8], earlyStopping: false },
      },
    ],
    expectations: { rowCount: { min: 100 } },
    evaluation: { thresholds: { accuracy: { min: 0 }, roc_auc: { min: 0 } } },
    deployment: { smokeTestRows: 5 },
    monitoring: { enabled: false },
  };
}

interface RunResult {
  outcome: string;
  ms: number;
  error?: string;
}

async function runOne(client: Client, config: AppConfig, workflowId: string, pipeline: string) {
  const started = Date.now();
  try {
    const { result } = await runApproved(client, config, {
      taskQueue: config.taskQueues.orchestration,
      workflowId,
      input: { pipeline },
      workflowExecutionTimeout: RUN_TIMEOUT_MS,
    });
    return { outcome: result.outcome, ms: Date.now() - started } satisfies RunResult;
  } catch (err) {
    let cause: unknown = err;
    while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
    const error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    return { outcome: 'failed', ms: Date.now() - started, error } satisfies RunResult;
  }
}

/** Time activities waited between being scheduled and a worker picking them up (slot saturation shows here). */
async function queueWaits(client: Client, workflowIds: string[]): Promise<number[]> {
  const waits: number[] = [];
  const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
    Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
  for (const id of workflowIds) {
    const scheduled = new Map<string, number>();
    for (const e of (await client.workflow.getHandle(id).fetchHistory()).events ?? []) {
      if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        scheduled.set(String(e.eventId), ms(e.eventTime));
      const s = e.activityTaskStartedEventAttributes;
      if (s && (s.attempt ?? 1) === 1) waits.push(ms(e.eventTime) - (scheduled.get(String(s.scheduledEventId)) ?? 0));
    }
  }
  return waits;
}

function slots(worker: Worker | undefined, kind: 'workflowTaskSlotSupplier' | 'activityTaskSlotSupplier'): string {
  const supplier = worker?.options.tuner[kind];
  return supplier?.type === 'fixed-size' ? String(supplier.numSlots) : (supplier?.type ?? '?');
}

function settingsLine(config: AppConfig, [orchestration, training]: Worker[]): string {
  return [
    `DATABASE_POOL_MAX=${config.database.poolMax} (one pool shared by both in-process workers)`,
    `ORCHESTRATION_ACTIVITY_CONCURRENCY=${config.workers.orchestrationActivityConcurrency} (activity slots: ${slots(orchestration, 'activityTaskSlotSupplier')})`,
    `TRAINING_CONCURRENCY=${config.workers.trainingConcurrency} (activity slots: ${slots(training, 'activityTaskSlotSupplier')})`,
    `workflow task slots ${slots(orchestration, 'workflowTaskSlotSupplier')}, sticky cache ${orchestration?.options.maxCachedWorkflows} workflows (SDK defaults)`,
    `TFJS_BACKEND=${config.tfjsBackend}`,
    'Temporal dev server (SQLite), PostgreSQL 17 (max_connections=200, synchronous_commit=off), SeaweedFS S3',
  ].join('\n  ');
}

export async function runLoadBench(dataDir: string): Promise<number> {
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  console.log(`bench:load — ${RUNS} concurrent small churn runs on a private stack. ${machineLine()}`);
  // The private stack's servers are detached processes: an interrupted benchmark must still stop them.
  process.once('SIGINT', () => void stackDown().finally(() => process.exit(130)));
  await stackUp();
  const database = await createTestDatabase();
  const suffix = randomUUID().slice(0, 8);
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: database.url,
    DATA_FILE_ROOTS: dataDir,
    TASK_QUEUE_ORCHESTRATION: `load-orch-${suffix}`,
    TASK_QUEUE_TRAINING: `load-train-${suffix}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    TFJS_BACKEND: process.env.TFJS_BACKEND ?? 'wasm',
  });
  const db = createDb({ url: database.url, poolMax: config.database.poolMax, applicationName: 'bench-load' });
  const log = createLogger({ name: 'bench-load', level: config.logLevel });
  const deps: ActivityDeps = { db, store: createArtifactStore(config.artifacts), log, config, codeVersion: 'bench' };
  await deps.store.ensureReady();
  await prepareMetadataStore(db, config, log);
  const client = await connectClient(config.temporal);
  const orchestration = await createOrchestrationWorker(deps);
  const training = await createTrainingWorker(deps);
  const workers = [orchestration.worker, training.worker];
  const running = workers.map((w) => w.run());
  try {
    console.log(`settings:\n  ${settingsLine(config, workers)}`);
    const files = join(dataDir, 'load-data');
    mkdirSync(files, { recursive: true });
    const inputs: Array<{ workflowId: string; pipeline: string }> = [];
    for (let i = 0; i < RUNS; i += 1) {
      const path = join(files, `run-${i}.csv`);
      writeFileSync(path, toCsvText(CHURN_HEADER, churnRows(300, 1000 + i)));
      inputs.push({
        workflowId: `load-${suffix}-${i}`,
        pipeline: await applyVariant(db, `load-${i}`, overridesFor(i, path)),
      });
    }
    const t0 = Date.now();
    const results = await Promise.all(inputs.map((r) => runOne(client, config, r.workflowId, r.pipeline)));
    const wall = Date.now() - t0;
    const failures = results.filter((r) => r.outcome !== 'succeeded');
    const durations = results.map((r) => r.ms);
    const waits = await queueWaits(
      client,
      inputs.map((r) => r.workflowId),
    );
    console.log(
      `\n${RUNS} runs started together, all settled in ${seconds(wall)}: ${((RUNS / wall) * 60_000).toFixed(1)} runs/min`,
    );
    console.log(
      `run duration p50 ${seconds(percentile(durations, 50))}, p95 ${seconds(percentile(durations, 95))}, ` +
        `max ${seconds(Math.max(...durations))}`,
    );
    console.log(
      `activity queue wait (scheduled → started, first attempts, ${waits.length} activities): ` +
        `p50 ${seconds(percentile(waits, 50))}, p95 ${seconds(percentile(waits, 95))}`,
    );
    console.log(`failures: ${failures.length}`);
    const reasons = new Map<string, number>();
    for (const f of failures) reasons.set(f.error ?? f.outcome, (reasons.get(f.error ?? f.outcome) ?? 0) + 1);
    for (const [reason, count] of reasons) console.log(`  ${count} × ${reason.slice(0, 300)}`);
    return failures.length === 0 ? 0 : 1;
  } finally {
    workers.forEach((w) => w.shutdown());
    await Promise.allSettled(running);
    await training.close();
    await orchestration.close();
    await client.connection.close();
    await db.destroy();
    await database.drop();
    await stackDown();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
