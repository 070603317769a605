import {
  applyTransforms,
  buildDataset,
  createRng,
  defaultEmbeddingDimension,
  disposeModel,
  embeddingColumnsOf,
  fitFeatureTransforms,
  initTfBackend,
  loadModel,
  predict,
  predictRows,
  rowsToTable,
  trainModel,
  type FeatureSpecInput,
  type MlModel,
  type TableSchema,
} from '../../../lib/ml';
import type { DenseState } from '../../../lib/ml/models/kinds/dense/train';

const models: MlModel[] = [];
const kept = (model: MlModel) => (models.push(model), model);
beforeAll(async () => {
  await initTfBackend({ preferred: 'wasm', strict: true });
});
afterAll(() => models.forEach(disposeModel));

const SCHEMA: TableSchema = {
  columns: [
    { name: 'zip', type: 'categorical' },
    { name: 'x', type: 'numeric' },
    { name: 'y', type: 'categorical' },
  ],
};

/**
 * 60 zip codes, half of them "risky" at random: the label is risky XOR (x > 0). A model must learn each zip's
 * risk, which one number per zip (its embedding) captures; the zip's index itself says nothing (random order).
 */
function zipRows(count: number, seed: number): Array<{ zip: string; x: number; y: string }> {
  const rng = createRng(seed);
  const risky = new Set(Array.from({ length: 60 }, (_, i) => i).filter(() => rng.next() < 0.5));
  return Array.from({ length: count }, () => {
    const z = rng.nextInt(60);
    const x = rng.next() * 2 - 1;
    return { zip: `z${z}`, x, y: risky.has(z) !== x > 0 ? 'yes' : 'no' };
  });
}

const spec = (features: FeatureSpecInput['features']): FeatureSpecInput => ({
  task: 'classification',
  label: 'y',
  features,
});

describe('embedding transform', () => {
  const table = rowsToTable({
    rows: [
      { zip: 'a', x: 1, y: 'no' },
      { zip: 'b', x: 2, y: 'yes' },
      { zip: 'a', x: 3, y: 'no' },
      { zip: null, x: 4, y: 'yes' },
      { zip: 'c', x: 5, y: 'no' },
    ],
    schema: SCHEMA,
  });

  it('maps categories to indices by frequency; unseen and missing values share the last (unknown) index', () => {
    const fitted = fitFeatureTransforms({ table, spec: spec([{ column: 'zip', transform: 'embedding' }, 'x']) });
    expect(fitted.features[0]).toEqual({
      column: 'zip',
      transform: 'embedding',
      fill: null,
      categories: ['a', 'b', 'c'],
      dimension: defaultEmbeddingDimension(4),
    });
    expect(fitted.featureNames).toEqual(['zip#index', 'x']);
    expect(embeddingColumnsOf(fitted)).toEqual([
      { column: 'zip', feature: 0, vocabulary: 4, dimension: defaultEmbeddingDimension(4) },
    ]);
    const out = applyTransforms({ fitted, rows: [{ zip: 'b' }, { zip: 'c' }, { zip: 'never-seen' }, { x: 1 }] });
    expect(Array.from(out.features).filter((_, i) => i % 2 === 0)).toEqual([1, 2, 3, 3]);
    expect(out.unknownCategories).toBe(1);
  });

  it('honours dimension, maxCategories, minFrequency and imputation', () => {
    const fitted = fitFeatureTransforms({
      table,
      spec: spec([
        { column: 'zip', transform: 'embedding', dimension: 3, maxCategories: 1, impute: { strategy: 'mode' } },
      ]),
    });
    expect(fitted.features[0]).toMatchObject({ categories: ['a'], dimension: 3, fill: 'a' });
    const out = applyTransforms({ fitted, rows: [{ zip: 'a' }, { zip: 'b' }, {}] });
    expect(Array.from(out.features)).toEqual([0, 1, 0]);
    expect(defaultEmbeddingDimension(1000)).toBe(50);
    expect(defaultEmbeddingDimension(10)).toBe(6);
  });
});

describe('entity embeddings in the dense kinds', () => {
  const rows = zipRows(2000, 1);
  const all = rowsToTable({ rows, schema: SCHEMA });
  const trainRows = Array.from({ length: 1600 }, (_, i) => i);
  const testRows = Array.from({ length: 400 }, (_, i) => 1600 + i);
  const candidate = {
    kind: 'mlp_classifier',
    hyperparameters: {
      epochs: 10,
      batchSize: 32,
      learningRate: 0.03,
      hiddenUnits: [16],
      earlyStopping: false,
      seed: 3,
    },
  };

  async function trainWith(zip: FeatureSpecInput['features'][number]) {
    const fitted = fitFeatureTransforms({ table: all, spec: spec([zip, 'x']), trainRows });
    const train = buildDataset({ fitted, table: all, rows: trainRows });
    const test = buildDataset({ fitted, table: all, rows: testRows });
    const result = await trainModel({ candidate, task: 'classification', numClasses: 2, train, fitted });
    kept(result.model);
    const p = predict({ model: result.model, x: test.x });
    if (p.task !== 'classification') throw new Error('expected a classifier');
    const accuracy = p.classIndices.filter((c, i) => c === test.y[i]).length / test.rowCount;
    return { fitted, result, accuracy, test };
  }

  let trained: ReturnType<typeof trainWith> | undefined;
  const withEmbedding = () => (trained ??= trainWith({ column: 'zip', transform: 'embedding', dimension: 4 }));

  it('learns each category’s vector: far better than reading the category index as a number', async () => {
    const embedded = await withEmbedding();
    const network = (embedded.result.model.state as DenseState).network;
    const table = network.getLayer('embedding_0').getWeights()[0];
    expect(table?.shape).toEqual([61, 4]);
    expect(embedded.accuracy).toBeGreaterThan(0.9);

    // The same index fed to an MLP as a plain number (how a non-embedding kind reads it) cannot recover the risk.
    const fitted = fitFeatureTransforms({
      table: all,
      spec: spec([{ column: 'zip', transform: 'embedding' }, 'x']),
      trainRows,
    });
    const asNumber = await trainModel({
      candidate,
      task: 'classification',
      numClasses: 2,
      train: buildDataset({ fitted, table: all, rows: trainRows }),
    });
    kept(asNumber.model);
    const p = predict({ model: asNumber.model, x: embedded.test.x });
    if (p.task !== 'classification') throw new Error('expected a classifier');
    const plain = p.classIndices.filter((c, i) => c === embedded.test.y[i]).length / embedded.test.rowCount;
    expect(embedded.accuracy).toBeGreaterThan(plain + 0.15);
  });

  it('serves raw rows through the same transforms (unknown zip → the unknown vector), after a round trip', async () => {
    const { result, fitted, test } = await withEmbedding();
    const served = kept(await loadModel({ bytes: result.modelBytes }));
    const rawRows = testRows.slice(0, 50).map((i) => ({ zip: rows[i]?.zip, x: rows[i]?.x }));
    const fromRows = predictRows({ model: served, rows: rawRows });
    const offline = predict({ model: result.model, x: test.x.subarray(0, 50 * 2), rowCount: 50 });
    if (offline.task !== 'classification') throw new Error('expected a classifier');
    fromRows.predictions.forEach((p, i) => {
      if (!('probabilities' in p)) throw new Error('expected probabilities');
      expect(p.probabilities.yes).toBeCloseTo(offline.probabilities[i * 2 + 1] as number, 6);
    });
    const unseen = [{ zip: 'z999', x: 0.5 }, { zip: 'elsewhere', x: 0.5 }, { x: 0.5 }];
    const unknownIndex = (fitted.features[0] as { categories: string[] }).categories.length;
    expect(applyTransforms({ fitted, rows: unseen }).features.filter((_, i) => i % 2 === 0)).toEqual(
      Float32Array.from([unknownIndex, unknownIndex, unknownIndex]),
    );
    const answers = predictRows({ model: served, rows: unseen });
    expect(answers.unknownCategories).toBe(2);
    const [a, b, c] = answers.predictions.map((p) => ('probabilities' in p ? p.probabilities.yes : NaN));
    expect(a).toBe(b);
    expect(a).toBe(c);
  });

  it('is seeded and resumes from a checkpoint exactly, embeddings included', async () => {
    const fitted = fitFeatureTransforms({
      table: all,
      spec: spec([{ column: 'zip', transform: 'embedding' }, 'x']),
      trainRows,
    });
    const train = buildDataset({ fitted, table: all, rows: trainRows.slice(0, 600) });
    const base = {
      candidate: { ...candidate, hyperparameters: { ...candidate.hyperparameters, epochs: 4, dropout: 0.1 } },
      task: 'classification' as const,
      numClasses: 2,
      train,
      fitted,
    };
    const a = await trainModel(base);
    kept(a.model);
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
    const resumed = await trainModel({ ...base, resumeFrom: saved });
    kept(resumed.model);
    expect(resumed.resumedFromEpoch).toBe(2);
    expect(Buffer.from(resumed.modelBytes).equals(Buffer.from(a.modelBytes))).toBe(true);
  });
});
