import {
  classificationMetrics,
  disposeModel,
  initTfBackend,
  MlError,
  predict,
  regressionMetrics,
  trainModel,
  type EpochMetrics,
  type ModelCandidateSpecInput,
  type TrainResult,
} from '../../../lib/ml';
import { classWeightsFor } from '../../../lib/ml/models/class-weights';
import { blobs, circle, linear, slice } from './synthetic';

beforeAll(async () => {
  await initTfBackend({ preferred: 'wasm', strict: true });
});

const results: TrainResult[] = [];
afterAll(() => results.forEach((r) => disposeModel(r.model)));
function kept(result: TrainResult): TrainResult {
  results.push(result);
  return result;
}

const circleData = circle({ rows: 1500, seed: 11 });
const circleTrain = slice(circleData, 0, 1200);
const circleValidation = slice(circleData, 1200, 1500);

function withoutTimings(history: EpochMetrics[]) {
  return history.map(({ durationMs: _d, samplesPerSecond: _s, ...rest }) => rest);
}

describe('trainModel', () => {
  it('an MLP learns the seeded circle problem to ≥ 0.9 validation accuracy, awaiting async epoch callbacks', async () => {
    const seen: number[] = [];
    const result = kept(
      await trainModel({
        candidate: {
          kind: 'mlp_classifier',
          hyperparameters: { epochs: 25, batchSize: 32, learningRate: 0.02, hiddenUnits: [16, 8], seed: 3 },
        },
        task: 'classification',
        numClasses: 2,
        train: circleTrain,
        validation: circleValidation,
        onEpochEnd: async ({ epoch }) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          seen.push(epoch);
        },
      }),
    );
    expect(result.backend).toBe('wasm');
    expect(seen).toEqual(Array.from({ length: result.epochsRun }, (_, i) => i + 1));
    expect(result.history).toHaveLength(result.epochsRun);
    const p = predict({ model: result.model, x: circleValidation.x });
    if (p.task !== 'classification') throw new Error('expected a classifier');
    const metrics = classificationMetrics({ yTrue: circleValidation.y, probabilities: p.probabilities, numClasses: 2 });
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(metrics.rocAuc).toBeGreaterThan(0.95);
  });

  it('logistic regression separates three blobs (≥ 0.95 accuracy)', async () => {
    const data = blobs({ rows: 600, seed: 5 });
    const result = kept(
      await trainModel({
        candidate: { kind: 'logistic_regression', hyperparameters: { epochs: 15, batchSize: 32, learningRate: 0.05 } },
        task: 'classification',
        numClasses: 3,
        train: slice(data, 0, 450),
        validation: slice(data, 450, 600),
      }),
    );
    expect(result.history.at(-1)?.valAccuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('linear and MLP regressors fit y = 3a − 2b + 5 (metrics in the target units)', async () => {
    const data = linear({ rows: 800, seed: 9 });
    const [train, validation] = [slice(data, 0, 600), slice(data, 600, 800)];
    for (const kind of ['linear_regression', 'mlp_regressor'] as const) {
      const result = kept(
        await trainModel({
          candidate: { kind, hyperparameters: { epochs: 30, batchSize: 32, learningRate: 0.03 } },
          task: 'regression',
          train,
          validation,
        }),
      );
      const p = predict({ model: result.model, x: validation.x });
      if (p.task !== 'regression') throw new Error('expected a regressor');
      const m = regressionMetrics({ yTrue: validation.y, yPred: p.values });
      expect(m.r2).toBeGreaterThan(0.97);
      // The model holds the best epoch's weights (early stopping restores them), so compare with that epoch.
      expect(m.rmse).toBeCloseTo(result.history[result.bestEpoch - 1]?.valRmse ?? NaN, 4);
    }
  });

  it('is reproducible: same seed, same bytes', async () => {
    const candidate: ModelCandidateSpecInput = {
      kind: 'mlp_classifier',
      hyperparameters: { epochs: 3, dropout: 0.2, seed: 8 },
    };
    const a = kept(await trainModel({ candidate, task: 'classification', numClasses: 2, train: circleTrain }));
    const b = kept(await trainModel({ candidate, task: 'classification', numClasses: 2, train: circleTrain }));
    expect(Buffer.from(a.modelBytes).equals(Buffer.from(b.modelBytes))).toBe(true);
  });
});

describe('checkpoint and resume', () => {
  const candidate: ModelCandidateSpecInput = {
    kind: 'mlp_classifier',
    hyperparameters: {
      epochs: 8,
      batchSize: 64,
      dropout: 0.2,
      l2: 1e-4,
      classWeights: 'balanced',
      earlyStopping: false,
      seed: 4,
    },
  };
  const base = {
    candidate,
    task: 'classification' as const,
    numClasses: 2,
    train: circleTrain,
    validation: circleValidation,
  };

  it('a run interrupted after epoch 3 resumes at epoch 4 and ends exactly like an uninterrupted run', async () => {
    const uninterrupted = kept(await trainModel(base));
    let saved: Uint8Array | undefined;
    const crash = trainModel({
      ...base,
      onCheckpoint: ({ epoch, bytes }) => {
        if (epoch === 3) {
          saved = bytes;
          throw new Error('worker lost');
        }
      },
    });
    await expect(crash).rejects.toThrow('worker lost');
    const epochs: number[] = [];
    const resumed = kept(
      await trainModel({ ...base, resumeFrom: saved, onEpochEnd: ({ epoch }) => void epochs.push(epoch) }),
    );
    expect(epochs).toEqual([4, 5, 6, 7, 8]);
    expect(resumed).toMatchObject({ epochsRun: 8, resumedFromEpoch: 3, stoppedEarly: false });
    expect(withoutTimings(resumed.history)).toEqual(withoutTimings(uninterrupted.history));
    expect(Buffer.from(resumed.modelBytes).equals(Buffer.from(uninterrupted.modelBytes))).toBe(true);
  });

  it('checkpoints every k epochs and after the last; a finished checkpoint resumes with no epoch run', async () => {
    const checkpoints: { epoch: number; bytes: Uint8Array }[] = [];
    kept(await trainModel({ ...base, checkpointEvery: 3, onCheckpoint: (c) => void checkpoints.push(c) }));
    expect(checkpoints.map((c) => c.epoch)).toEqual([3, 6, 8]);
    const epochs: number[] = [];
    const again = kept(
      await trainModel({
        ...base,
        resumeFrom: checkpoints[2]?.bytes,
        onEpochEnd: ({ epoch }) => void epochs.push(epoch),
      }),
    );
    expect(epochs).toEqual([]);
    expect(again.epochsRun).toBe(8);
  });

  it('refuses a checkpoint of another job, and bytes that are not a checkpoint', async () => {
    let bytes: Uint8Array | undefined;
    kept(
      await trainModel({
        ...base,
        candidate: { ...candidate, hyperparameters: { epochs: 1, seed: 4 } },
        onCheckpoint: (c) => void (bytes = c.bytes),
      }),
    );
    await expect(trainModel({ ...base, resumeFrom: bytes })).rejects.toMatchObject({ code: 'CHECKPOINT_MISMATCH' });
    await expect(
      trainModel({ ...base, resumeFrom: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]) }),
    ).rejects.toMatchObject({ code: 'INVALID_ARTIFACT' });
  });

  it('stops on an aborted signal, rethrowing its reason', async () => {
    const controller = new AbortController();
    const epochs: number[] = [];
    const run = trainModel({
      ...base,
      signal: controller.signal,
      onEpochEnd: ({ epoch }) => {
        epochs.push(epoch);
        if (epoch === 2) controller.abort(new Error('cancelled by workflow'));
      },
    });
    await expect(run).rejects.toThrow('cancelled by workflow');
    expect(epochs).toEqual([1, 2]);
  });
});

describe('early stopping and class weights', () => {
  it('stops after `patience` epochs without improvement and restores the best weights', async () => {
    // minDelta 10 is unreachable for a log loss, so epoch 1 stays best: wait 1 after epoch 2, 2 after epoch 3 → stop.
    const result = kept(
      await trainModel({
        candidate: {
          kind: 'mlp_classifier',
          hyperparameters: { epochs: 20, earlyStopping: { patience: 2, minDelta: 10 } },
        },
        task: 'classification',
        numClasses: 2,
        train: circleTrain,
        validation: circleValidation,
      }),
    );
    expect(result).toMatchObject({ stoppedEarly: true, epochsRun: 3, bestEpoch: 1 });
    const p = predict({ model: result.model, x: circleValidation.x });
    if (p.task !== 'classification') throw new Error('expected a classifier');
    const loss = classificationMetrics({
      yTrue: circleValidation.y,
      probabilities: p.probabilities,
      numClasses: 2,
    }).logLoss;
    expect(loss).toBeCloseTo(result.history[0]?.valLoss ?? NaN, 5);
  });

  it('balanced weights are n / (classes × n_c); records map labels or indices', () => {
    // y = 0 0 0 1: n = 4 → class 0: 4/(2·3) = 2/3, class 1: 4/(2·1) = 2
    const weights = classWeightsFor({ y: Int32Array.from([0, 0, 0, 1]), numClasses: 2, setting: 'balanced' });
    expect(Array.from(weights ?? [])).toEqual([Math.fround(2 / 3), 2]);
    expect(
      Array.from(
        classWeightsFor({
          y: new Int32Array(0),
          numClasses: 3,
          setting: { yes: 5, '0': 2 },
          classNames: ['no', 'maybe', 'yes'],
        }) ?? [],
      ),
    ).toEqual([2, 1, 5]);
    expect(() =>
      classWeightsFor({ y: new Int32Array(0), numClasses: 2, setting: { nope: 2 }, classNames: ['a', 'b'] }),
    ).toThrow(MlError);
  });

  it('balanced class weights raise minority recall on imbalanced data', async () => {
    // keep every positive (inside the circle) only one time in ten: roughly 6% positives
    const rows = Array.from({ length: circleTrain.rowCount }, (_, i) => i).filter(
      (i) => circleTrain.y[i] === 0 || i % 10 === 0,
    );
    const x = new Float32Array(
      rows.flatMap((i) => [circleTrain.x[2 * i] as number, circleTrain.x[2 * i + 1] as number]),
    );
    const train = {
      x,
      y: Int32Array.from(rows, (i) => circleTrain.y[i] as number),
      rowCount: rows.length,
      featureCount: 2,
    };
    const recall = async (classWeights: 'none' | 'balanced') => {
      const r = kept(
        await trainModel({
          candidate: {
            kind: 'logistic_regression',
            hyperparameters: { epochs: 10, classWeights, earlyStopping: false },
          },
          task: 'classification',
          numClasses: 2,
          train,
        }),
      );
      const p = predict({ model: r.model, x: circleValidation.x });
      if (p.task !== 'classification') throw new Error('expected a classifier');
      return (
        classificationMetrics({ yTrue: circleValidation.y, probabilities: p.probabilities, numClasses: 2 }).perClass[1]
          ?.recall ?? 0
      );
    };
    expect(await recall('balanced')).toBeGreaterThan((await recall('none')) + 0.3);
  });

  it('rejects inputs that do not match the task', async () => {
    await expect(
      trainModel({
        candidate: { kind: 'linear_regression' },
        task: 'classification',
        numClasses: 2,
        train: circleTrain,
      }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(
      trainModel({
        candidate: { kind: 'mlp_classifier' },
        task: 'classification',
        numClasses: 2,
        train: { ...circleTrain, rowCount: 7 },
      }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
