import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  classificationMetrics,
  disposeModel,
  initTfBackend,
  MlError,
  predict,
  regressionMetrics,
  trainModel,
  type Dataset,
  type TrainResult,
} from '../../../lib/ml';
import { classWeightsFor } from '../../../lib/ml/models/class-weights';
import { ShardWriter, readShardBlocks, type ShardedSplit } from '../../../lib/ml/out-of-core/shards';
import { circle, linear, slice } from './synthetic';

// Out-of-core training: a split written to shards on disk and streamed in small windows trains the dense kind as
// well as the same arrays in memory, resumes exactly, and the tree kinds refuse it.

beforeAll(async () => {
  await initTfBackend({ preferred: 'wasm', strict: true });
});

const dirs: string[] = [];
const results: TrainResult[] = [];
afterAll(() => {
  results.forEach((r) => disposeModel(r.model));
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});
function kept(result: TrainResult): TrainResult {
  results.push(result);
  return result;
}

function shard(data: Dataset, classification: boolean, blockRows: number, windowBlocks: number): ShardedSplit {
  const dir = mkdtempSync(join(tmpdir(), 'ooc-test-'));
  dirs.push(dir);
  const writer = new ShardWriter({ dir, featureCount: data.featureCount, blockRows, classification });
  for (let i = 0; i < data.rowCount; i++) {
    writer.x.set(data.x.subarray(i * data.featureCount, (i + 1) * data.featureCount), writer.base());
    writer.commit(data.y[i] as number);
  }
  return writer.finish(windowBlocks);
}

const circleData = circle({ rows: 1500, seed: 11 });
const circleTrain = slice(circleData, 0, 1200);
const circleValidation = slice(circleData, 1200, 1500);
const mlp = {
  kind: 'mlp_classifier',
  hyperparameters: { epochs: 12, batchSize: 32, learningRate: 0.02, hiddenUnits: [16, 8], seed: 3 },
};

function accuracyOf(result: TrainResult, data: Dataset): number {
  const p = predict({ model: result.model, x: data.x });
  if (p.task !== 'classification') throw new Error('expected a classifier');
  return classificationMetrics({ yTrue: data.y, probabilities: p.probabilities, numClasses: 2 }).accuracy;
}

describe('out-of-core training (splits sharded on disk)', () => {
  it('shards read back as the arrays they were written from, blocks in any order', () => {
    const split = shard(circleTrain, true, 100, 3);
    expect(split).toMatchObject({ rowCount: 1200, featureCount: 2, blockRows: 100, windowBlocks: 3 });
    const counts = [0, 0];
    circleTrain.y.forEach((c) => (counts[c] = (counts[c] as number) + 1));
    expect(split.classCounts).toEqual(counts);
    const back = readShardBlocks(split, [11, 0]);
    expect(Array.from(back.y)).toEqual([...circleTrain.y.slice(1100, 1200), ...circleTrain.y.slice(0, 100)]);
    expect(Array.from(back.x.subarray(0, 200))).toEqual(Array.from(circleTrain.x.subarray(2200, 2400)));
    expect(back.y).toBeInstanceOf(Int32Array);
    // Balanced class weights from the counts are those from the targets.
    expect(classWeightsFor({ y: { counts: split.classCounts ?? [] }, numClasses: 2, setting: 'balanced' })).toEqual(
      classWeightsFor({ y: circleTrain.y, numClasses: 2, setting: 'balanced' }),
    );
  });

  it('a streamed MLP (windows of 3 × 50 rows) learns the circle like the in-memory one, validation streamed too', async () => {
    const inMemory = kept(
      await trainModel({
        candidate: mlp,
        task: 'classification',
        numClasses: 2,
        train: circleTrain,
        validation: circleValidation,
      }),
    );
    const streamed = kept(
      await trainModel({
        candidate: mlp,
        task: 'classification',
        numClasses: 2,
        train: shard(circleTrain, true, 50, 3),
        validation: shard(circleValidation, true, 40, 2),
      }),
    );
    const a = accuracyOf(inMemory, circleValidation);
    const b = accuracyOf(streamed, circleValidation);
    expect(b).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(a - b)).toBeLessThan(0.05);
    // The streamed validation metrics are those of the (kept) model on the whole split.
    expect(streamed.history[streamed.bestEpoch - 1]?.valAccuracy).toBeCloseTo(b, 5);
  });

  it('regression: targets standardised from the streamed moments', async () => {
    const data = linear({ rows: 800, seed: 4 });
    const train = slice(data, 0, 600);
    const test = slice(data, 600, 800);
    const result = kept(
      await trainModel({
        candidate: {
          kind: 'mlp_regressor',
          hyperparameters: { epochs: 30, batchSize: 32, learningRate: 0.02, seed: 1 },
        },
        task: 'regression',
        train: shard(train, false, 64, 2),
      }),
    );
    const p = predict({ model: result.model, x: test.x });
    if (p.task !== 'regression') throw new Error('expected a regressor');
    expect(regressionMetrics({ yTrue: test.y, yPred: p.values }).rmse).toBeLessThan(0.5);
  });

  it('resumes from a checkpoint exactly, with the same block order (and the in-memory identity of the data)', async () => {
    const split = shard(circleTrain, true, 64, 2);
    const base = {
      candidate: { ...mlp, hyperparameters: { ...mlp.hyperparameters, epochs: 4, dropout: 0.1 } },
      task: 'classification' as const,
      numClasses: 2,
      train: split,
    };
    const whole = kept(await trainModel(base));
    let saved: Uint8Array | undefined;
    await expect(
      trainModel({
        ...base,
        onCheckpoint: ({ epoch, bytes }) => {
          if (epoch === 2) {
            saved = bytes;
            throw new Error('worker lost');
          }
        },
      }),
    ).rejects.toThrow('worker lost');
    const resumed = kept(await trainModel({ ...base, resumeFrom: saved }));
    expect(resumed.resumedFromEpoch).toBe(2);
    expect(Buffer.from(resumed.modelBytes).equals(Buffer.from(whole.modelBytes))).toBe(true);
    // A retry that reads the same split into memory (a bigger budget) may resume the streamed checkpoint.
    const inMemory = kept(await trainModel({ ...base, train: circleTrain, resumeFrom: saved }));
    expect(inMemory.resumedFromEpoch).toBe(2);
    // Another seed orders the blocks differently: another model.
    const reseeded = kept(
      await trainModel({
        ...base,
        candidate: { ...base.candidate, hyperparameters: { ...base.candidate.hyperparameters, seed: 4 } },
      }),
    );
    expect(Buffer.from(reseeded.modelBytes).equals(Buffer.from(whole.modelBytes))).toBe(false);
  });

  it.each(['random_forest', 'gradient_boosting'])(
    '%s refuses a streamed split with the budget setting named',
    async (kind) => {
      const error = await trainModel({
        candidate: { kind },
        task: 'classification',
        numClasses: 2,
        train: shard(circleTrain, true, 100, 2),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MlError);
      expect(error).toMatchObject({ code: 'OVER_MEMORY_BUDGET' });
      expect((error as Error).message).toContain('TRAINING_MEMORY_BUDGET_MB');
    },
  );

  it('a class index the network cannot output is refused before training', async () => {
    const bad = { ...circleTrain, y: Int32Array.from(circleTrain.y, (c, i) => (i === 5 ? 2 : c)) };
    await expect(
      trainModel({ candidate: mlp, task: 'classification', numClasses: 2, train: shard(bad, true, 100, 2) }),
    ).rejects.toThrow('outside 0..1');
  });
});
