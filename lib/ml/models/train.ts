import type { Dataset } from '../features/dataset';
import type { Task } from '../features/spec';
import type { FittedTransforms } from '../features/types';
import { tf } from '../tf';
import { currentTfBackend, initTfBackend } from './backend';
import { encodeCheckpoint, type TrainingState } from './checkpoint';
import { monitoredValue, updateEarlyStopping } from './early-stopping';
import { evaluate, runEpoch, throwIfAborted, type EpochConfig, type TrainingTensors } from './epoch';
import { classWeightsFor, trainingTensors } from './inputs';
import { buildNetwork } from './network';
import { type MlModel, serializeModel, type TargetScale } from './serialize';
import { isClassifier, type ModelCandidateSpec, type ModelCandidateSpecInput, ModelCandidateSpecSchema } from './spec';
import { checkInputs, fingerprintOf, makeOptimizer, restoreBest, startingPoint, targetScaleOf } from './train-support';
import type { EpochEndEvent, EpochMetrics, TrainResult } from './types';

export interface TrainArgs {
  candidate: ModelCandidateSpecInput | ModelCandidateSpec;
  task: Task;
  /** Classification: number of classes (the fitted label encoder's class count). */
  numClasses?: number;
  /** Classification: class labels, to resolve `classWeights` given by label. */
  classNames?: readonly string[];
  train: Dataset;
  /** Optional (an empty one counts as absent): per-epoch validation metrics and early stopping on them. */
  validation?: Dataset;
  /** Embedded in `modelBytes`, so the artefact carries the transforms it must be served with. */
  fitted?: FittedTransforms;
  /** Awaited after every epoch: report progress, heartbeat, and upload `event.checkpoint()` if wanted. */
  onEpochEnd?: (event: EpochEndEvent) => void | Promise<void>;
  /** Awaited every `checkpointEvery` epochs (default 1) and after the last one. */
  onCheckpoint?: (checkpoint: { epoch: number; bytes: Uint8Array }) => void | Promise<void>;
  checkpointEvery?: number;
  /** Bytes from an earlier attempt's checkpoint: training continues after its epoch. */
  resumeFrom?: Uint8Array;
  /** Aborting stops training between batches, rethrowing `signal.reason` (e.g. Temporal's CancelledFailure). */
  signal?: AbortSignal;
}

/** Everything one run's epochs share. */
interface Run {
  args: TrainArgs;
  spec: ModelCandidateSpec;
  validation: Dataset | undefined;
  numClasses: number;
  fingerprint: string;
  targetScale: TargetScale | null;
  tensors: TrainingTensors;
  config: EpochConfig;
}

/**
 * Trains one candidate with a seeded, resumable mini-batch loop (see epoch.ts). Each epoch ends by awaiting
 * `onEpochEnd` (and `onCheckpoint` when due), whose checkpoint holds weights, optimizer state, early-stopping state and
 * history; passing those bytes back as `resumeFrom` continues at the next epoch and never repeats a completed one.
 * On the same backend a resumed run reproduces the uninterrupted one exactly (cpu and wasm are deterministic here;
 * GPU kernels of tfjs-node-gpu may not be). Switching backends between attempts works but changes low-order bits.
 * The caller owns the returned model (disposeModel); nothing else stays allocated.
 */
export async function trainModel(args: TrainArgs): Promise<TrainResult> {
  const backend = currentTfBackend() ?? (await initTfBackend());
  const spec = ModelCandidateSpecSchema.parse(args.candidate);
  const hp = spec.hyperparameters;
  const classifier = isClassifier(spec.kind);
  const numClasses = checkInputs({ ...args, classifier });
  const { train } = args;
  const network = buildNetwork({ kind: spec.kind, hyperparameters: hp, featureCount: train.featureCount, numClasses });
  const optimizer = makeOptimizer(spec);
  let tensors: TrainingTensors | null = null;
  try {
    const fingerprint = fingerprintOf(spec, args.task, numClasses, train);
    const initialScale = classifier ? null : targetScaleOf(train.y);
    const start = await startingPoint({ ...args, fingerprint, network, optimizer, targetScale: initialScale });
    const { targetScale } = start;
    const classWeights = classifier
      ? classWeightsFor({ y: train.y, numClasses, setting: hp.classWeights, classNames: args.classNames })
      : null;
    tensors = trainingTensors({ train, numClasses, classifier, targetScale, classWeights });
    const { batchSize, dropout, l2, seed } = hp;
    const config: EpochConfig = { network, optimizer, classifier, batchSize, dropout, l2, seed, signal: args.signal };
    const validation = args.validation && args.validation.rowCount > 0 ? args.validation : undefined;
    const run: Run = { args, spec, validation, numClasses, fingerprint, targetScale, tensors, config };
    const state = await runEpochs(run, start.state);
    const restore = hp.earlyStopping !== false && hp.earlyStopping.restoreBestWeights;
    const bestEpoch = restoreBest(state, network, restore);
    const meta = {
      kind: spec.kind,
      task: args.task,
      numClasses: classifier ? numClasses : 0,
      featureCount: train.featureCount,
      targetScale,
    };
    const model: MlModel = { network, meta, fitted: args.fitted ?? null };
    const modelBytes = await serializeModel({ model });
    const { history, epoch: epochsRun, stoppedEarly } = state;
    return {
      model,
      modelBytes,
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
    if (tensors) tf.dispose([tensors.x, tensors.y, ...(tensors.weights ? [tensors.weights] : [])]);
    optimizer.dispose();
  }
}

async function runEpochs(run: Run, start: TrainingState): Promise<TrainingState> {
  const { epochs, earlyStopping } = run.spec.hyperparameters;
  let state = start;
  while (state.epoch < epochs && !state.stoppedEarly) {
    throwIfAborted(run.args.signal);
    const metrics = await trainEpoch(run, state.epoch + 1);
    state = { ...state, epoch: metrics.epoch, history: [...state.history, metrics] };
    if (earlyStopping) {
      const value = monitoredValue(earlyStopping, metrics);
      state = updateEarlyStopping({ state, settings: earlyStopping, value, network: run.config.network });
    }
    await afterEpoch(run, state, metrics);
  }
  return state;
}

async function trainEpoch(run: Run, epoch: number): Promise<EpochMetrics> {
  const started = performance.now();
  const loss = await runEpoch(run.config, run.tensors, epoch);
  const val = run.validation
    ? evaluate({
        network: run.config.network,
        ...run.validation,
        numClasses: run.numClasses,
        targetScale: run.targetScale,
      })
    : null;
  const durationMs = performance.now() - started;
  return {
    epoch,
    loss,
    valLoss: val?.valLoss ?? null,
    valAccuracy: val?.valAccuracy ?? null,
    valRmse: val?.valRmse ?? null,
    durationMs,
    samplesPerSecond: run.tensors.rowCount / (durationMs / 1000),
  };
}

/** Awaits the caller's callbacks; the checkpoint is serialised at most once per epoch, and only if asked for. */
async function afterEpoch(run: Run, state: TrainingState, metrics: EpochMetrics): Promise<void> {
  const { args } = run;
  const { network, optimizer } = run.config;
  let bytes: Promise<Uint8Array> | undefined;
  const checkpoint = () =>
    (bytes ??= encodeCheckpoint({
      fingerprint: run.fingerprint,
      state,
      targetScale: run.targetScale,
      network,
      optimizer,
    }));
  const epochs = run.spec.hyperparameters.epochs;
  const finished = state.stoppedEarly || state.epoch >= epochs;
  await args.onEpochEnd?.({ epoch: state.epoch, epochs, metrics, finished, checkpoint });
  const due = finished || state.epoch % Math.max(1, args.checkpointEvery ?? 1) === 0;
  if (args.onCheckpoint && due) await args.onCheckpoint({ epoch: state.epoch, bytes: await checkpoint() });
}
