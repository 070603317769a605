import type { z } from 'zod';
import type { Dataset } from '../features/dataset';
import type { Task } from '../features/spec';
import type { FittedTransforms } from '../features/types';
import { MlError } from '../errors';
import { isSharded, type TrainingData } from '../out-of-core/shards';
import type { EpochEndEvent, EpochMetrics } from './types';

/** Regression targets a kind standardised for training; predictions are mapped back with this. */
export interface TargetScale {
  mean: number;
  std: number;
}

/** What a trained model is, whatever its kind: stored in every artefact header. */
export interface ModelMeta {
  /** The spec's kind name (a registered model kind). */
  kind: string;
  task: Task;
  /** Classification: the number of output classes; 0 for regression. */
  numClasses: number;
  featureCount: number;
  /** Set when the kind's outputs are standardised targets (the dense kinds); null when they are in target units. */
  targetScale: TargetScale | null;
}

/** Optional abilities, declared so the platform (and the docs) can tell what a kind offers without running it. */
export interface ModelKindCapabilities {
  /** `train` writes checkpoints and resumes from them, so a retried training attempt continues where it stopped. */
  checkpointing: boolean;
  /** `featureImportance` is implemented (the kind's own measure, e.g. split gain; not permutation importance). */
  featureImportance: boolean;
  /** Trains on a GPU when the training worker has one (@tensorflow/tfjs-node-gpu). */
  gpu: boolean;
  /** Learns an embedding per category of `transform: embedding` columns; other kinds read the category index. */
  embeddings: boolean;
  /**
   * Trains from a split sharded on disk, streamed in blocks (lib/ml/out-of-core), when the split's arrays exceed the
   * training memory budget (TRAINING_MEMORY_BUDGET_MB); kinds without it refuse such a split with a clear error.
   */
  outOfCore: boolean;
}

/** What `train` receives: validated inputs, parsed hyperparameters, and the hook to call after every epoch. */
export interface KindTrainContext<H> {
  /** The spec's kind name (one implementation may serve several kinds, as the dense one does). */
  kind: string;
  hyperparameters: H;
  task: Task;
  /** Classification: class count (≥ 2); regression: 1. */
  numClasses: number;
  /** Classification: class labels in output order, when known. */
  classNames?: readonly string[];
  /** In-memory arrays, or (kinds with the outOfCore capability only) a split sharded on disk. */
  train: TrainingData;
  /** Absent when there is no validation split (an empty one is passed as absent). */
  validation?: TrainingData;
  /** The fitted transforms the features came from (which columns are category indices), when known. */
  fitted: FittedTransforms | null;
  /** Identity of this training job (kind, hyperparameters, task, data): checkpoints carry it, resume checks it. */
  fingerprint: string;
  /** Bytes of an earlier attempt's checkpoint: continue after its last epoch. */
  resumeFrom?: Uint8Array;
  /** Aborting stops training at the next safe point, rethrowing `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Call after every completed epoch (for tree kinds, an epoch is a group of trees or boosting rounds): reports
   * progress and takes checkpoints when due. Training must not continue before it settles.
   */
  endEpoch(event: EpochEndEvent): Promise<void>;
}

/** The context of a kind without the outOfCore capability: both splits are arrays in memory. */
export type InMemoryTrainContext<H> = Omit<KindTrainContext<H>, 'train' | 'validation'> & {
  train: Dataset;
  validation?: Dataset;
};

/** Narrows the context for kinds that need the whole split in memory; a split streamed from disk is refused. */
export function inMemoryOnly<H>(ctx: KindTrainContext<H>): InMemoryTrainContext<H> {
  const { train, validation } = ctx;
  if (isSharded(train) || (validation && isSharded(validation))) {
    throw new MlError({
      code: 'OVER_MEMORY_BUDGET',
      message:
        `Model kind ${ctx.kind} trains in memory only, and this split is over the training memory budget ` +
        '(TRAINING_MEMORY_BUDGET_MB): raise the budget on the training worker, or use a kind that streams (dense).',
    });
  }
  return { ...ctx, train, validation };
}

export interface KindTrainOutcome<S> {
  /** The trained model, as the kind holds it in memory. */
  state: S;
  targetScale: TargetScale | null;
  /** Every epoch, including those of earlier attempts (restored from the checkpoint). */
  history: EpochMetrics[];
  epochsRun: number;
  resumedFromEpoch: number;
  stoppedEarly: boolean;
  /** The epoch whose model is kept (the best one when the kind restores it). */
  bestEpoch: number;
  /** Where it ran: a TensorFlow.js backend name, or 'js' for kinds in plain TypeScript. */
  backend: string;
}

/** A kind's part of the model artefact: a JSON header and binary payload chunks. */
export interface EncodedModel {
  header: unknown;
  payload: Uint8Array[];
}

/** Native importance of each model input (feature order), higher is more important; sums to 1 when any is > 0. */
export interface FeatureImportance {
  /** How it was measured, e.g. 'gain' (total loss reduction of the splits on the feature). */
  type: string;
  values: Float64Array;
}

/**
 * One model kind, as a plug-in: the one place that knows how such a model trains, is stored and predicts. Everything
 * else (spec validation, the training activity, evaluation, serving, the registry, reports, docs) goes through the
 * registry (registry.ts) and this interface.
 */
export interface ModelKindDefinition<H, S> {
  /** Names the kind in specs (`kind:`); lower_snake_case. */
  name: string;
  /** One sentence for docs and the API. */
  description: string;
  tasks: readonly Task[];
  /** A zod strictObject with a default for every field, each documented: specs, JSON Schema and docs use it. */
  hyperparameters: z.ZodType<H>;
  capabilities: ModelKindCapabilities;
  /** Version of the kind's artefact format that `encode` writes; `decode` reads it and every older one. */
  artifactVersion: number;
  train(ctx: KindTrainContext<H>): Promise<KindTrainOutcome<S>>;
  encode(state: S): EncodedModel | Promise<EncodedModel>;
  decode(args: { version: number; header: unknown; payload: Uint8Array; meta: ModelMeta }): S | Promise<S>;
  /**
   * Row-major features in; classification: class probabilities (rowCount × numClasses); regression: one value per
   * row (standardised when the outcome had a targetScale: the caller maps it back). Allocates nothing that lasts.
   */
  predict(state: S, args: { x: Float32Array; rowCount: number; meta: ModelMeta }): Float32Array;
  featureImportance?(state: S): FeatureImportance;
  /** Releases what the state holds outside the JS heap (tensors). */
  dispose?(state: S): void;
}

/** The registry's view of a kind: its state type erased, so kinds of any state live in one list. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModelKind = ModelKindDefinition<any, any>;

/** Declares a kind with its own state type checked inside, erased outside. */
export function defineModelKind<H, S>(kind: ModelKindDefinition<H, S>): AnyModelKind {
  return kind;
}
