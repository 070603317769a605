// Scale-out: two orchestration and two training workers (child processes) on the same task queues, a batch of runs,
// one worker of each kind SIGKILLed while the runs are in training. Every run must end once, as if nothing happened:
// one model version each, no duplicated rows or artifacts, the ABT with exactly the clean rows, every epoch trained.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256Hex } from '../../../lib/store';
import { CHURN_HEADER, churnRows, toCsvText } from '../../../scripts/generate-example-data';
import type { PipelineHarness } from '../../helpers/pipeline-harness';
import type { Check } from './bad-input-runner';
import { checkRun } from './run-checks';

const ROWS = 3000;
const EPOCHS = { logreg: 8, mlp: 12 };

/** Each run's own version of the churn spec (its data, its model, candidates that take a while to train). */
function overridesFor(index: number, dataPath: string, batch: string): Record<string, unknown> {
  return {
    parameters: [],
    // Its own model per run: each run's gate compares with nothing, and registers version 1 of its model.
    model: `scale-out-${batch}-${index}`,
    data: { source: { kind: 'file', path: dataPath, format: 'csv' } },
    candidates: [
      {
        name: 'logreg',
        kind: 'logistic_regression',
        hyperparameters: { epochs: EPOCHS.logreg, batchSize: 64, learningRate: 0.05, earlyStopping: false },
      },
      {
        name: 'mlp',
        kind: 'mlp_classifier',
        hyperparameters: { epochs: EPOCHS.mlp, batchSize: 32, hiddenUnits: [32, 16], earlyStopping: false },
      },
    ],
    // A killed training worker's attempts time out in seconds and resume from their last checkpoint.
    training: { heartbeatTimeout: '5s', checkpointEvery: 1, maxAttempts: 10 },
    evaluation: { thresholds: { accuracy: { min: 0 }, roc_auc: { min: 0 } } },
    monitoring: { enabled: false },
  };
}

/** Worker processes, by role, with the identity Temporal records for them (`pid@host`). */
interface WorkerProcess {
  role: 'orchestration' | 'training';
  child: ChildProcess;
  identityPrefix: string;
}

function spawn(h: PipelineHarness, role: WorkerProcess['role'], index: number): WorkerProcess {
  const name = `scale-out-${role}-${index}`;
  const child = role === 'training' ? h.spawnTrainingWorker(name) : h.spawnOrchestrationWorker(name);
  return { role, child, identityPrefix: `${child.pid}@` };
}

async function kill(worker: WorkerProcess): Promise<void> {
  const exited = new Promise((resolve) => worker.child.once('exit', resolve));
  worker.child.kill('SIGKILL');
  await exited;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Temporal's TimeoutType.TIMEOUT_TYPE_HEARTBEAT. */
const HEARTBEAT_TIMEOUT = 4;

/**
 * What the kills did, from the histories: workflow tasks the killed orchestration worker had run, and training-queue
 * activities retried after a heartbeat timeout (an attempt whose worker vanished; Temporal records a started event
 * only for an attempt's end, so the dead attempts show as the next attempt's last failure).
 */
async function killEvidence(h: PipelineHarness, runIds: string[], orchestrationIdentity: string) {
  const counts = { workflowTasks: 0, heartbeatRetries: 0 };
  for (const runId of runIds) {
    const history = await h.client.workflow.getHandle(runId).fetchHistory();
    const queueOf = new Map<string, string>();
    for (const event of history.events ?? []) {
      const wft = event.workflowTaskStartedEventAttributes;
      if (wft?.identity?.startsWith(orchestrationIdentity)) counts.workflowTasks += 1;
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) queueOf.set(String(event.eventId), scheduled.taskQueue?.name ?? '');
      const started = event.activityTaskStartedEventAttributes;
      const timeout = started?.lastFailure?.timeoutFailureInfo?.timeoutType;
      const queue = queueOf.get(String(started?.scheduledEventId));
      if (started && queue === h.config.taskQueues.training && Number(timeout) === HEARTBEAT_TIMEOUT) {
        counts.heartbeatRetries += 1;
      }
    }
  }
  return counts;
}

export interface ScaleOutResult {
  runs: Array<{ runId: string; outcome: string; checks: Check[] }>;
  /** Checks over the whole batch (the kills landed, versions are distinct). */
  checks: Check[];
  timeline: string[];
  seconds: number;
}

export async function runScaleOut(args: {
  h: PipelineHarness;
  runs: number;
  dataDir: string;
}): Promise<ScaleOutResult> {
  const { h } = args;
  const t0 = Date.now();
  const timeline: string[] = [];
  const note = (e: string) => timeline.push(`t=${((Date.now() - t0) / 1000).toFixed(1)}s ${e}`);
  const workers = [spawn(h, 'orchestration', 1), spawn(h, 'orchestration', 2), spawn(h, 'training', 1)];
  workers.push(spawn(h, 'training', 2));
  note(`4 workers started: ${workers.map((w) => `${w.role} pid ${w.child.pid}`).join(', ')}`);

  const batch = randomUUID().slice(0, 8);
  mkdirSync(args.dataDir, { recursive: true });
  const runs = await Promise.all(
    Array.from({ length: args.runs }, async (_, i) => {
      const csv = toCsvText(CHURN_HEADER, churnRows(ROWS, 500 + i));
      const dataPath = join(args.dataDir, `scale-out-${batch}-${i}.csv`);
      writeFileSync(dataPath, csv);
      const runId = `scale-out-${batch}-${i}`;
      const pipeline = await h.variant(`scale-out-${batch}-${i}`, overridesFor(i, dataPath, batch));
      const handle = await h.start({ pipeline }, runId);
      return { runId, handle, sha: sha256Hex(csv) };
    }),
  );
  note(`${runs.length} runs started`);

  // Mid-batch: at least half of the runs have checkpointed training epochs.
  const runIds = runs.map((r) => r.runId);
  await until(
    'runs in training',
    async () => {
      const rows = await h.deps.db('training_epochs').whereIn('run_id', runIds).distinct('run_id');
      return rows.length >= Math.ceil(runs.length / 2) ? rows.length : undefined;
    },
    10 * 60_000,
  );
  // The orchestration worker that has run the most workflow tasks so far (it holds runs in its sticky cache): which
  // one Temporal favoured is up to it, and killing an idle one would prove nothing.
  const [first, second, trainingVictim] = workers as [WorkerProcess, WorkerProcess, WorkerProcess];
  const tasksOf = async (w: WorkerProcess) => (await killEvidence(h, runIds, w.identityPrefix)).workflowTasks;
  const orchestrationVictim = (await tasksOf(first)) >= (await tasksOf(second)) ? first : second;
  await Promise.all([kill(orchestrationVictim), kill(trainingVictim)]);
  note(`SIGKILL orchestration pid ${orchestrationVictim.child.pid} and training pid ${trainingVictim.child.pid}`);

  const outcomes = await Promise.all(
    runs.map(async ({ runId, handle }) => {
      try {
        await h.waitForStatus(handle, (s) => s.status === 'waiting_approval', 15 * 60_000);
        await h.decide(handle, 'approved', 'alice', 'scale-out test');
        const result = await handle.result();
        note(`${runId}: ${result.outcome}`);
        return result.outcome;
      } catch (err) {
        return `failed: ${err instanceof Error ? err.message : String(err)}`;
      }
    }),
  );
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) await kill(w);

  const results: ScaleOutResult['runs'] = [];
  for (const [i, run] of runs.entries()) {
    const evidence = await checkRun({
      db: h.deps.db,
      store: h.deps.store,
      client: h.client,
      runId: run.runId,
      rawSha256: run.sha,
      epochs: EPOCHS,
    });
    const outcome = outcomes[i] as string;
    const models = await h.deps.db('artifacts').where({ run_id: run.runId, kind: 'model' }).select('name', 'uri');
    const perName = new Set(models.map((m: { name: string }) => m.name));
    results.push({
      runId: run.runId,
      outcome,
      checks: [
        { name: 'run succeeded', ok: outcome === 'succeeded', detail: outcome },
        ...evidence.checks,
        {
          name: 'one model artifact per candidate',
          ok: models.length === perName.size && perName.size === Object.keys(EPOCHS).length,
          detail: `${models.length} artifacts for ${perName.size} names`,
        },
      ],
    });
  }
  const evidence = await killEvidence(h, runIds, orchestrationVictim.identityPrefix);
  const versions = await h.deps.db('model_versions').whereIn('run_id', runIds).select('model_name', 'version');
  const distinct = new Set(
    versions.map((v: { model_name: string; version: number }) => `${v.model_name}:${v.version}`),
  );
  const checks: Check[] = [
    {
      name: 'the killed orchestration worker had run workflow tasks of these runs',
      ok: evidence.workflowTasks > 0,
      detail: `${evidence.workflowTasks} workflow tasks`,
    },
    {
      name: 'trainings in flight on the killed training worker were retried after their heartbeat timed out',
      ok: evidence.heartbeatRetries > 0,
      detail: `${evidence.heartbeatRetries} attempts`,
    },
    {
      name: 'one registry version per run, all distinct',
      ok: versions.length === runs.length && distinct.size === runs.length,
      detail: `${versions.length} versions, ${distinct.size} distinct`,
    },
  ];
  return { runs: results, checks, timeline, seconds: (Date.now() - t0) / 1000 };
}
