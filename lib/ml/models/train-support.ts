import { createHash } from 'node:crypto';
import { MlError } from '../errors';
import type { Dataset } from '../features/dataset';
import type { Task } from '../features/spec';
import { ss } from '../simple-statistics';
import { tf } from '../tf';
import { decodeCheckpoint, restoreTensors, type TrainingState } from './checkpoint';
import type { TargetScale } from './serialize';
import type { ModelCandidateSpec } from './spec';

/** Validates shapes and the task, and returns the number of output classes (1 for regression). */
export function checkInputs(args: {
  task: Task;
  numClasses?: number;
  train: Dataset;
  validation?: Dataset;
  classifier: boolean;
}): number {
  const { train, validation } = args;
  const fail = (message: string) => new MlError({ code: 'INVALID_INPUT', message });
  if (args.classifier !== (args.task === 'classification')) throw fail(`Model kind does not fit task "${args.task}".`);
  if (train.rowCount < 1) throw fail('The training set is empty.');
  for (const d of [train, validation]) {
    if (d && (d.x.length !== d.rowCount * train.featureCount || d.y.length !== d.rowCount)) {
      throw fail('Dataset arrays do not match rowCount × featureCount (or the two sets have different features).');
    }
  }
  const numClasses = args.classifier ? (args.numClasses ?? 0) : 1;
  if (args.classifier && numClasses < 2) throw fail('Classification needs numClasses ≥ 2.');
  return numClasses;
}

/** Identity of a training job: spec, shapes and data. A checkpoint from another job cannot be resumed. */
export function fingerprintOf(spec: ModelCandidateSpec, task: Task, numClasses: number, train: Dataset): string {
  const hash = createHash('sha256');
  const shape = { kind: spec.kind, hp: spec.hyperparameters, task, numClasses, featureCount: train.featureCount };
  hash.update(JSON.stringify(shape));
  hash.update(new Uint8Array(train.x.buffer, train.x.byteOffset, train.x.byteLength));
  hash.update(new Uint8Array(train.y.buffer, train.y.byteOffset, train.y.byteLength));
  return hash.digest('hex');
}

/** Regression targets are standardised so one learning rate suits targets of any scale. */
export function targetScaleOf(y: Float32Array | Int32Array): TargetScale {
  const values = Array.from(y);
  const std = ss.standardDeviation(values);
  return { mean: ss.mean(values), std: std > 0 ? std : 1 };
}

export function makeOptimizer(spec: ModelCandidateSpec): tf.Optimizer {
  const { optimizer, learningRate } = spec.hyperparameters;
  return optimizer === 'adam' ? tf.train.adam(learningRate) : tf.train.sgd(learningRate);
}

/** The state to start from: fresh, or restored from `resumeFrom` (tensors loaded into network and optimizer). */
export async function startingPoint(args: {
  resumeFrom?: Uint8Array;
  fingerprint: string;
  network: tf.LayersModel;
  optimizer: tf.Optimizer;
  targetScale: TargetScale | null;
}): Promise<{ state: TrainingState; targetScale: TargetScale | null }> {
  if (!args.resumeFrom) {
    const early = { best: null, bestEpoch: 0, wait: 0 };
    return {
      state: { epoch: 0, history: [], stoppedEarly: false, early, bestWeights: null },
      targetScale: args.targetScale,
    };
  }
  const checkpoint = decodeCheckpoint({ bytes: args.resumeFrom });
  if (checkpoint.fingerprint !== args.fingerprint) {
    throw new MlError({
      code: 'CHECKPOINT_MISMATCH',
      message: 'The checkpoint was written for another model spec or training data; start without resumeFrom.',
    });
  }
  await restoreTensors({ checkpoint, network: args.network, optimizer: args.optimizer });
  return { state: checkpoint.state, targetScale: checkpoint.targetScale };
}

/** Puts the best epoch's weights back when they are not the current ones; returns the epoch the model now holds. */
export function restoreBest(state: TrainingState, network: tf.LayersModel, restore: boolean): number {
  const { bestEpoch } = state.early;
  if (!restore || !state.bestWeights || bestEpoch === 0 || bestEpoch === state.epoch) return state.epoch;
  const current = network.getWeights();
  const tensors = state.bestWeights.map((values, i) => tf.tensor(values, (current[i] as tf.Tensor).shape));
  network.setWeights(tensors);
  tf.dispose(tensors);
  return bestEpoch;
}
