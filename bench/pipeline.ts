// `npm run bench:pipeline`: orchestration overhead per step of the ML pipeline (run wall time minus the time spent
// inside activities, per activity) over 20 sequential runs, beside a bare Temporal workflow of no-op activities
// measured in the same run; then 50 concurrent runs' completion time and failures.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { prepareMetadataStore } from '../infra/metadata-setup';
import { stackUp } from '../infra/stack';
import { connectClient } from '../infra/temporal-connection';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logging';
import { createArtifactStore } from '../lib/store';
import { runApproved } from '../test/helpers/approvals';
import { createTestDatabase } from '../test/helpers/db';
import { applyVariant } from '../test/helpers/specs';
import { createOrchestrationWorker } from '../workers/orchestration';
import { createTrainingWorker } from '../workers/training';
import { noopSteps } from './workflows/noop';

const EventType = temporal.api.enums.v1.EventType;
const SEQUENTIAL_RUNS = Number(process.env.BENCH_RUNS ?? 20);
const CONCURRENT_RUNS = Number(process.env.BENCH_CONCURRENT ?? 50);

/** The churn spec with two tiny candidates and no monitor (applied as pipeline churn-bench). */
const overrides = {
  candidates: [
    { name: 'logreg', kind: 'logistic_regression', hyperparameters: { epochs: 2, batchSize: 256 } },
    {
      name: 'mlp',
      kind: 'mlp_classifier',
      hyperparameters: { epochs: 2, batchSize: 256, hiddenUnits: [8], earlyStopping: false },
    },
  ],
  monitoring: { enabled: false },
  // runApproved decides as bench-approver (signed as the API would).
  approval: { approvers: ['bench-approver'] },
};

function ms(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
}

/** Wall time, time covered by at least one running activity (union of intervals), and the activity count. */
export async function overheadOf(client: Client, workflowId: string) {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const started = new Map<number, number>();
  const intervals: Array<[number, number]> = [];
  for (const e of events) {
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) started.set(Number(e.eventId), ms(e.eventTime));
    const done = e.activityTaskCompletedEventAttributes;
    if (done) intervals.push([started.get(Number(done.startedEventId)) as number, ms(e.eventTime)]);
  }
  intervals.sort((a, b) => a[0] - b[0]);
  let inside = 0;
  let cursorEnd = -Infinity;
  for (const [s, e] of intervals) {
    if (s > cursorEnd) {
      inside += e - s;
      cursorEnd = e;
    } else if (e > cursorEnd) {
      inside += e - cursorEnd;
      cursorEnd = e;
    }
  }
  const wall = ms(events.at(-1)?.eventTime) - ms(events[0]?.eventTime);
  return { wall, inside, steps: intervals.length, perStep: (wall - inside) / intervals.length };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function fmt(n: number): string {
  return n.toFixed(1).padStart(8);
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  await stackUp();
  const database = await createTestDatabase();
  const suffix = randomUUID().slice(0, 8);
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: database.url,
    TASK_QUEUE_ORCHESTRATION: `bench-orch-${suffix}`,
    TASK_QUEUE_TRAINING: `bench-train-${suffix}`,
    LOG_LEVEL: 'warn',
  });
  const deps = {
    db: database.db,
    store: createArtifactStore(config.artifacts),
    log: createLogger({ name: 'bench', level: 'warn' }),
    config,
    codeVersion: 'bench',
  };
  await prepareMetadataStore(database.db, config, deps.log);
  const pipeline = await applyVariant(database.db, 'churn-bench', overrides);
  const client = await connectClient(config.temporal);
  const orchestration = await createOrchestrationWorker(deps);
  const training = await createTrainingWorker(deps);
  const noopQueue = `bench-noop-${suffix}`;
  const noopWorker = await Worker.create({
    connection: orchestration.connection,
    namespace: config.temporal.namespace,
    taskQueue: noopQueue,
    workflowsPath: require.resolve('./workflows/noop'),
    activities: { noop: async () => undefined },
  });
  const workers = [orchestration.worker, training.worker, noopWorker];
  const running = workers.map((w) => w.run());
  const approvalWaits: number[] = [];
  const runPipeline = async (i: number) => {
    const workflowId = `bench-${suffix}-${i}`;
    // Approved as soon as it waits: the wait for a human is not orchestration overhead (measured apart).
    const { approvalWaitMs } = await runApproved(client, config, {
      taskQueue: config.taskQueues.orchestration,
      workflowId,
      input: { pipeline },
    });
    approvalWaits.push(approvalWaitMs);
    return workflowId;
  };
  try {
    console.log(
      `bench:pipeline — ${SEQUENTIAL_RUNS} sequential runs, then ${CONCURRENT_RUNS} concurrent (2 cores, Node ${process.version})`,
    );
    await runPipeline(-1); // warm-up: fills the step cache and the workflow cache, like a steady state
    const noop: number[] = [];
    const pipeline: Array<Awaited<ReturnType<typeof overheadOf>>> = [];
    for (let i = 0; i < SEQUENTIAL_RUNS; i += 1) {
      const noopId = `bench-noop-${suffix}-${i}`;
      await client.workflow.execute(noopSteps, { taskQueue: noopQueue, workflowId: noopId, args: [{ steps: 16 }] });
      noop.push((await overheadOf(client, noopId)).perStep);
      const measured = await overheadOf(client, await runPipeline(i));
      // The wait for the (benchmark's) approver is a human's time, not orchestration: taken out of the wall time.
      const wait = approvalWaits.at(-1) ?? 0;
      pipeline.push({ ...measured, wall: measured.wall - wait, perStep: measured.perStep - wait / measured.steps });
    }
    console.log('\norchestration overhead per step (ms), median of runs:');
    console.log(`  baseline: bare workflow, 16 sequential no-op activities ${fmt(median(noop))}`);
    console.log(
      `  ML pipeline (${pipeline[0]?.steps} activities/run)                  ${fmt(median(pipeline.map((p) => p.perStep)))}`,
    );
    console.log(`  ML pipeline run wall time (median)                    ${fmt(median(pipeline.map((p) => p.wall)))}`);
    console.log(
      `  of which inside activities (median)                   ${fmt(median(pipeline.map((p) => p.inside)))}`,
    );
    console.log(`  approval wait, reported apart (median)                ${fmt(median(approvalWaits))}`);

    const t0 = Date.now();
    const results = await Promise.allSettled(Array.from({ length: CONCURRENT_RUNS }, (_, i) => runPipeline(1000 + i)));
    const seconds = (Date.now() - t0) / 1000;
    const failures = results.filter((r) => r.status === 'rejected');
    console.log(
      `\n${CONCURRENT_RUNS} concurrent runs: all finished in ${seconds.toFixed(1)} s (${((CONCURRENT_RUNS / seconds) * 60).toFixed(1)} runs/min), failures: ${failures.length}`,
    );
    for (const f of failures.slice(0, 3)) console.log(`  failure: ${String((f as PromiseRejectedResult).reason)}`);
    if (failures.length > 0) process.exitCode = 1;
  } finally {
    workers.forEach((w) => w.shutdown());
    await Promise.all(running);
    await training.close();
    await orchestration.close();
    await client.connection.close();
    await database.drop();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
