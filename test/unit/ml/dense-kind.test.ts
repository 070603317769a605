import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  disposeModel,
  initTfBackend,
  loadModel,
  predictRows,
  serializeModel,
  tf,
  type MlModel,
  type RowPrediction,
} from '../../../lib/ml';
import { runEpoch, type EpochConfig } from '../../../lib/ml/models/kinds/dense/epoch';
import { DenseHyperparametersSchema } from '../../../lib/ml/models/kinds/dense/hyperparameters';
import { trainingTensors, disposeTrainingTensors } from '../../../lib/ml/models/kinds/dense/inputs';
import { buildNetwork } from '../../../lib/ml/models/kinds/dense/network';
import { formerRunEpoch } from '../../helpers/former-epoch';
import { FIXTURES } from './helpers';
import { circle } from './synthetic';

const models: MlModel[] = [];
const kept = (model: MlModel) => (models.push(model), model);

beforeAll(async () => {
  await initTfBackend({ preferred: 'wasm', strict: true });
});
afterAll(() => models.forEach(disposeModel));

interface Expected {
  rows: Array<Record<string, unknown>>;
  predictions: RowPrediction[];
  imputedCells: number;
  unknownCategories: number;
}

function expectSamePredictions(actual: RowPrediction[], expected: RowPrediction[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((p, i) => {
    const e = expected[i] as RowPrediction;
    if ('value' in e) {
      expect('value' in p && p.value).toBeCloseTo(e.value, 3);
      return;
    }
    if (!('label' in p)) throw new Error('expected a class prediction');
    expect(p.label).toBe(e.label);
    for (const [label, probability] of Object.entries(e.probabilities)) {
      expect(p.probabilities[label]).toBeCloseTo(probability, 5);
    }
  });
}

describe('artefacts written by the first (pre-registry) format', () => {
  // Written by the code before model kinds became plug-ins (see the fixtures' commit), with that code's predictions.
  for (const name of ['mlp-classifier-v1', 'linear-regression-v1']) {
    it(`${name} loads through the registry and predicts what the old code predicted`, async () => {
      const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'legacy-models', `${name}.model`)));
      expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true)).toBe(1);
      const expected = JSON.parse(
        readFileSync(join(FIXTURES, 'legacy-models', `${name}.expected.json`), 'utf8'),
      ) as Expected;
      const model = kept(await loadModel({ bytes }));
      const served = predictRows({ model, rows: expected.rows });
      expectSamePredictions(served.predictions, expected.predictions);
      expect(served.imputedCells).toBe(expected.imputedCells);
      expect(served.unknownCategories).toBe(expected.unknownCategories);

      // Saved again it is in the current format, and still predicts the same.
      const again = await serializeModel({ model });
      expect(new DataView(again.buffer, again.byteOffset).getUint32(4, true)).toBe(2);
      const reloaded = kept(await loadModel({ bytes: again }));
      expectSamePredictions(predictRows({ model: reloaded, rows: expected.rows }).predictions, expected.predictions);
    });
  }
});

describe('mini-batches are gathered outside the gradient tape', () => {
  it('gives bit-identical losses and weights to gathering inside the loss closure (the former code)', async () => {
    const data = circle({ rows: 700, seed: 5 });
    const hp = DenseHyperparametersSchema.parse({ hiddenUnits: [8], dropout: 0.2, l2: 1e-3, batchSize: 64, seed: 9 });
    const shape = { kind: 'mlp_classifier', hyperparameters: hp, featureCount: 2, outputs: 2, classifier: true };
    const nets = [buildNetwork({ ...shape, embeddings: [] }), buildNetwork({ ...shape, embeddings: [] })];
    const optimizers = [tf.train.adam(0.02), tf.train.adam(0.02)];
    const tensors = trainingTensors({
      train: data,
      embeddings: [],
      numClasses: 2,
      classifier: true,
      targetScale: null,
      classWeights: Float32Array.from([1, 2]),
    });
    const configs: EpochConfig[] = nets.map((network, k) => ({
      network,
      optimizer: optimizers[k] as tf.Optimizer,
      classifier: true,
      embeddings: [],
      batchSize: hp.batchSize,
      dropout: hp.dropout,
      l2: hp.l2,
      seed: hp.seed,
    }));
    const [current, former] = configs as [EpochConfig, EpochConfig];

    try {
      for (const epoch of [1, 2, 3]) {
        expect(await runEpoch(current, tensors, epoch)).toBe(await formerRunEpoch(former, tensors, epoch));
      }
      const weights = nets.map((n) => n.getWeights().map((w) => Buffer.from((w.dataSync() as Float32Array).buffer)));
      weights[0]?.forEach((w, i) => expect(w.equals(weights[1]?.[i] as Buffer)).toBe(true));
    } finally {
      disposeTrainingTensors(tensors);
      nets.forEach((n) => n.dispose());
      optimizers.forEach((o) => o.dispose());
    }
  });
});
