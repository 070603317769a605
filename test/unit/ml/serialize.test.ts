import { createHash } from 'node:crypto';
import {
  disposeModel,
  fitFeatureTransforms,
  initTfBackend,
  loadModel,
  predict,
  predictRows,
  rowsToTable,
  serializeModel,
  tf,
  trainModel,
  buildDataset,
  type MlModel,
} from '../../../lib/ml';
import { circle, linear, slice } from './synthetic';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const models: MlModel[] = [];
const kept = (model: MlModel) => (models.push(model), model);

beforeAll(async () => {
  await initTfBackend({ preferred: 'wasm', strict: true });
});
afterAll(() => models.forEach(disposeModel));

describe('model artefact bytes', () => {
  const data = circle({ rows: 400, seed: 2 });
  const test = slice(data, 300, 400);

  it('save → load → predict gives identical predictions, and deterministic bytes', async () => {
    const result = await trainModel({
      candidate: { kind: 'mlp_classifier', hyperparameters: { epochs: 2 } },
      task: 'classification',
      numClasses: 2,
      train: slice(data, 0, 300),
    });
    kept(result.model);
    const loaded = kept(await loadModel({ bytes: result.modelBytes }));
    expect(loaded.meta).toEqual(result.model.meta);
    const before = predict({ model: result.model, x: test.x });
    const after = predict({ model: loaded, x: test.x });
    expect(after).toEqual(before);
    const again = await serializeModel({ model: loaded });
    expect(sha256(again)).toBe(sha256(result.modelBytes));
    expect(sha256(await serializeModel({ model: result.model }))).toBe(sha256(result.modelBytes));
  });

  it('predict allocates no lasting tensors', async () => {
    const result = await trainModel({
      candidate: { kind: 'logistic_regression', hyperparameters: { epochs: 1 } },
      task: 'classification',
      numClasses: 2,
      train: slice(data, 0, 300),
    });
    kept(result.model);
    predict({ model: result.model, x: test.x });
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) predict({ model: result.model, x: test.x });
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('a training run leaves no tensors behind once its model is disposed', async () => {
    const before = tf.memory().numTensors;
    const result = await trainModel({
      candidate: { kind: 'mlp_classifier', hyperparameters: { epochs: 2, dropout: 0.1, l2: 0.01 } },
      task: 'classification',
      numClasses: 2,
      train: slice(data, 0, 300),
      validation: test,
      onEpochEnd: async ({ checkpoint }) => void (await checkpoint()),
    });
    disposeModel(result.model);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bytes that are not a model artefact', async () => {
    await expect(loadModel({ bytes: new TextEncoder().encode('definitely not a model') })).rejects.toMatchObject({
      code: 'INVALID_ARTIFACT',
    });
    const result = await trainModel({
      candidate: { kind: 'logistic_regression', hyperparameters: { epochs: 1 } },
      task: 'classification',
      numClasses: 2,
      train: slice(data, 0, 300),
    });
    kept(result.model);
    await expect(loadModel({ bytes: result.modelBytes.subarray(0, 40) })).rejects.toMatchObject({
      code: 'INVALID_ARTIFACT',
    });
  });
});

describe('serving raw rows with embedded transforms', () => {
  const schema = {
    columns: [
      { name: 'a', type: 'numeric' as const },
      { name: 'colour', type: 'categorical' as const },
      { name: 'label', type: 'categorical' as const },
    ],
  };
  const rows = Array.from({ length: 300 }, (_, i) => {
    const a = (i % 50) / 10 - 2.5;
    const colour = ['red', 'green', 'blue'][i % 3] as string;
    return { a, colour, label: a > 0 || colour === 'red' ? 'keep' : 'drop' };
  });

  it('predictRows applies the fitted transforms and maps classes back to labels', async () => {
    const table = rowsToTable({ rows, schema });
    const fitted = fitFeatureTransforms({
      table,
      spec: { task: 'classification', label: 'label', features: ['a', 'colour'] },
    });
    const train = buildDataset({ fitted, table });
    const result = await trainModel({
      candidate: { kind: 'mlp_classifier', hyperparameters: { epochs: 30, learningRate: 0.03, earlyStopping: false } },
      task: 'classification',
      numClasses: 2,
      train,
      fitted,
    });
    kept(result.model);
    const served = kept(await loadModel({ bytes: result.modelBytes }));
    expect(served.fitted).toEqual(fitted);
    const out = predictRows({
      model: served,
      rows: [{ a: '2', colour: 'green' }, { a: -2, colour: 'green' }, { colour: 'purple' }, {}],
    });
    expect(out.predictions.slice(0, 2).map((p) => ('label' in p ? p.label : null))).toEqual(['keep', 'drop']);
    const first = out.predictions[0];
    expect(first && 'probabilities' in first && Object.keys(first.probabilities)).toEqual(['drop', 'keep']);
    // "purple" is unseen (unknown bucket); a is missing twice and colour once
    expect(out.unknownCategories).toBe(1);
    expect(out.imputedCells).toBe(3);
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) predictRows({ model: served, rows: rows.slice(0, 20) });
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('regression predictions come back in the target units', async () => {
    const data = linear({ rows: 500, seed: 4 });
    const result = await trainModel({
      candidate: { kind: 'linear_regression', hyperparameters: { epochs: 20, learningRate: 0.05 } },
      task: 'regression',
      train: data,
    });
    kept(result.model);
    const p = predict({ model: result.model, x: Float32Array.from([0, 0, 1, -1]) });
    // y = 3a − 2b + 5: (0, 0) → 5 and (1, −1) → 10
    if (p.task !== 'regression') throw new Error('expected a regressor');
    expect(p.values[0]).toBeCloseTo(5, 1);
    expect(p.values[1]).toBeCloseTo(10, 1);
  });
});
