import {
  classificationMetrics,
  featureImportanceOf,
  loadModel,
  predict,
  regressionMetrics,
  trainModel,
  type Dataset,
  type TrainArgs,
} from '../../../lib/ml';
import { binOf, binRows, fitBins } from '../../../lib/ml/models/kinds/trees/binning';
import type { TreeModelState } from '../../../lib/ml/models/kinds/trees/model';
import { circle, linear, slice } from './synthetic';

function dataset(x: number[][], y: number[], classification: boolean): Dataset {
  return {
    x: Float32Array.from(x.flat()),
    y: classification ? Int32Array.from(y) : Float32Array.from(y),
    rowCount: y.length,
    featureCount: x[0]?.length ?? 0,
  };
}

/** Trains, then predicts the given rows: values, or class probabilities row by row. */
async function values(args: TrainArgs, x: number[][]): Promise<number[]> {
  const r = await trainModel(args);
  const p = predict({ model: r.model, x: Float32Array.from(x.flat()) });
  return p.task === 'regression' ? Array.from(p.values) : Array.from(p.probabilities);
}

describe('histogram binning', () => {
  it('cuts between distinct values when there are few, at equal-frequency points otherwise', () => {
    const few = fitBins({ x: Float32Array.from([3, 1, 2, 2, 1]), rowCount: 5, featureCount: 1, maxBins: 255 });
    expect(Array.from(few.thresholds[0] ?? [])).toEqual([1.5, 2.5]);
    expect(few.binCounts[0]).toBe(3);
    const many = fitBins({
      x: Float32Array.from({ length: 1000 }, (_, i) => i),
      rowCount: 1000,
      featureCount: 1,
      maxBins: 4,
    });
    expect(Array.from(many.thresholds[0] ?? [])).toEqual([249.5, 499.5, 749.5]);
    const t = many.thresholds[0] as Float64Array;
    expect([0, 249, 250, 749.5, 750, 999, Number.NaN].map((v) => binOf(t, v))).toEqual([0, 0, 1, 2, 3, 3, 3]);
  });

  it('bins rows per feature, row-major, in the bin where x ≤ threshold holds first', () => {
    const x = Float32Array.from([0, 10, 1, 20, 2, 10]);
    const bins = fitBins({ x, rowCount: 3, featureCount: 2, maxBins: 255 });
    expect(Array.from(bins.offsets)).toEqual([0, 3]);
    expect(Array.from(binRows({ x, rowCount: 3, featureCount: 2, bins }))).toEqual([0, 0, 1, 1, 2, 0]);
  });
});

describe('random forest: known answers', () => {
  const step = dataset([[0.1], [0.2], [0.3], [0.7], [0.8], [0.9]], [1, 1, 1, 3, 3, 3], false);
  const oneTree = { trees: 1, bootstrap: false, maxFeatures: 'all' as const, seed: 1 };

  it('one unsampled regression tree splits a step between its sides and predicts each side’s mean', async () => {
    const r = await trainModel({
      candidate: { kind: 'random_forest', hyperparameters: oneTree },
      task: 'regression',
      train: step,
    });
    const state = r.model.state as TreeModelState;
    const tree = state.ensemble.trees[0];
    expect(tree?.feature[0]).toBe(0);
    expect(tree?.threshold[0]).toBeCloseTo(0.5, 6);
    const p = predict({ model: r.model, x: Float32Array.from([0, 0.49, 0.51, 5]) });
    expect(p.task === 'regression' && Array.from(p.values)).toEqual([1, 1, 3, 3]);
  });

  it('a classification forest on separable data gives pure class distributions', async () => {
    const labels = dataset([[0], [1], [2], [10], [11], [12]], [0, 0, 0, 1, 1, 1], true);
    const r = await trainModel({
      candidate: { kind: 'random_forest', hyperparameters: { ...oneTree, trees: 3 } },
      task: 'classification',
      numClasses: 2,
      train: labels,
    });
    const p = predict({ model: r.model, x: Float32Array.from([-5, 1.5, 10.5, 50]) });
    expect(p.task === 'classification' && Array.from(p.probabilities)).toEqual([1, 0, 1, 0, 0, 1, 0, 1]);
  });

  it('importance is split gain: a feature no split uses gets 0', async () => {
    const twoFeatures = dataset(
      Array.from({ length: 6 }, (_, i) => [step.x[i] as number, 7]),
      Array.from(step.y),
      false,
    );
    const r = await trainModel({
      candidate: { kind: 'random_forest', hyperparameters: oneTree },
      task: 'regression',
      train: twoFeatures,
    });
    expect(featureImportanceOf({ model: r.model, featureNames: ['step', 'constant'] })).toEqual({
      type: 'gain',
      features: [
        { feature: 'step', importance: 1 },
        { feature: 'constant', importance: 0 },
      ],
    });
  });

  it('learns the circle (≥ 0.93 accuracy) and y = 3a − 2b + 5 (r² ≥ 0.95)', async () => {
    const c = circle({ rows: 1500, seed: 11 });
    const r = await trainModel({
      candidate: { kind: 'random_forest' },
      task: 'classification',
      numClasses: 2,
      train: slice(c, 0, 1200),
    });
    const p = predict({ model: r.model, x: slice(c, 1200, 1500).x });
    if (p.task !== 'classification') throw new Error('expected a classifier');
    expect(
      classificationMetrics({ yTrue: slice(c, 1200, 1500).y, probabilities: p.probabilities, numClasses: 2 }).accuracy,
    ).toBeGreaterThanOrEqual(0.93);
    const l = linear({ rows: 1000, seed: 9 });
    const reg = await trainModel({ candidate: { kind: 'random_forest' }, task: 'regression', train: slice(l, 0, 800) });
    const v = predict({ model: reg.model, x: slice(l, 800, 1000).x });
    if (v.task !== 'regression') throw new Error('expected a regressor');
    expect(regressionMetrics({ yTrue: slice(l, 800, 1000).y, yPred: v.values }).r2).toBeGreaterThanOrEqual(0.95);
  });

  it('another seed gives another forest', async () => {
    const c = circle({ rows: 300, seed: 2 });
    const run = (seed: number) =>
      trainModel({
        candidate: { kind: 'random_forest', hyperparameters: { trees: 5, seed } },
        task: 'classification',
        numClasses: 2,
        train: c,
      });
    const [a, b] = await Promise.all([run(1), run(2)]);
    expect(Buffer.from(a.modelBytes).equals(Buffer.from(b.modelBytes))).toBe(false);
  });
});

describe('gradient boosting: known answers', () => {
  const stump = { rounds: 1, learningRate: 1, maxDepth: 1, minSamplesLeaf: 1, earlyStopping: false as const };

  it('regression: one full-rate stump from the mean lands on each side’s mean', async () => {
    const train = dataset([[0], [1], [2], [3]], [2, 4, 10, 12], false);
    const p = await values(
      { candidate: { kind: 'gradient_boosting', hyperparameters: stump }, task: 'regression', train },
      [[0], [3]],
    );
    expect(p[0]).toBeCloseTo(3, 10);
    expect(p[1]).toBeCloseTo(11, 10);
  });

  it('binary: the first round starts at the log-odds of the base rate and adds the Newton step G/H per leaf', async () => {
    // 1 positive in 4: p0 = 0.25, base = ln(1/3). The stump separates rows 0-2 (y = 0) from row 3 (y = 1):
    // left leaf = Σ(0 − p0) / Σ p0(1 − p0) = −1/(1 − p0); right leaf = (1 − p0) / (p0(1 − p0)) = 1/p0.
    const train = dataset([[0], [1], [2], [3]], [0, 0, 0, 1], true);
    const p = await values(
      {
        candidate: { kind: 'gradient_boosting', hyperparameters: stump },
        task: 'classification',
        numClasses: 2,
        train,
      },
      [[0], [3]],
    );
    const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
    const base = Math.log(1 / 3);
    expect(p[1]).toBeCloseTo(sigmoid(base - 1 / 0.75), 6);
    expect(p[3]).toBeCloseTo(sigmoid(base + 1 / 0.25), 6);
    expect((p[0] as number) + (p[1] as number)).toBeCloseTo(1, 6);
  });

  it('multiclass: softmax over one score per class; learns three blobs', async () => {
    const x = [[-2], [-2.1], [0], [0.1], [2], [2.1]];
    const train = dataset(x, [0, 0, 1, 1, 2, 2], true);
    const p = await values(
      {
        candidate: {
          kind: 'gradient_boosting',
          hyperparameters: { ...stump, rounds: 20, learningRate: 0.5, maxDepth: 2 },
        },
        task: 'classification',
        numClasses: 3,
        train,
      },
      [[-2], [0], [2]],
    );
    for (let row = 0; row < 3; row++) {
      const probs = p.slice(row * 3, row * 3 + 3);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(probs.indexOf(Math.max(...probs))).toBe(row);
    }
  });

  it('early stopping watches the validation loss per round and keeps the best round’s trees', async () => {
    const c = circle({ rows: 600, seed: 4 });
    const r = await trainModel({
      candidate: {
        kind: 'gradient_boosting',
        hyperparameters: {
          rounds: 400,
          learningRate: 0.5,
          maxDepth: 6,
          minSamplesLeaf: 1,
          earlyStopping: { patience: 5 },
          roundsPerEpoch: 5,
        },
      },
      task: 'classification',
      numClasses: 2,
      train: slice(c, 0, 400),
      validation: slice(c, 400, 600),
    });
    expect(r.stoppedEarly).toBe(true);
    expect(r.epochsRun).toBeLessThan(80);
    const trees = (r.model.state as TreeModelState).ensemble.trees.length;
    expect(trees).toBeLessThanOrEqual(r.epochsRun * 5 - 5);
    expect(r.bestEpoch).toBe(Math.ceil(trees / 5));
    const reloaded = await loadModel({ bytes: r.modelBytes });
    expect((reloaded.state as TreeModelState).ensemble.trees).toHaveLength(trees);
  });

  it('refuses class indices outside the classes and non-finite targets before training', async () => {
    const x = [[0], [1], [2]];
    await expect(
      trainModel({
        candidate: { kind: 'gradient_boosting' },
        task: 'classification',
        numClasses: 2,
        train: dataset(x, [0, 1, 2], true),
      }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('Class index 2') });
    await expect(
      trainModel({ candidate: { kind: 'random_forest' }, task: 'regression', train: dataset(x, [1, NaN, 3], false) }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('refuses a damaged artefact', async () => {
    const r = await trainModel({
      candidate: { kind: 'gradient_boosting', hyperparameters: { rounds: 3 } },
      task: 'regression',
      train: linear({ rows: 200, seed: 1 }),
    });
    const damaged = r.modelBytes.slice(0, r.modelBytes.length - 16);
    await expect(loadModel({ bytes: damaged })).rejects.toMatchObject({ code: 'INVALID_ARTIFACT' });
  });
});
