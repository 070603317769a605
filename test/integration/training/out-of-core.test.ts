process.env.TFJS_BACKEND ??= 'wasm';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { abtFeatureColumns } from '../../../activities/data/abt';
import { loadTrainingData, type LoadedTrainingData } from '../../../activities/training/training-data';
import { initTfBackend, modelKind } from '../../../lib/ml';
import { closeTrainingThreads, trainModelOffThread } from '../../../lib/ml/models/train-thread';
import { createTestDatabase, type TestDatabase } from '../../helpers/db';

// Training over the memory budget against the real PostgreSQL: the splits are sharded to disk with a binary COPY and
// the dense kind streams them on a training thread, reaching the metric of in-memory training; a crashed streamed
// run resumes exactly; a tree kind is refused with the budget named; the shards are removed afterwards.

const FEATURES = ['a', 'b', 'noise1', 'noise2'];
const ROWS = 6000;
const TABLE = 'abt_out_of_core_test';
const TINY_BUDGET = 0.05 * 2 ** 20; // 52 KB: the 6000-row splits take ~140 KB as arrays

const mlp = {
  kind: 'mlp_classifier',
  hyperparameters: { epochs: 6, batchSize: 32, learningRate: 0.02, hiddenUnits: [16], seed: 5, earlyStopping: false },
};

describe('out-of-core training from the ABT (real PostgreSQL)', () => {
  let database: TestDatabase;
  let cacheDir: string;
  beforeAll(async () => {
    await initTfBackend({ preferred: 'wasm', strict: true });
    cacheDir = await mkdtemp(join(tmpdir(), 'ooc-cache-'));
    database = await createTestDatabase();
    const columns = abtFeatureColumns(FEATURES);
    await database.db.raw(
      `create table ${TABLE} (row_id bigint not null primary key, source_line integer not null, split smallint not null,
        label text, y double precision not null, ${columns.map((c) => `"${c}" real not null`).join(', ')})`,
    );
    // Deterministic pseudo-random a, b in [-1, 1); the class is whether a + b > 0. Splits 0/1/2 as the ABT codes them.
    await database.db.raw(
      `insert into ${TABLE}
       select g, g + 1, case when g % 5 = 0 then 1 when g % 7 = 0 then 2 else 0 end, 'l',
         ((a + b) > 0)::int, a, b, ((g * 31) % 101) / 50.0 - 1, ((g * 17) % 89) / 44.0 - 1
       from (select g, ((g * 7919) % 1000) / 500.0 - 1 as a, ((g * 104729) % 997) / 498.5 - 1 as b
             from generate_series(1, ${ROWS}) g) s`,
    );
  });
  afterAll(async () => {
    await closeTrainingThreads();
    await database?.drop();
    await rm(cacheDir, { recursive: true, force: true });
  });

  const load = (budget: number | undefined, kind = 'mlp_classifier') =>
    loadTrainingData(database.db, {
      table: TABLE,
      featureNames: FEATURES,
      classification: true,
      kind: modelKind(kind),
      label: 'run-1/mlp',
      memoryBudgetBytes: budget,
      cacheDir,
    });
  const train = (data: LoadedTrainingData, extra: Partial<Parameters<typeof trainModelOffThread>[0]> = {}) =>
    trainModelOffThread({
      backend: 'wasm',
      threads: true,
      candidate: mlp,
      task: 'classification',
      numClasses: 2,
      train: data.train,
      validation: data.validation,
      ...extra,
    });

  it('streams splits over the budget on a training thread to the metric of in-memory training', async () => {
    const inMemory = await load(undefined);
    expect(inMemory.mode).toBe('in-memory');
    const streamed = await load(TINY_BUDGET);
    expect(streamed.mode).toBe('streamed');
    expect(streamed.train).toMatchObject({ format: 'shards', rowCount: inMemory.train.rowCount });
    expect(streamed.validation).toMatchObject({ format: 'shards', rowCount: inMemory.validation?.rowCount });
    expect(readdirSync(cacheDir)).toHaveLength(1);
    try {
      const [a, b] = [await train(inMemory), await train(streamed)];
      const accuracy = (r: typeof a) => r.history[r.history.length - 1]?.valAccuracy ?? 0;
      expect(accuracy(a)).toBeGreaterThan(0.9);
      expect(accuracy(b)).toBeGreaterThan(0.9);
      expect(Math.abs(accuracy(a) - accuracy(b))).toBeLessThan(0.04);
    } finally {
      await streamed.release();
    }
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('a streamed run that crashed after a checkpoint resumes in the same order, to the same model', async () => {
    const data = await load(TINY_BUDGET);
    try {
      const whole = await train(data);
      let saved: Uint8Array | undefined;
      const crashed = train(data, {
        onCheckpoint: ({ epoch, bytes }) => {
          if (epoch !== 3) return;
          saved = bytes;
          throw new Error('worker lost');
        },
      });
      await expect(crashed).rejects.toThrow('worker lost');
      const resumed = await train(data, { resumeFrom: saved });
      expect(resumed.resumedFromEpoch).toBe(3);
      expect(Buffer.from(resumed.modelBytes).equals(Buffer.from(whole.modelBytes))).toBe(true);
    } finally {
      await data.release();
    }
  });

  it("removes the shards of a training whose worker was killed, keeps a live process's", async () => {
    // Beyond any pid_max: no such process. The test's own pid is alive.
    mkdirSync(join(cacheDir, 'mlops-train-2147483646-run-9_mlp-1-abc123', 'train'), { recursive: true });
    mkdirSync(join(cacheDir, `mlops-train-${process.pid}-run-8_mlp-1-def456`));
    const data = await load(TINY_BUDGET);
    try {
      const names = readdirSync(cacheDir);
      expect(names).not.toContain('mlops-train-2147483646-run-9_mlp-1-abc123');
      expect(names).toContain(`mlops-train-${process.pid}-run-8_mlp-1-def456`);
      expect(names).toHaveLength(2);
    } finally {
      await data.release();
      await rm(join(cacheDir, `mlops-train-${process.pid}-run-8_mlp-1-def456`), { recursive: true });
    }
  });

  it('a tree kind over the budget is refused with the sizes and the setting named, nothing left on disk', async () => {
    await expect(load(TINY_BUDGET, 'random_forest')).rejects.toMatchObject({
      code: 'OVER_MEMORY_BUDGET',
      message: expect.stringContaining('TRAINING_MEMORY_BUDGET_MB') as unknown,
    });
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);
    // Within the budget the same kind trains in memory as before.
    expect((await load(undefined, 'random_forest')).mode).toBe('in-memory');
  });
});
