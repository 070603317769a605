// The fault scenarios: each is one churn run with its own data (its own raw hash, so no step-cache hit from another
// scenario) and its own registry model, disturbed at a known point while it runs.
import { setTimeout as sleep } from 'node:timers/promises';
import { createRng } from '../../../lib/ml';
import type { FaultContext } from './fault-context';

export const TEMPORAL_DOWN_MS = Number(process.env.FAULTS_TEMPORAL_DOWN_MS ?? 15_000);
export const OUTAGE_MS = Number(process.env.FAULTS_OUTAGE_MS ?? 30_000);
export const KILLS = 5;
export const KILL_SEED = Number(process.env.FAULTS_SEED ?? 20261129);

/** Two candidates training in parallel for ~30 epochs: long enough to be hit mid-training. */
const STANDARD = {
  candidates: [
    {
      name: 'logreg',
      kind: 'logistic_regression',
      hyperparameters: { epochs: 15, batchSize: 64, learningRate: 0.05, earlyStopping: false },
    },
    {
      name: 'mlp',
      kind: 'mlp_classifier',
      hyperparameters: { epochs: 30, batchSize: 32, hiddenUnits: [64, 32], learningRate: 0.01, earlyStopping: false },
    },
  ],
  // Shorter than the Temporal outage, so the server itself times the in-flight attempt out once it is back.
  training: { heartbeatTimeout: '10s', checkpointEvery: 1, maxAttempts: 10 },
};

/** One slow candidate (60 wide epochs of small batches) so that five kills all land mid-training. */
const LONG = {
  candidates: [
    {
      name: 'mlp',
      kind: 'mlp_classifier',
      hyperparameters: {
        epochs: 60,
        batchSize: 16,
        hiddenUnits: [128, 128],
        learningRate: 0.005,
        earlyStopping: false,
      },
    },
  ],
  training: { heartbeatTimeout: '5s', checkpointEvery: 1, maxAttempts: 10 },
};

export const PROFILES = {
  standard: { params: STANDARD, epochs: { logreg: 15, mlp: 30 } },
  long: { params: LONG, epochs: { mlp: 60 } },
};

export interface Scenario {
  id: string;
  title: string;
  profile: keyof typeof PROFILES;
  /** Seed of the scenario's churn data. */
  seed: number;
  /** Runs beside the pipeline run and returns once the fault is over; absent for a baseline. */
  disturb?: (ctx: FaultContext) => Promise<void>;
  /** Checks (by part of their name) a known product defect can fail in this scenario, with the defect. */
  knownIssues?: Record<string, string>;
}

async function midTraining(ctx: FaultContext, epochs = 3): Promise<void> {
  await ctx.until(`${epochs} checkpointed mlp epochs`, async () =>
    (await ctx.checkpointed('mlp')) >= epochs ? true : undefined,
  );
  ctx.note(`mlp has ${epochs} checkpointed epochs`);
}

/** While the data steps run: validate has started (or a later data step has). */
async function inDataSteps(ctx: FaultContext): Promise<void> {
  const step = await ctx.until('a data step', async () => {
    const row = await ctx.h.deps
      .db('step_executions')
      .where({ run_id: ctx.runId })
      .whereIn('step', ['validate', 'features', 'abt'])
      .orderBy('id', 'desc')
      .first();
    return row ? `${row.step} (${row.status})` : undefined;
  });
  ctx.note(`data step under way: ${step}`);
}

async function killTrainingWorker(ctx: FaultContext): Promise<void> {
  const rng = createRng(KILL_SEED);
  for (let kill = 1; kill <= KILLS; kill += 1) {
    // Attempt `kill` has made progress (a checkpoint), then a random moment later it dies.
    await ctx.until(`attempt ${kill} checkpointing`, async () =>
      (await ctx.checkpointed('mlp', kill)) >= 1 ? true : undefined,
    );
    const delay = rng.nextInt(4_000);
    await sleep(delay);
    const epochs = await ctx.checkpointed('mlp', kill);
    const pid = ctx.workers.pid;
    await ctx.workers.kill();
    ctx.note(
      `SIGKILL ${kill}/${KILLS}: worker pid ${pid}, attempt ${kill}, ${delay} ms after its first checkpoint (${epochs} checkpointed)`,
    );
    await sleep(rng.nextInt(2_000));
    ctx.workers.start();
    ctx.note(`replacement worker pid ${ctx.workers.pid} started`);
  }
}

export const SCENARIOS: Scenario[] = [
  { id: 'baseline', title: 'undisturbed run (standard profile)', profile: 'standard', seed: 101 },
  {
    id: 'temporal-restart',
    title: `restart the Temporal dev server (down ${TEMPORAL_DOWN_MS / 1000} s, SQLite db kept) mid-training`,
    profile: 'standard',
    seed: 102,
    disturb: async (ctx) => {
      await midTraining(ctx);
      await ctx.outage('temporal', TEMPORAL_DOWN_MS);
    },
  },
  {
    id: 'postgres-outage',
    title: `stop PostgreSQL for ${OUTAGE_MS / 1000} s during the data steps`,
    profile: 'standard',
    seed: 103,
    disturb: async (ctx) => {
      await inDataSteps(ctx);
      await ctx.outage('postgres', OUTAGE_MS);
    },
  },
  {
    id: 's3-outage',
    title: `stop the S3 server for ${OUTAGE_MS / 1000} s mid-training (checkpoint writes)`,
    profile: 'standard',
    seed: 104,
    disturb: async (ctx) => {
      await midTraining(ctx);
      await ctx.outage('s3', OUTAGE_MS);
    },
  },
  { id: 'baseline-long', title: 'undisturbed run (long-training profile)', profile: 'long', seed: 105 },
  {
    id: 'worker-kills',
    title: `SIGKILL the training worker ${KILLS} times at random points (seed ${KILL_SEED})`,
    profile: 'long',
    seed: 106,
    disturb: killTrainingWorker,
  },
];
