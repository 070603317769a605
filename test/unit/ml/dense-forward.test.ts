import { createRng, initTfBackend, modelKind, type ModelMeta } from '../../../lib/ml';
import { predictOutputs } from '../../../lib/ml/models/kinds/dense/epoch';
import { DIRECT_FORWARD_MAX_ROWS, directForwardOf, predictDirect } from '../../../lib/ml/models/kinds/dense/forward';
import { DenseHyperparametersSchema } from '../../../lib/ml/models/kinds/dense/hyperparameters';
import { buildNetwork, type NetworkShape } from '../../../lib/ml/models/kinds/dense/network';

beforeAll(async () => {
  await initTfBackend({ preferred: 'wasm', strict: true });
});

function randomRows(rows: number, features: number, seed: number, embeddings: NetworkShape['embeddings']) {
  const rng = createRng(seed);
  const x = new Float32Array(rows * features).map(() => rng.next() * 6 - 3);
  // Category columns hold indices: some known, some out of range (the unknown index), one not an integer.
  for (const e of embeddings) {
    for (let i = 0; i < rows; i++) x[i * features + e.feature] = i % 7 === 6 ? 999 : rng.nextInt(e.vocabulary);
    x[e.feature] = 1.5;
  }
  return x;
}

const cases: Array<{ name: string; shape: Partial<NetworkShape> & { kind: string }; hp?: object }> = [
  { name: 'MLP classifier, relu, 3 classes', shape: { kind: 'mlp_classifier', outputs: 3, classifier: true } },
  {
    name: 'MLP regressor, tanh',
    shape: { kind: 'mlp_regressor', outputs: 1, classifier: false },
    hp: { activation: 'tanh', hiddenUnits: [16, 8, 4] },
  },
  {
    name: 'MLP classifier, elu',
    shape: { kind: 'mlp_classifier', outputs: 2, classifier: true },
    hp: { activation: 'elu' },
  },
  { name: 'logistic regression', shape: { kind: 'logistic_regression', outputs: 2, classifier: true } },
  { name: 'linear regression', shape: { kind: 'linear_regression', outputs: 1, classifier: false } },
  {
    name: 'MLP with two embedding columns',
    shape: {
      kind: 'mlp_classifier',
      outputs: 2,
      classifier: true,
      embeddings: [
        { column: 'zip', feature: 1, vocabulary: 11, dimension: 3 },
        { column: 'plan', feature: 4, vocabulary: 5, dimension: 2 },
      ],
    },
  },
  {
    name: 'embeddings only',
    shape: {
      kind: 'mlp_regressor',
      outputs: 1,
      classifier: false,
      embeddings: [
        { column: 'a', feature: 0, vocabulary: 4, dimension: 2 },
        { column: 'b', feature: 1, vocabulary: 9, dimension: 3 },
      ],
    },
  },
];

describe('direct forward pass of the dense kinds', () => {
  for (const c of cases) {
    it(`${c.name}: equals TensorFlow.js's predict to float32 precision`, () => {
      const embeddings = c.shape.embeddings ?? [];
      const featureCount = c.shape.kind === 'mlp_regressor' && embeddings.length === 2 ? 2 : 6;
      const network = buildNetwork({
        hyperparameters: DenseHyperparametersSchema.parse({ seed: 3, ...c.hp }),
        featureCount,
        embeddings,
        ...c.shape,
      } as NetworkShape);
      try {
        const rows = 40;
        const x = randomRows(rows, featureCount, 11, embeddings);
        const forward = directForwardOf(network, embeddings);
        expect(forward).not.toBeNull();
        const direct = predictDirect(forward!, embeddings, x, rows, featureCount);
        const reference = predictOutputs(network, embeddings, x, rows, featureCount);
        expect(direct).toHaveLength(reference.length);
        reference.forEach((v, i) => expect(Math.abs((direct[i] as number) - v)).toBeLessThan(1e-5 * (1 + Math.abs(v))));
      } finally {
        network.dispose();
      }
    });
  }

  it('is what the kind uses for small batches, and TensorFlow.js beyond DIRECT_FORWARD_MAX_ROWS', () => {
    const hp = DenseHyperparametersSchema.parse({ seed: 5 });
    const shape = { kind: 'mlp_classifier', hyperparameters: hp, featureCount: 4, outputs: 2, classifier: true };
    const network = buildNetwork({ ...shape, embeddings: [] });
    try {
      const meta: ModelMeta = {
        kind: 'mlp_classifier',
        task: 'classification',
        numClasses: 2,
        featureCount: 4,
        targetScale: null,
      };
      const kind = modelKind('mlp_classifier');
      const state = { network, embeddings: [] };
      const many = DIRECT_FORWARD_MAX_ROWS * 3;
      const x = randomRows(many, 4, 2, []);
      const large = kind.predict(state, { x, rowCount: many, meta });
      const small = kind.predict(state, { x: x.subarray(0, 4 * 8), rowCount: 8, meta });
      expect(Array.from(large)).toEqual(Array.from(predictOutputs(network, [], x, many, 4)));
      small.forEach((v, i) => expect(v).toBeCloseTo(large[i] as number, 5));
    } finally {
      network.dispose();
    }
  });
});
