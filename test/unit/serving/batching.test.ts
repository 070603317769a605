import {
  buildDataset,
  disposeModel,
  fitFeatureTransforms,
  initTfBackend,
  modelKind,
  predictRows,
  rowsToTable,
  trainModel,
  type MlModel,
  type TableSchema,
} from '../../../lib/ml';
import { createPredictBatcher } from '../../../lib/serving/batching';

const schema: TableSchema = {
  columns: [
    { name: 'a', type: 'numeric' },
    { name: 'colour', type: 'categorical' },
    { name: 'label', type: 'categorical' },
  ],
};
const rows = Array.from({ length: 300 }, (_, i) => {
  const a = (i % 50) / 10 - 2.5;
  const colour = ['red', 'green', 'blue'][i % 3] as string;
  return { a, colour, label: a > 0 || colour === 'red' ? 'keep' : 'drop' };
});

let model: MlModel;
beforeAll(async () => {
  await initTfBackend({ preferred: 'wasm', strict: true });
  const table = rowsToTable({ rows, schema });
  const fitted = fitFeatureTransforms({
    table,
    spec: { task: 'classification', label: 'label', features: ['a', 'colour'] },
  });
  const result = await trainModel({
    candidate: { kind: 'mlp_classifier', hyperparameters: { epochs: 5, earlyStopping: false } },
    task: 'classification',
    numClasses: 2,
    train: buildDataset({ fitted, table }),
    fitted,
  });
  model = result.model;
});
afterAll(() => disposeModel(model));
afterEach(() => jest.restoreAllMocks());

const request = (i: number, n: number) => rows.slice(i, i + n).map(({ label: _label, ...r }) => r);

function expected(input: Array<Record<string, unknown>>) {
  return predictRows({ model, rows: input }).predictions.map((p) =>
    'label' in p ? { prediction: p.label, probabilities: p.probabilities } : { prediction: p.value },
  );
}

function expectClose(actual: Array<{ probabilities?: Record<string, number> }>, want: typeof actual): void {
  expect(actual).toHaveLength(want.length);
  actual.forEach((p, i) => {
    for (const [label, v] of Object.entries(want[i]?.probabilities ?? {}))
      expect(p.probabilities?.[label]).toBeCloseTo(v, 5);
  });
}

describe('dynamic micro-batching', () => {
  it('answers requests arriving together with one forward pass, each with its own rows', async () => {
    const predict = jest.spyOn(modelKind('mlp_classifier'), 'predict');
    const batcher = createPredictBatcher(model, { windowMs: 0, maxRows: 256 });
    const inputs = [request(0, 1), request(10, 3), request(50, 1), request(100, 7)];
    const answers = await Promise.all(inputs.map((r) => batcher.predict(r)));
    expect(predict).toHaveBeenCalledTimes(1);
    expect(predict.mock.calls[0]?.[1].rowCount).toBe(12);
    answers.forEach((answer, k) => {
      const want = expected(inputs[k] as Array<Record<string, unknown>>);
      expect(answer.map((p) => p.prediction)).toEqual(want.map((p) => p.prediction));
      expectClose(answer, want);
    });
  });

  it('waits at most windowMs for others, and flushes at once when a batch is full', async () => {
    const predict = jest.spyOn(modelKind('mlp_classifier'), 'predict');
    const batcher = createPredictBatcher(model, { windowMs: 30, maxRows: 4 });
    const first = batcher.predict(request(0, 1));
    // Still queued after the current turn of the event loop: the window holds it for later requests.
    await new Promise((resolve) => setImmediate(resolve));
    expect(batcher.pending).toBe(1);
    const second = batcher.predict(request(1, 1));
    expect(batcher.pending).toBe(2);
    await Promise.all([first, second]);
    expect(predict).toHaveBeenCalledTimes(1);
    // Four rows fill the batch: no wait. A request as large as a batch goes alone.
    const full = [1, 2, 3, 4].map((i) => batcher.predict(request(i, 1)));
    expect(batcher.pending).toBe(0);
    await Promise.all([...full, batcher.predict(request(0, 9))]);
    expect(predict).toHaveBeenCalledTimes(3);
  });

  it('when the shared pass fails, answers each request on its own: only the bad one fails', async () => {
    const kind = modelKind('mlp_classifier');
    const real = kind.predict.bind(kind);
    // A stand-in for a kernel failure caused by one request's values (|x| > 1e20): the batch holding it fails.
    const predict = jest.spyOn(kind, 'predict').mockImplementation((state, args) => {
      if (args.x.some((v) => Math.abs(v) > 1e20)) throw new Error('kernel failure');
      return real(state, args);
    });
    const batcher = createPredictBatcher(model, { windowMs: 0, maxRows: 256 });
    const good = batcher.predict(request(0, 2));
    const bad = batcher.predict([{ a: 1e35, colour: 'red' }]);
    const alsoGood = batcher.predict(request(5, 1));
    await expect(good).resolves.toHaveLength(2);
    await expect(bad).rejects.toThrow('kernel failure');
    await expect(alsoGood).resolves.toHaveLength(1);
    // One failed shared pass, then one pass per request.
    expect(predict).toHaveBeenCalledTimes(4);
    expectClose(await good, expected(request(0, 2)));
  });
});
