import type { Dataset } from '../../../features/dataset';
import { embeddingColumnsOf, type EmbeddingColumn } from '../../../features/names';
import { type tf } from '../../../tf';
import { currentTfBackend, initTfBackend } from '../../backend';
import type { KindTrainContext, KindTrainOutcome, TargetScale } from '../../kind';
import type { EpochMetrics } from '../../types';
import { encodeCheckpoint, type TrainingState } from './checkpoint';
import { monitoredValue, updateEarlyStopping } from './early-stopping';
import { isSharded, type TrainingData } from '../../../out-of-core/shards';
import { evaluate, runEpoch, throwIfAborted, type EpochConfig } from './epoch';
import type { DenseHyperparameters } from './hyperparameters';
import { classWeightsFor } from '../../class-weights';
import { disposeTrainingTensors, trainingTensors, type TrainingTensors } from './inputs';
import { buildNetwork } from './network';
import { evaluateStreamed, runStreamedEpoch } from './streamed';
import { makeOptimizer, restoreBest, startingPoint, targetScaleOf } from './train-support';

/** A trained dense network, with the layout of its inputs. The caller owns `network` (dispose it). */
export interface DenseState {
  network: tf.LayersModel;
  embeddings: EmbeddingColumn[];
}

/** Everything one run's epochs share. */
interface Run {
  ctx: KindTrainContext<DenseHyperparameters>;
  validation: TrainingData | undefined;
  targetScale: TargetScale | null;
  /** The training tensors of an in-memory split; null when it is streamed from disk (ctx.train is sharded). */
  tensors: TrainingTensors | null;
  /** Tensors of a set of rows (the whole in-memory split, or one window of a streamed one). */
  tensorsFor: (rows: Dataset) => TrainingTensors;
  config: EpochConfig;
}

/**
 * Trains a dense network with a seeded, resumable mini-batch loop (see epoch.ts). Each epoch ends with the context's
 * `endEpoch`, whose checkpoint holds weights, optimizer state, early-stopping state and history; passing those bytes
 * back as `resumeFrom` continues at the next epoch and never repeats a completed one. On the same backend a resumed
 * run reproduces the uninterrupted one exactly (cpu and wasm are deterministic here; GPU kernels of tfjs-node-gpu may
 * not be). Switching backends between attempts works but changes low-order bits.
 *
 * A split over the training memory budget arrives sharded on disk (lib/ml/out-of-core): each epoch then streams it a
 * window of blocks at a time in a seeded block order (streamed.ts), and validation is evaluated block by block.
 */
export async function trainDense(ctx: KindTrainContext<DenseHyperparameters>): Promise<KindTrainOutcome<DenseState>> {
  const backend = currentTfBackend() ?? (await initTfBackend());
  const hp = ctx.hyperparameters;
  const classifier = ctx.task === 'classification';
  const { train } = ctx;
  const embeddings = embeddingColumnsOf(ctx.fitted);
  const network = buildNetwork({
    kind: ctx.kind,
    hyperparameters: hp,
    featureCount: train.featureCount,
    outputs: ctx.numClasses,
    classifier,
    embeddings,
  });
  const optimizer = makeOptimizer(hp);
  let tensors: TrainingTensors | null = null;
  try {
    const initialScale = classifier ? null : isSharded(train) ? train.targetMoments : targetScaleOf(train.y);
    const start = await startingPoint({ ...ctx, network, optimizer, targetScale: initialScale });
    const { targetScale } = start;
    const classWeights = classifier
      ? classWeightsFor({
          y: isSharded(train) ? { counts: train.classCounts ?? [] } : train.y,
          numClasses: ctx.numClasses,
          setting: hp.classWeights,
          classNames: ctx.classNames,
        })
      : null;
    const tensorsFor = (rows: Dataset) =>
      trainingTensors({ train: rows, embeddings, numClasses: ctx.numClasses, classifier, targetScale, classWeights });
    tensors = isSharded(train) ? null : tensorsFor(train);
    const { batchSize, dropout, l2, seed } = hp;
    const config: EpochConfig = {
      network,
      optimizer,
      classifier,
      embeddings,
      batchSize,
      dropout,
      l2,
      seed,
      signal: ctx.signal,
    };
    const run: Run = { ctx, validation: ctx.validation, targetScale, tensors, tensorsFor, config };
    const state = await runEpochs(run, start.state);
    const restore = hp.earlyStopping !== false && hp.earlyStopping.restoreBestWeights;
    const bestEpoch = restoreBest(state, network, restore);
    const { history, epoch: epochsRun, stoppedEarly } = state;
    return {
      state: { network, embeddings },
      targetScale,
      history,
      epochsRun,
      resumedFromEpoch: start.state.epoch,
      stoppedEarly,
      bestEpoch,
      backend,
    };
  } catch (error) {
    network.dispose();
    throw error;
  } finally {
    if (tensors) disposeTrainingTensors(tensors);
    optimizer.dispose();
  }
}

async function runEpochs(run: Run, start: TrainingState): Promise<TrainingState> {
  const { epochs, earlyStopping } = run.ctx.hyperparameters;
  let state = start;
  while (state.epoch < epochs && !state.stoppedEarly) {
    throwIfAborted(run.ctx.signal);
    const metrics = await trainEpoch(run, state.epoch + 1);
    state = { ...state, epoch: metrics.epoch, history: [...state.history, metrics] };
    if (earlyStopping) {
      const value = monitoredValue(earlyStopping, metrics);
      state = updateEarlyStopping({ state, settings: earlyStopping, value, network: run.config.network });
    }
    await endEpoch(run, state, metrics);
  }
  return state;
}

async function trainEpoch(run: Run, epoch: number): Promise<EpochMetrics> {
  const started = performance.now();
  const { train } = run.ctx;
  const loss = isSharded(train)
    ? await runStreamedEpoch(run.config, train, run.tensorsFor, epoch)
    : await runEpoch(run.config, run.tensors as TrainingTensors, epoch);
  const common = {
    network: run.config.network,
    embeddings: run.config.embeddings,
    numClasses: run.ctx.numClasses,
    targetScale: run.targetScale,
  };
  const { validation } = run;
  const val = !validation
    ? null
    : isSharded(validation)
      ? evaluateStreamed({ ...common, split: validation })
      : evaluate({ ...common, ...validation });
  const durationMs = performance.now() - started;
  return {
    epoch,
    loss,
    valLoss: val?.valLoss ?? null,
    valAccuracy: val?.valAccuracy ?? null,
    valRmse: val?.valRmse ?? null,
    durationMs,
    samplesPerSecond: train.rowCount / (durationMs / 1000),
  };
}

/** Hands the epoch to the context; the checkpoint is serialised at most once per epoch, and only if asked for. */
async function endEpoch(run: Run, state: TrainingState, metrics: EpochMetrics): Promise<void> {
  const { network, optimizer } = run.config;
  let bytes: Promise<Uint8Array> | undefined;
  const checkpoint = () =>
    (bytes ??= encodeCheckpoint({
      fingerprint: run.ctx.fingerprint,
      state,
      targetScale: run.targetScale,
      network,
      optimizer,
    }));
  const epochs = run.ctx.hyperparameters.epochs;
  const finished = state.stoppedEarly || state.epoch >= epochs;
  await run.ctx.endEpoch({ epoch: state.epoch, epochs, metrics, finished, checkpoint });
}
