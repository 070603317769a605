import { MlError } from '../errors';
import type { Dataset } from '../features/dataset';
import { tf } from '../tf';
import type { TrainingTensors } from './epoch';
import type { TargetScale } from './serialize';
import type { Hyperparameters } from './spec';

/**
 * Per-class loss weights: 'balanced' gives class c the weight n / (classes × n_c) (scikit-learn's formula; absent
 * classes get 1); a record maps class labels (or indices) to weights, unlisted classes 1. null means unweighted.
 */
export function classWeightsFor(args: {
  y: Int32Array | Float32Array;
  numClasses: number;
  setting: Hyperparameters['classWeights'];
  classNames?: readonly string[];
}): Float32Array | null {
  const { y, numClasses, setting } = args;
  if (setting === 'none') return null;
  const weights = new Float32Array(numClasses).fill(1);
  if (setting === 'balanced') {
    const counts = new Array<number>(numClasses).fill(0);
    for (const c of y) counts[c] = (counts[c] ?? 0) + 1;
    counts.forEach((n, c) => (weights[c] = n > 0 ? y.length / (numClasses * n) : 1));
    return weights;
  }
  for (const [key, weight] of Object.entries(setting)) {
    const byName = args.classNames?.indexOf(key) ?? -1;
    const index = byName >= 0 ? byName : /^\d+$/.test(key) ? Number(key) : -1;
    if (index < 0 || index >= numClasses) {
      throw new MlError({
        code: 'INVALID_INPUT',
        message: `classWeights names "${key}", which is not a class (${(args.classNames ?? []).join(', ')}).`,
      });
    }
    weights[index] = weight;
  }
  return weights;
}

/** Uploads the training set once per run: features, one-hot or standardised targets, and per-row class weights. */
export function trainingTensors(args: {
  train: Dataset;
  numClasses: number;
  classifier: boolean;
  targetScale: TargetScale | null;
  classWeights: Float32Array | null;
}): TrainingTensors {
  const { train, numClasses, targetScale, classWeights } = args;
  const n = train.rowCount;
  const x = tf.tensor2d(train.x, [n, train.featureCount]);
  if (args.classifier) {
    for (const c of train.y) {
      if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
        x.dispose();
        throw new MlError({ code: 'INVALID_INPUT', message: `Class index ${c} is outside 0..${numClasses - 1}.` });
      }
    }
    const y = tf.tidy(
      () => tf.oneHot(tf.tensor1d(Int32Array.from(train.y), 'int32'), numClasses).cast('float32') as tf.Tensor2D,
    );
    const weights = classWeights ? tf.tensor1d(Float32Array.from(train.y, (c) => classWeights[c] as number)) : null;
    return { x, y, weights, rowCount: n };
  }
  const { mean, std } = targetScale ?? { mean: 0, std: 1 };
  const y = tf.tensor2d(
    Float32Array.from(train.y, (v) => (v - mean) / std),
    [n, 1],
  );
  return { x, y, weights: null, rowCount: n };
}
