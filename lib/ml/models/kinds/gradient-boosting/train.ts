import type { Dataset } from '../../../features/dataset';
import { createRng, deriveSeed } from '../../../random';
import { classWeightsFor } from '../../class-weights';
import { inMemoryOnly, type InMemoryTrainContext, type KindTrainContext, type KindTrainOutcome } from '../../kind';
import { addTrees, type Tree, type TreeEnsemble } from '../trees/ensemble';
import { growTree, type BinnedData } from '../trees/grow';
import { linkOutputs, type TreeModelState } from '../trees/model';
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
import type { GradientBoostingHyperparameters } from './hyperparameters';
import { objectiveFor, type Objective } from './objective';

/** Everything the rounds of one run share. */
interface Booster {
  ctx: InMemoryTrainContext<GradientBoostingHyperparameters>;
  data: BinnedData;
  objective: Objective;
  classifier: boolean;
  variance: number;
  ensemble: TreeEnsemble;
  /** Raw scores of the training and validation rows, updated tree by tree. */
  raw: Float64Array[];
  sets: Dataset[];
  grad: Float64Array[];
  hess: Float64Array[];
}

/** `count` of `n` indices drawn without replacement by `rng`, ascending (all of them when count ≥ n). */
function draw(n: number, count: number, rng: ReturnType<typeof createRng>): Int32Array {
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  if (count >= n) return all;
  for (let i = 0; i < count; i++) {
    const j = i + rng.nextInt(n - i);
    const t = all[i] as number;
    all[i] = all[j] as number;
    all[j] = t;
  }
  return all.subarray(0, count).sort();
}

/** One boosting round: gradients at the current scores, then one tree per raw score. Rngs derive from (seed, round). */
function boostRound(b: Booster, round: number, importance: number[]): void {
  const hp = b.ctx.hyperparameters;
  const { data, objective } = b;
  const K = objective.outputs;
  objective.gradients({ raw: b.raw[0] as Float64Array, grad: b.grad, hess: b.hess });
  const rowRng = createRng(deriveSeed(hp.seed, round));
  const rows = draw(data.rowCount, Math.max(1, Math.round(hp.subsample * data.rowCount)), rowRng);
  const featureCount = Math.max(1, Math.round(hp.featureFraction * data.featureCount));
  for (let k = 0; k < K; k++) {
    const rng = createRng(deriveSeed(hp.seed, round, k + 1));
    const gains = new Float64Array(data.featureCount);
    const grown = growTree({
      data,
      targets: { outputs: 1, grad: b.grad[k] as Float64Array, hess: b.hess[k] as Float64Array },
      rows: rows.slice(),
      allowed: draw(data.featureCount, featureCount, rng),
      rules: { ...hp, lambda: hp.l2, featuresPerSplit: null },
      rng,
      importance: gains,
    });
    gains.forEach((g, i) => (importance[i] = (importance[i] as number) + g));
    const value = new Float64Array(grown.feature.length);
    for (let node = 0; node < value.length; node++) {
      value[node] =
        (hp.learningRate * (grown.sums[node * 3 + 2] as number)) / ((grown.sums[node * 3 + 1] as number) + hp.l2);
    }
    const tree: Tree = {
      feature: grown.feature,
      threshold: grown.threshold,
      left: grown.left,
      right: grown.right,
      value,
    };
    b.ensemble.trees.push(tree);
    const t = b.ensemble.trees.length - 1;
    b.sets.forEach((d, i) =>
      addTrees({ ensemble: b.ensemble, from: t, to: t + 1, ...d, out: b.raw[i] as Float64Array }),
    );
  }
}

function modelState(b: Booster, importance: readonly number[]): TreeModelState {
  const { base, link } = b.objective;
  return { ensemble: b.ensemble, base, combine: 'sum', link, importance: [...importance] };
}

function metricsOf(b: Booster, i: number): OutputsMetrics {
  const d = b.sets[i] as Dataset;
  const outputs = linkOutputs(modelState(b, []), b.raw[i] as Float64Array, d.rowCount);
  const { numClasses } = b.ctx;
  return outputsMetrics({ outputs, y: d.y, numClasses, classifier: b.classifier, variance: b.variance });
}

/** Early stopping on the validation loss after a round: improves (remembering the importance then), waits, or stops. */
function afterRound(b: Booster, state: TreeTrainingState, round: number, importance: number[]): TreeTrainingState {
  const settings = b.ctx.hyperparameters.earlyStopping;
  if (!settings || b.sets.length < 2) return state;
  const loss = metricsOf(b, 1).loss;
  const { best } = state.early;
  if (best === null || loss < best - settings.minDelta) {
    return { ...state, early: { best: loss, bestRound: round, wait: 0, importance: [...importance] } };
  }
  const wait = state.early.wait + 1;
  return { ...state, early: { ...state.early, wait }, stoppedEarly: wait >= settings.patience };
}

/**
 * Trains gradient-boosted trees (second-order, histogram splits, depth-wise growth), `roundsPerEpoch` rounds per
 * epoch with metrics and a checkpoint after each. Early stopping watches the validation loss every round and keeps
 * the trees of the best round, as LightGBM's best iteration.
 */
export async function trainGradientBoosting(
  input: KindTrainContext<GradientBoostingHyperparameters>,
): Promise<KindTrainOutcome<TreeModelState>> {
  const ctx = inMemoryOnly(input);
  const hp = ctx.hyperparameters;
  const classifier = ctx.task === 'classification';
  const data = binTrainingData(ctx.train, hp.maxBins);
  const n = data.rowCount;
  const classWeights = classifier
    ? classWeightsFor({
        y: ctx.train.y,
        numClasses: ctx.numClasses,
        setting: hp.classWeights,
        classNames: ctx.classNames,
      })
    : null;
  const rowWeights = Float64Array.from(ctx.train.y, (c) => (classWeights ? (classWeights[c] as number) : 1));
  const objective = objectiveFor({ classifier, numClasses: ctx.numClasses, y: ctx.train.y, rowWeights });
  const K = objective.outputs;
  const restored = ctx.resumeFrom
    ? decodeTreeCheckpoint({ bytes: ctx.resumeFrom, fingerprint: ctx.fingerprint, featureCount: data.featureCount })
    : null;
  const ensemble: TreeEnsemble = restored?.ensemble ?? { outputs: K, treeWidth: 1, trees: [] };
  const sets = [ctx.train, ...(ctx.validation ? [ctx.validation] : [])];
  const raw = sets.map((d) => {
    const out = new Float64Array(d.rowCount * K);
    for (let i = 0; i < out.length; i++) out[i] = objective.base[i % K] as number;
    addTrees({ ensemble, from: 0, to: ensemble.trees.length, ...d, out });
    return out;
  });
  const b: Booster = {
    ctx,
    data,
    objective,
    classifier,
    variance: classifier ? 1 : targetVariance(ctx.train.y),
    ensemble,
    raw,
    sets,
    grad: Array.from({ length: K }, () => new Float64Array(n)),
    hess: Array.from({ length: K }, () => new Float64Array(n)),
  };
  let state: TreeTrainingState = restored?.state ?? freshState(data.featureCount);
  const resumedFromEpoch = state.epoch;
  const epochs = Math.ceil(hp.rounds / hp.roundsPerEpoch);
  const pause = yielder(ctx.signal);
  while (state.rounds < hp.rounds && !state.stoppedEarly) {
    const started = performance.now();
    const end = Math.min(hp.rounds, (state.epoch + 1) * hp.roundsPerEpoch);
    const importance = [...state.importance];
    while (state.rounds < end && !state.stoppedEarly) {
      boostRound(b, state.rounds, importance);
      state = afterRound(b, { ...state, rounds: state.rounds + 1 }, state.rounds + 1, importance);
      await pause();
    }
    const epoch = state.epoch + 1;
    const validation = sets.length > 1 ? metricsOf(b, 1) : null;
    const metrics = epochMetrics({ epoch, train: metricsOf(b, 0), validation, started, rows: n });
    state = { ...state, epoch, history: [...state.history, metrics], importance };
    const snapshot = { state, ensemble: { ...ensemble, trees: ensemble.trees.slice() } };
    const checkpoint = async () => encodeTreeCheckpoint({ fingerprint: ctx.fingerprint, ...snapshot, extra: {} });
    const finished = state.stoppedEarly || state.rounds >= hp.rounds;
    await ctx.endEpoch({ epoch, epochs, metrics, finished, checkpoint });
  }
  const truncate = hp.earlyStopping !== false && state.early.bestRound > 0;
  const keptRounds = truncate ? state.early.bestRound : state.rounds;
  ensemble.trees.length = keptRounds * K;
  return {
    state: modelState(b, truncate ? (state.early.importance ?? state.importance) : state.importance),
    targetScale: null,
    history: state.history,
    epochsRun: state.epoch,
    resumedFromEpoch,
    stoppedEarly: state.stoppedEarly,
    bestEpoch: Math.ceil(keptRounds / hp.roundsPerEpoch),
    backend: 'js',
  };
}
