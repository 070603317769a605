import { MlError } from '../../../errors';
import { ss } from '../../../simple-statistics';
import { tf } from '../../../tf';
import type { TargetScale } from '../../kind';
import { decodeCheckpoint, restoreTensors, type TrainingState } from './checkpoint';
import { FusedAdamOptimizer } from './fused-adam';
import type { DenseHyperparameters } from './hyperparameters';

/** Regression targets are standardised so one learning rate suits targets of any scale. */
export function targetScaleOf(y: Float32Array | Int32Array): TargetScale {
  const values = Array.from(y);
  const std = ss.standardDeviation(values);
  return { mean: ss.mean(values), std: std > 0 ? std : 1 };
}

/**
 * Adam is FusedAdamOptimizer: tf.train.adam's state and bit-identical updates, in one pass per variable instead of
 * ~17 kernels (1.6× the samples/s of a small MLP on the native backend, 1.2× on wasm).
 */
export function makeOptimizer(hp: DenseHyperparameters): tf.Optimizer {
  return hp.optimizer === 'adam' ? new FusedAdamOptimizer(hp.learningRate) : tf.train.sgd(hp.learningRate);
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
