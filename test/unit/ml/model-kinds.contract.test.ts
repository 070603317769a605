import {
  disposeModel,
  featureImportanceOf,
  initTfBackend,
  loadModel,
  MODEL_KIND_REGISTRY,
  ModelCandidateSpecSchema,
  predict,
  regressionMetrics,
  serializeModel,
  tf,
  trainModel,
  type Dataset,
  type MlModel,
  type TrainArgs,
  type TrainResult,
} from '../../../lib/ml';
import { blobs, linear, slice } from './synthetic';

// The contract every registered kind keeps: a new kind is checked by this suite with no change to it (fast settings
// below are optional; defaults are used for a kind not listed).
const FAST: Record<string, Record<string, unknown>> = {
  logistic_regression: { epochs: 4, batchSize: 16, learningRate: 0.05, earlyStopping: false },
  mlp_classifier: { epochs: 4, batchSize: 16, learningRate: 0.05, hiddenUnits: [8], earlyStopping: false },
  linear_regression: { epochs: 4, batchSize: 16, learningRate: 0.05, earlyStopping: false },
  mlp_regressor: { epochs: 4, batchSize: 16, learningRate: 0.05, hiddenUnits: [8], earlyStopping: false },
  random_forest: { trees: 8, treesPerEpoch: 2 },
  gradient_boosting: { rounds: 16, learningRate: 0.3, roundsPerEpoch: 4, earlyStopping: false },
};

const models: MlModel[] = [];
const kept = (model: MlModel) => (models.push(model), model);

beforeAll(async () => {
  await initTfBackend({ preferred: 'wasm', strict: true });
});
afterAll(() => models.forEach(disposeModel));

const classes = blobs({ rows: 450, seed: 3 });
const values = linear({ rows: 450, seed: 3 });
const withoutTimings = (history: { durationMs: number; samplesPerSecond: number }[]) =>
  history.map(({ durationMs: _d, samplesPerSecond: _s, ...rest }) => rest);

for (const kind of MODEL_KIND_REGISTRY) {
  for (const task of kind.tasks) {
    const data: Dataset = task === 'classification' ? classes : values;
    const base: TrainArgs = {
      candidate: { kind: kind.name, hyperparameters: { seed: 5, ...FAST[kind.name] } },
      task,
      numClasses: task === 'classification' ? 3 : undefined,
      train: slice(data, 0, 300),
      validation: slice(data, 300, 400),
    };
    const test = slice(data, 400, 450);

    describe(`model kind ${kind.name} (${task})`, () => {
      // One training shared by the checks that only read its result.
      const epochsSeen: number[] = [];
      let first: Promise<TrainResult> | undefined;
      const trained = () =>
        (first ??= trainModel({ ...base, onEpochEnd: ({ epoch }) => void epochsSeen.push(epoch) }).then((r) => {
          kept(r.model);
          return r;
        }));

      it('declares a strict, fully defaulted hyperparameter schema, reachable from specs', () => {
        expect(() => kind.hyperparameters.parse({})).not.toThrow();
        expect(() => kind.hyperparameters.parse({ noSuchField: 1 })).toThrow(/noSuchField|Unrecognized/);
        expect(ModelCandidateSpecSchema.parse({ kind: kind.name })).toMatchObject({ kind: kind.name });
        expect(kind.description.length).toBeGreaterThan(20);
      });

      it('trains with per-epoch progress, round-trips its artefact, and is seeded', async () => {
        const a = await trained();
        expect(epochsSeen).toEqual(Array.from({ length: a.epochsRun }, (_, i) => i + 1));
        expect(a.history).toHaveLength(a.epochsRun);
        const loaded = kept(await loadModel({ bytes: a.modelBytes }));
        expect(loaded.meta).toEqual(a.model.meta);
        expect(predict({ model: loaded, x: test.x })).toEqual(predict({ model: a.model, x: test.x }));
        expect(Buffer.from(await serializeModel({ model: loaded })).equals(Buffer.from(a.modelBytes))).toBe(true);
        const b = await trainModel(base);
        kept(b.model);
        expect(Buffer.from(b.modelBytes).equals(Buffer.from(a.modelBytes))).toBe(true);
      });

      it('predicts better than chance on held-out rows', async () => {
        const result = await trained();
        const p = predict({ model: result.model, x: test.x });
        if (p.task === 'classification') {
          const correct = p.classIndices.filter((c, i) => c === test.y[i]).length;
          expect(correct / test.rowCount).toBeGreaterThan(0.8);
        } else {
          expect(regressionMetrics({ yTrue: test.y, yPred: p.values }).r2).toBeGreaterThan(0.8);
        }
      });

      it('native feature importance exactly when the capability says so', async () => {
        const result = await trained();
        const importance = featureImportanceOf({ model: result.model, featureNames: ['a', 'b'] });
        if (!kind.capabilities.featureImportance) {
          expect(importance).toBeNull();
          return;
        }
        expect(importance?.features.map((f) => f.feature).sort()).toEqual(['a', 'b']);
        const total = importance?.features.reduce((s, f) => s + f.importance, 0) ?? 0;
        expect(total).toBeCloseTo(1, 10);
      });

      it('checkpoints exactly when the capability says so, and resumes from one like an uninterrupted run', async () => {
        if (!kind.capabilities.checkpointing) {
          // The activity starts such a kind over on a retry: it must never hand out a checkpoint to resume from.
          let checkpoints = 0;
          const result = await trainModel({
            ...base,
            onCheckpoint: () => {
              checkpoints += 1;
            },
          });
          kept(result.model);
          expect(checkpoints).toBe(0);
          return;
        }
        const uninterrupted = await trained();
        let saved: Uint8Array | undefined;
        const crash = trainModel({
          ...base,
          onCheckpoint: ({ epoch, bytes }) => {
            if (epoch === 1) {
              saved = bytes;
              throw new Error('worker lost');
            }
          },
        });
        await expect(crash).rejects.toThrow('worker lost');
        const resumed = await trainModel({ ...base, resumeFrom: saved });
        kept(resumed.model);
        expect(resumed.resumedFromEpoch).toBe(1);
        expect(withoutTimings(resumed.history)).toEqual(withoutTimings(uninterrupted.history));
        expect(Buffer.from(resumed.modelBytes).equals(Buffer.from(uninterrupted.modelBytes))).toBe(true);
        const otherSeed = { ...base, candidate: { kind: kind.name, hyperparameters: { ...FAST[kind.name], seed: 6 } } };
        await expect(trainModel({ ...otherSeed, resumeFrom: saved })).rejects.toMatchObject({
          code: 'CHECKPOINT_MISMATCH',
        });
      });

      it('leaves no tensors behind once the model is disposed', async () => {
        const before = tf.memory().numTensors;
        const result = await trainModel({ ...base, onEpochEnd: async ({ checkpoint }) => void (await checkpoint()) });
        disposeModel(result.model);
        expect(tf.memory().numTensors).toBe(before);
      });
    });
  }
}
