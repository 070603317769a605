import { MlError } from '../../../errors';
import type { Dataset } from '../../../features/dataset';
import type { EmbeddingColumn } from '../../../features/names';
import { tf } from '../../../tf';
import type { TargetScale } from '../../kind';

/** Tensors of one training run, held on the backend for the whole run. */
export interface TrainingTensors {
  /** Numeric features [n, numeric], or null when every feature is a category index. */
  x: tf.Tensor2D | null;
  /** Category indices [n, embeddings] (int32), or null without embedding columns. */
  ids: tf.Tensor2D | null;
  /** One-hot float targets (classification) or standardised targets [n, 1] (regression). */
  y: tf.Tensor2D;
  /** Per-row class weights, or null. */
  weights: tf.Tensor1D | null;
  rowCount: number;
}

/** The rows of one mini-batch, gathered from the training tensors. */
export type Batch = Omit<TrainingTensors, 'rowCount'>;

export interface SplitFeatures {
  /** rowCount × numericCount, or null when there are no numeric features. */
  numeric: Float32Array | null;
  numericCount: number;
  /** rowCount × embeddings.length category indices, or null. */
  ids: Int32Array | null;
}

/**
 * Row-major features split into the network's inputs. Without embedding columns the features pass through (no copy).
 * An index that is not a known category (not an integer in range) reads as the unknown index, as at serving time.
 */
export function splitFeatures(
  x: Float32Array,
  rowCount: number,
  featureCount: number,
  embeddings: readonly EmbeddingColumn[],
): SplitFeatures {
  if (embeddings.length === 0) return { numeric: x, numericCount: featureCount, ids: null };
  const isIndex = new Int32Array(featureCount).fill(-1);
  embeddings.forEach((e, k) => (isIndex[e.feature] = k));
  const numericCount = featureCount - embeddings.length;
  const numeric = numericCount > 0 ? new Float32Array(rowCount * numericCount) : null;
  const ids = new Int32Array(rowCount * embeddings.length);
  for (let i = 0; i < rowCount; i++) {
    let at = 0;
    for (let j = 0; j < featureCount; j++) {
      const v = x[i * featureCount + j] as number;
      const k = isIndex[j] as number;
      if (k < 0) {
        (numeric as Float32Array)[i * numericCount + at++] = v;
        continue;
      }
      const unknown = (embeddings[k] as EmbeddingColumn).vocabulary - 1;
      ids[i * embeddings.length + k] = Number.isInteger(v) && v >= 0 && v < unknown ? v : unknown;
    }
  }
  return { numeric, numericCount, ids };
}

/** Uploads the training set once per run: features, one-hot or standardised targets, and per-row class weights. */
export function trainingTensors(args: {
  train: Dataset;
  embeddings: readonly EmbeddingColumn[];
  numClasses: number;
  classifier: boolean;
  targetScale: TargetScale | null;
  classWeights: Float32Array | null;
}): TrainingTensors {
  const { train, numClasses, targetScale, classWeights } = args;
  const n = train.rowCount;
  if (args.classifier) {
    for (const c of train.y) {
      if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
        throw new MlError({ code: 'INVALID_INPUT', message: `Class index ${c} is outside 0..${numClasses - 1}.` });
      }
    }
  }
  const split = splitFeatures(train.x, n, train.featureCount, args.embeddings);
  const x = split.numeric ? tf.tensor2d(split.numeric, [n, split.numericCount]) : null;
  const ids = split.ids ? tf.tensor2d(split.ids, [n, args.embeddings.length], 'int32') : null;
  if (args.classifier) {
    const y = tf.tidy(
      () => tf.oneHot(tf.tensor1d(Int32Array.from(train.y), 'int32'), numClasses).cast('float32') as tf.Tensor2D,
    );
    const weights = classWeights ? tf.tensor1d(Float32Array.from(train.y, (c) => classWeights[c] as number)) : null;
    return { x, ids, y, weights, rowCount: n };
  }
  const { mean, std } = targetScale ?? { mean: 0, std: 1 };
  const y = tf.tensor2d(
    Float32Array.from(train.y, (v) => (v - mean) / std),
    [n, 1],
  );
  return { x, ids, y, weights: null, rowCount: n };
}

export function disposeTrainingTensors(t: TrainingTensors): void {
  for (const tensor of [t.x, t.ids, t.y, t.weights]) tensor?.dispose();
}

/** The network's input(s) for a block of rows: one tensor, or [numeric?, ids of column 0, ids of column 1, ...]. */
export function networkInputs(x: tf.Tensor2D | null, ids: tf.Tensor2D | null): tf.Tensor | tf.Tensor[] {
  if (!ids) return x as tf.Tensor2D;
  const columns = ids.shape[1];
  const perColumn = Array.from({ length: columns }, (_, k) => ids.slice([0, k], [ids.shape[0], 1]));
  return x ? [x, ...perColumn] : perColumn;
}
