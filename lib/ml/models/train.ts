import { createHash } from 'node:crypto';
import { MlError } from '../errors';
import type { Dataset } from '../features/dataset';
import { embeddingColumnsOf } from '../features/names';
import type { Task } from '../features/spec';
import type { FittedTransforms } from '../features/types';
import { forEachShardChunk, isSharded, type TrainingData } from '../out-of-core/shards';
import { serializeModel, type MlModel } from './artifact';
import type { AnyModelKind } from './kind';
import { modelKind } from './registry';
import { ModelCandidateSpecSchema, type ModelCandidateSpec, type ModelCandidateSpecInput } from './spec';
import type { EpochEndEvent, TrainResult } from './types';

export interface TrainArgs {
  candidate: ModelCandidateSpecInput | ModelCandidateSpec;
  task: Task;
  /** Classification: number of classes (the fitted label encoder's class count). */
  numClasses?: number;
  /** Classification: class labels, to resolve settings given by label (e.g. class weights). */
  classNames?: readonly string[];
  /** Arrays in memory, or a split sharded on disk (kinds with the outOfCore capability stream it in blocks). */
  train: TrainingData;
  /** Optional (an empty one counts as absent): per-epoch validation metrics and early stopping on them. */
  validation?: TrainingData;
  /** Embedded in `modelBytes`, so the artefact carries the transforms it must be served with. */
  fitted?: FittedTransforms;
  /** Awaited after every epoch: report progress, heartbeat, and upload `event.checkpoint()` if wanted. */
  onEpochEnd?: (event: EpochEndEvent) => void | Promise<void>;
  /** Awaited every `checkpointEvery` epochs (default 1) and after the last one. */
  onCheckpoint?: (checkpoint: { epoch: number; bytes: Uint8Array }) => void | Promise<void>;
  checkpointEvery?: number;
  /** Bytes from an earlier attempt's checkpoint: training continues after its epoch. */
  resumeFrom?: Uint8Array;
  /** Aborting stops training at the next safe point, rethrowing `signal.reason` (e.g. Temporal's CancelledFailure). */
  signal?: AbortSignal;
}

const invalid = (message: string) => new MlError({ code: 'INVALID_INPUT', message });

/** Validates shapes and the task, and returns the number of outputs (classes, or 1 for regression). */
function checkInputs(kind: AnyModelKind, args: TrainArgs): number {
  const { train, validation } = args;
  if (!kind.tasks.includes(args.task)) {
    throw invalid(`Model kind ${kind.name} does not fit task "${args.task}" (it does ${kind.tasks.join(', ')}).`);
  }
  if (train.rowCount < 1) throw invalid('The training set is empty.');
  for (const d of [train, validation]) {
    const mismatch = d && (isSharded(d) ? d.featureCount !== train.featureCount : !arraysMatch(d, train.featureCount));
    if (mismatch) {
      throw invalid('Dataset arrays do not match rowCount × featureCount (or the two sets have different features).');
    }
  }
  const numClasses = args.task === 'regression' ? 1 : (args.numClasses ?? 0);
  if (args.task === 'classification' && numClasses < 2) throw invalid('Classification needs numClasses ≥ 2.');
  for (const d of [train, validation]) {
    // A sharded split's targets were checked as they were written (ShardWriter); its classes are counted.
    if (d && isSharded(d)) {
      if (args.task === 'classification' && (d.classCounts?.length ?? 0) > numClasses) {
        throw invalid(`Class index ${(d.classCounts?.length ?? 0) - 1} is outside 0..${numClasses - 1}.`);
      }
      continue;
    }
    for (const v of d?.y ?? []) {
      if (args.task === 'regression' ? !Number.isFinite(v) : !Number.isInteger(v) || v < 0 || v >= numClasses) {
        throw invalid(
          args.task === 'regression'
            ? `Regression target ${v} is not a finite number.`
            : `Class index ${v} is outside 0..${numClasses - 1}.`,
        );
      }
    }
  }
  return numClasses;
}

function arraysMatch(d: Dataset, featureCount: number): boolean {
  return d.x.length === d.rowCount * featureCount && d.y.length === d.rowCount;
}

/**
 * Identity of a training job: kind, hyperparameters, shapes and data. A checkpoint from another job cannot be
 * resumed. Embedding columns change the model's shape, so they count when there are any (and only then, which keeps
 * the identity of checkpoints written before embeddings existed).
 */
function fingerprintOf(spec: ModelCandidateSpec, task: Task, numClasses: number, args: TrainArgs): string {
  const { train } = args;
  const hash = createHash('sha256');
  const embeddings = embeddingColumnsOf(args.fitted ?? null);
  const shape = {
    kind: spec.kind,
    hp: spec.hyperparameters,
    task,
    numClasses,
    featureCount: train.featureCount,
    ...(embeddings.length > 0 ? { embeddings } : {}),
  };
  hash.update(JSON.stringify(shape));
  // A sharded split's files hold the very bytes of the arrays: streamed or not, the same data has the same identity.
  if (isSharded(train)) forEachShardChunk(train, (bytes) => hash.update(bytes));
  else {
    hash.update(new Uint8Array(train.x.buffer, train.x.byteOffset, train.x.byteLength));
    hash.update(new Uint8Array(train.y.buffer, train.y.byteOffset, train.y.byteLength));
  }
  return hash.digest('hex');
}

/**
 * Trains one candidate through its registered kind. After every epoch `onEpochEnd` is awaited, then `onCheckpoint`
 * when due (every `checkpointEvery` epochs and after the last); passing a checkpoint's bytes back as `resumeFrom`
 * continues after its epoch, for kinds with the checkpointing capability. The caller owns the returned model
 * (disposeModel); nothing else stays allocated.
 */
export async function trainModel(args: TrainArgs): Promise<TrainResult> {
  const spec = ModelCandidateSpecSchema.parse(args.candidate);
  const kind = modelKind(spec.kind);
  const numClasses = checkInputs(kind, args);
  const every = Math.max(1, args.checkpointEvery ?? 1);
  const outcome = await kind.train({
    kind: spec.kind,
    hyperparameters: spec.hyperparameters,
    task: args.task,
    numClasses,
    classNames: args.classNames,
    train: args.train,
    validation: args.validation && args.validation.rowCount > 0 ? args.validation : undefined,
    fitted: args.fitted ?? null,
    fingerprint: fingerprintOf(spec, args.task, numClasses, args),
    resumeFrom: args.resumeFrom,
    signal: args.signal,
    endEpoch: async (event) => {
      await args.onEpochEnd?.(event);
      const due = event.finished || event.epoch % every === 0;
      if (args.onCheckpoint && due) await args.onCheckpoint({ epoch: event.epoch, bytes: await event.checkpoint() });
    },
  });
  const meta = {
    kind: spec.kind,
    task: args.task,
    numClasses: args.task === 'classification' ? numClasses : 0,
    featureCount: args.train.featureCount,
    targetScale: outcome.targetScale,
  };
  const model: MlModel = { meta, fitted: args.fitted ?? null, state: outcome.state };
  try {
    const modelBytes = await serializeModel({ model });
    const { history, epochsRun, resumedFromEpoch, stoppedEarly, bestEpoch, backend } = outcome;
    return { model, modelBytes, history, epochsRun, resumedFromEpoch, stoppedEarly, bestEpoch, backend };
  } catch (error) {
    kind.dispose?.(outcome.state);
    throw error;
  }
}
