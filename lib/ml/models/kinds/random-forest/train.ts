import type { Dataset } from '../../../features/dataset';
import { createRng, deriveSeed } from '../../../random';
import { classWeightsFor } from '../../class-weights';
import { inMemoryOnly, type InMemoryTrainContext, type KindTrainContext, type KindTrainOutcome } from '../../kind';
import { addTrees, type Tree, type TreeEnsemble } from '../trees/ensemble';
import { growTree, type BinnedData } from '../trees/grow';
import type { TreeModelState } from '../trees/model';
import {
  binTrainingData,
  decodeTreeCheckpoint,
  encodeTreeCheckpoint,
  epochMetrics,
  freshState,
  outputsMetrics,
  targetVariance,
  yielder,
  type OutputsMetrics,
  type TreeTrainingState,
} from '../trees/support';
import { featuresPerSplit, type RandomForestHyperparameters } from './hyperparameters';

interface Forest {
  ctx: InMemoryTrainContext<RandomForestHyperparameters>;
  data: BinnedData;
  classifier: boolean;
  /** Outputs per tree: classes, or 1. */
  K: number;
  classWeights: Float32Array | null;
  grad: Float64Array;
  hess: Float64Array;
}

/** Grows tree `t`: its rng derives from (seed, t), so a resumed run grows exactly the trees it would have grown. */
function growForestTree(f: Forest, t: number, importance: number[]): Tree {
  const { ctx, data, K, grad, hess } = f;
  const hp = ctx.hyperparameters;
  const n = data.rowCount;
  const rng = createRng(deriveSeed(hp.seed, t));
  const counts = new Int32Array(n);
  const m = Math.max(1, Math.round(hp.sampleFraction * n));
  if (hp.bootstrap) {
    for (let i = 0; i < m; i++) {
      const r = rng.nextInt(n);
      counts[r] = (counts[r] as number) + 1;
    }
  } else {
    const order = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < m; i++) {
      const j = i + rng.nextInt(n - i);
      const chosen = order[j] as number;
      order[j] = order[i] as number;
      order[i] = chosen;
      counts[chosen] = 1;
    }
  }
  const rows: number[] = [];
  const y = ctx.train.y;
  for (let r = 0; r < n; r++) {
    const c = counts[r] as number;
    if (c === 0) continue;
    rows.push(r);
    const label = y[r] as number;
    const w = c * (f.classWeights ? (f.classWeights[label] as number) : 1);
    hess[r] = w;
    if (f.classifier) {
      grad.fill(0, r * K, (r + 1) * K);
      grad[r * K + label] = w;
    } else grad[r] = w * label;
  }
  const gains = new Float64Array(data.featureCount);
  const grown = growTree({
    data,
    targets: { outputs: K, grad, hess },
    rows: Int32Array.from(rows),
    allowed: Int32Array.from({ length: data.featureCount }, (_, i) => i),
    rules: {
      maxDepth: hp.maxDepth ?? Infinity,
      minSamplesLeaf: hp.minSamplesLeaf,
      minHessian: 0,
      lambda: 0,
      minGain: 0,
      featuresPerSplit: featuresPerSplit(hp, data.featureCount, f.classifier),
    },
    rng,
    importance: gains,
  });
  gains.forEach((g, i) => (importance[i] = (importance[i] as number) + g));
  const nodes = grown.feature.length;
  const value = new Float64Array(nodes * K);
  for (let node = 0; node < nodes; node++) {
    const at = node * (K + 2);
    const h = grown.sums[at + 1] as number;
    for (let k = 0; k < K; k++) value[node * K + k] = h > 0 ? (grown.sums[at + 2 + k] as number) / h : 0;
  }
  return { feature: grown.feature, threshold: grown.threshold, left: grown.left, right: grown.right, value };
}

/** A forest predicts the mean of its trees' leaf values: class distributions or target means. */
function modelState(ensemble: TreeEnsemble, importance: readonly number[]): TreeModelState {
  const base = new Array<number>(ensemble.outputs).fill(0);
  return { ensemble, base, combine: 'mean', link: 'identity', importance: [...importance] };
}

/** Metrics of the forest so far, from the running sums of its trees' outputs. */
function metricsOf(f: Forest, sums: Float64Array, data: Dataset, trees: number, variance: number): OutputsMetrics {
  const outputs = Float32Array.from(sums, (v) => v / Math.max(1, trees));
  return outputsMetrics({ outputs, y: data.y, numClasses: f.ctx.numClasses, classifier: f.classifier, variance });
}

/**
 * Trains a random forest: each tree on a bootstrap sample, each split over a random subset of features, leaves
 * holding class distributions (classification) or means (regression); predictions average the trees. Trees are
 * grown `treesPerEpoch` at a time, with metrics and a checkpoint (the trees so far) after each group.
 */
export async function trainRandomForest(
  input: KindTrainContext<RandomForestHyperparameters>,
): Promise<KindTrainOutcome<TreeModelState>> {
  const ctx = inMemoryOnly(input);
  const hp = ctx.hyperparameters;
  const classifier = ctx.task === 'classification';
  const K = classifier ? ctx.numClasses : 1;
  const data = binTrainingData(ctx.train, hp.maxBins);
  const classWeights = classifier
    ? classWeightsFor({ y: ctx.train.y, numClasses: K, setting: hp.classWeights, classNames: ctx.classNames })
    : null;
  const f: Forest = {
    ctx,
    data,
    classifier,
    K,
    classWeights,
    grad: new Float64Array(data.rowCount * K),
    hess: new Float64Array(data.rowCount),
  };
  const restored = ctx.resumeFrom
    ? decodeTreeCheckpoint({ bytes: ctx.resumeFrom, fingerprint: ctx.fingerprint, featureCount: data.featureCount })
    : null;
  const ensemble: TreeEnsemble = restored?.ensemble ?? { outputs: K, treeWidth: K, trees: [] };
  let state: TreeTrainingState = restored?.state ?? freshState(data.featureCount);
  const resumedFromEpoch = state.epoch;
  const sets = [ctx.train, ...(ctx.validation ? [ctx.validation] : [])];
  const sums = sets.map((d) => {
    const out = new Float64Array(d.rowCount * K);
    addTrees({ ensemble, from: 0, to: ensemble.trees.length, ...d, out });
    return out;
  });
  const variance = classifier ? 1 : targetVariance(ctx.train.y);
  const epochs = Math.ceil(hp.trees / hp.treesPerEpoch);
  const pause = yielder(ctx.signal);
  while (state.rounds < hp.trees) {
    const started = performance.now();
    const end = Math.min(hp.trees, (state.epoch + 1) * hp.treesPerEpoch);
    const importance = [...state.importance];
    for (let t = state.rounds; t < end; t++) {
      ensemble.trees.push(growForestTree(f, t, importance));
      sets.forEach((d, i) => addTrees({ ensemble, from: t, to: t + 1, ...d, out: sums[i] as Float64Array }));
      await pause();
    }
    const [trainMetrics, validationMetrics] = sets.map((d, i) =>
      metricsOf(f, sums[i] as Float64Array, d, end, variance),
    );
    const epoch = state.epoch + 1;
    const metrics = epochMetrics({
      epoch,
      train: trainMetrics as OutputsMetrics,
      validation: validationMetrics ?? null,
      started,
      rows: data.rowCount,
    });
    state = { ...state, epoch, rounds: end, history: [...state.history, metrics], importance };
    const snapshot = { state, ensemble: { ...ensemble, trees: ensemble.trees.slice() } };
    const checkpoint = async () => encodeTreeCheckpoint({ fingerprint: ctx.fingerprint, ...snapshot, extra: {} });
    await ctx.endEpoch({ epoch, epochs, metrics, finished: end >= hp.trees, checkpoint });
  }
  return {
    state: modelState(ensemble, state.importance),
    targetScale: null,
    history: state.history,
    epochsRun: state.epoch,
    resumedFromEpoch,
    stoppedEarly: false,
    bestEpoch: state.epoch,
    backend: 'js',
  };
}
