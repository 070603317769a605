import { startPipelineHarness, type PipelineHarness } from '../../helpers/pipeline-harness';

const EPOCHS = 40;

// One slow-ish candidate so that the kill lands mid-training: wide layers, small batches.
const overrides = {
  candidates: [
    {
      name: 'mlp',
      kind: 'mlp_classifier',
      hyperparameters: {
        epochs: EPOCHS,
        batchSize: 16,
        hiddenUnits: [128, 128],
        earlyStopping: false,
        learningRate: 0.005,
      },
    },
  ],
  training: { heartbeatTimeout: '5s', maxAttempts: 5, checkpointEvery: 1 },
  // This suite is about surviving the crash, not about the model: 40 epochs of a wide network on the small churn
  // file overfit it (test accuracy about 0.70, AUC about 0.76, with churn.yaml's gate at 0.70 and 0.75), so which
  // side of the gate a run lands on would turn on the last bits of the arithmetic. The gate here is well below that.
  evaluation: { thresholds: { accuracy: { min: 0.6 }, roc_auc: { min: 0.65 } } },
};

interface EpochRow {
  run_id: string;
  candidate: string;
  epoch: number;
  attempt: number;
  checkpointed: boolean;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('crash: SIGKILL the training worker mid-training, start a new one', () => {
  let h: PipelineHarness;
  beforeAll(async () => {
    h = await startPipelineHarness({ trainingInProcess: false });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('completes, resuming after the last checkpoint, with one model version and no duplicate rows', async () => {
    const first = h.spawnTrainingWorker('crash-test-training-1');
    await h.variant('churn', overrides);
    const handle = await h.start({ pipeline: 'churn' });
    const epochs = () => h.deps.db<EpochRow>('training_epochs').where({ run_id: handle.workflowId, candidate: 'mlp' });

    await until('5 checkpointed epochs', async () => {
      const rows = await epochs().where({ checkpointed: true });
      return rows.length >= 5 ? rows : undefined;
    });
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const second = h.spawnTrainingWorker('crash-test-training-2');

    await h.waitForStatus(handle, (s) => s.status === 'waiting_approval', 240_000);
    await h.decide(handle, 'approved', 'alice', 'survived a crash');
    const result = await handle.result();
    second.kill('SIGTERM');
    expect(result.outcome).toBe('succeeded');

    const rows = await epochs().orderBy(['attempt', 'epoch']);
    const firstAttempt = rows.filter((r) => r.attempt === 1);
    const lastCheckpoint = Math.max(...firstAttempt.filter((r) => r.checkpointed).map((r) => r.epoch));
    const later = rows.filter((r) => r.attempt > 1);
    expect(lastCheckpoint).toBeGreaterThanOrEqual(5);
    expect(later.length).toBeGreaterThan(0);
    // Resumed right after the last checkpoint: no checkpointed epoch ran twice.
    expect(Math.min(...later.map((r) => r.epoch))).toBe(lastCheckpoint + 1);
    expect(later.filter((r) => r.epoch <= lastCheckpoint)).toEqual([]);
    const completed = new Set(
      rows.filter((r) => (r.attempt === 1 ? r.epoch <= lastCheckpoint : true)).map((r) => r.epoch),
    );
    expect(completed.size).toBe(EPOCHS);

    const db = h.deps.db;
    expect(await db('model_versions').where({ run_id: handle.workflowId }).count({ n: '*' }).first()).toEqual({ n: 1 });
    const trainSteps = await db('step_executions')
      .where({ run_id: handle.workflowId, step: 'train:mlp' })
      .orderBy('attempt');
    expect(trainSteps.map((s: { status: string }) => s.status)).toEqual([
      ...Array(trainSteps.length - 1).fill('failed'),
      'succeeded',
    ]);
    const duplicates = await db('artifacts')
      .where({ run_id: handle.workflowId })
      .groupBy('step', 'name')
      .havingRaw('count(*) > 1')
      .select('step', 'name');
    expect(duplicates).toEqual([]);
    const training = await db('step_executions')
      .where({ run_id: handle.workflowId, step: 'train:mlp', status: 'succeeded' })
      .first();
    expect(training.details).toMatchObject({ epochs: EPOCHS, resumedFromEpoch: lastCheckpoint });
  });
});
