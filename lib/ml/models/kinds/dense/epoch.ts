import type { EmbeddingColumn } from '../../../features/names';
import { accuracy, argmaxRows, logLoss } from '../../../metrics/classification';
import { createRng, deriveSeed, shuffleInPlace } from '../../../random';
import { tf } from '../../../tf';
import type { TargetScale } from '../../kind';
import { networkInputs, splitFeatures, type Batch, type TrainingTensors } from './inputs';
import { denseLayers, embeddingLayerName } from './network';

export interface EpochConfig {
  network: tf.LayersModel;
  optimizer: tf.Optimizer;
  classifier: boolean;
  embeddings: readonly EmbeddingColumn[];
  batchSize: number;
  dropout: number;
  l2: number;
  seed: number;
  signal?: AbortSignal;
}

/** How often a running epoch yields to the event loop, so heartbeats, timers and cancellation are not starved. */
const YIELD_EVERY_MS = 100;

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('Training aborted');
}

/**
 * Rows of an embedding table, as the Embedding layer looks them up (a gather), with the gradient written as a
 * scatter-add (ScatterNd sums repeated ids): the gather's own gradient needs UnsortedSegmentSum, which the wasm
 * backend lacks.
 */
const embeddingLookup = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [table, ids, save] = args as [tf.Tensor, tf.Tensor1D, tf.GradSaveFunc];
  save([ids]);
  return {
    value: tf.gather(table, ids),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const used = saved[0] as tf.Tensor1D;
      return [tf.scatterND(used.expandDims(1), dy as tf.Tensor, table.shape), tf.zerosLike(used)];
    },
  };
});

/** The dense layers' input: numeric features, then each category column's embedding, side by side. */
function embedded(config: EpochConfig, batch: Pick<Batch, 'x' | 'ids'>): tf.Tensor {
  if (!batch.ids) return batch.x as tf.Tensor2D;
  const rows = batch.ids.shape[0];
  const parts: tf.Tensor[] = batch.x ? [batch.x] : [];
  config.embeddings.forEach((_, k) => {
    const ids = batch.ids?.slice([0, k], [rows, 1]).reshape([rows]) as tf.Tensor1D;
    const table = config.network.getLayer(embeddingLayerName(k)).trainableWeights[0]?.read() as tf.Tensor;
    parts.push((embeddingLookup as (table: tf.Tensor, ids: tf.Tensor1D) => tf.Tensor)(table, ids));
  });
  return parts.length === 1 ? (parts[0] as tf.Tensor) : tf.concat(parts, 1);
}

/** Forward pass in training mode: seeded inverted dropout after each hidden layer; logits for classifiers. */
export function forward(config: EpochConfig, batch: Pick<Batch, 'x' | 'ids'>, dropoutSeed: number): tf.Tensor {
  const layers = denseLayers(config.network);
  let h = embedded(config, batch);
  layers.forEach((layer, i) => {
    h = layer.apply(h) as tf.Tensor;
    if (config.dropout > 0 && i < layers.length - 1) {
      const keep = tf.randomUniform(h.shape, 0, 1, 'float32', deriveSeed(dropoutSeed, i)).greaterEqual(config.dropout);
      h = h.mul(keep.cast('float32')).div(1 - config.dropout);
    }
  });
  return h;
}

/** Loss of one gathered batch: weighted cross-entropy on logits, or MSE, plus the L2 term. */
export function batchLoss(config: EpochConfig, batch: Batch, dropoutSeed: number): tf.Scalar {
  const output = forward(config, batch, dropoutSeed);
  let loss: tf.Tensor = config.classifier
    ? tf.losses.softmaxCrossEntropy(batch.y, output, batch.weights ?? undefined)
    : tf.losses.meanSquaredError(batch.y, output);
  if (config.l2 > 0) {
    for (const w of config.network.trainableWeights) {
      if (w.originalName.endsWith('kernel')) loss = loss.add(tf.sum(tf.square(w.read())).mul(config.l2));
    }
  }
  return loss as tf.Scalar;
}

/**
 * The batch's rows, gathered OUTSIDE the optimizer's gradient tape: a gather recorded on the tape has a gradient
 * with respect to the whole training matrix, which tfjs materialises every step (a full-size copy per batch).
 */
export function gatherBatch(t: TrainingTensors, index: tf.Tensor1D): Batch {
  return {
    x: t.x ? (tf.gather(t.x, index) as tf.Tensor2D) : null,
    ids: t.ids ? (tf.gather(t.ids, index) as tf.Tensor2D) : null,
    y: tf.gather(t.y, index) as tf.Tensor2D,
    weights: t.weights ? (tf.gather(t.weights, index) as tf.Tensor1D) : null,
  };
}

/**
 * One epoch of mini-batch training. The row order comes from (seed, epoch) and dropout masks from (seed, epoch,
 * batch), so epoch k of a resumed run draws exactly what it would have drawn in an uninterrupted one.
 */
export async function runEpoch(config: EpochConfig, t: TrainingTensors, epoch: number): Promise<number> {
  const order = shuffleInPlace(
    Int32Array.from({ length: t.rowCount }, (_, i) => i),
    createRng(deriveSeed(config.seed, epoch)),
  );
  const { total } = await trainBatches(config, t, order, epoch, 0);
  return total / t.rowCount;
}

/**
 * Mini-batches over the rows of `t` in `order`. Batch k of the epoch (counting from `firstBatch`, so an out-of-core
 * epoch numbers its batches across windows) draws its dropout masks from (seed, epoch, k). Returns the summed loss
 * (batch loss × batch rows) and the number of batches.
 */
export async function trainBatches(
  config: EpochConfig,
  t: TrainingTensors,
  order: Int32Array,
  epoch: number,
  firstBatch: number,
): Promise<{ total: number; batches: number }> {
  const variables = config.network.trainableWeights.map((w) => w.read() as tf.Variable);
  let total = tf.scalar(0);
  let lastYield = Date.now();
  let batch = firstBatch;
  for (let start = 0; start < order.length; start += config.batchSize, batch++) {
    const rows = order.subarray(start, start + config.batchSize);
    const seed = deriveSeed(config.seed, epoch, batch);
    const weighted = tf.tidy(() => {
      const rowsOfBatch = gatherBatch(t, tf.tensor1d(rows, 'int32'));
      const cost = config.optimizer.minimize(() => batchLoss(config, rowsOfBatch, seed), true, variables);
      return total.add((cost as tf.Scalar).mul(rows.length)) as tf.Scalar;
    });
    total.dispose();
    total = weighted;
    if (Date.now() - lastYield > YIELD_EVERY_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      throwIfAborted(config.signal);
      lastYield = Date.now();
    }
  }
  const sum = (await total.data())[0] as number;
  total.dispose();
  return { total: sum, batches: batch - firstBatch };
}

/** Network outputs for row-major features, in chunks so large inputs never need one huge tensor. */
export function predictOutputs(
  network: tf.LayersModel,
  embeddings: readonly EmbeddingColumn[],
  x: Float32Array,
  rowCount: number,
  featureCount: number,
): Float32Array {
  const width = (network.outputs[0]?.shape[1] as number | null) ?? 1;
  const out = new Float32Array(rowCount * width);
  const chunk = 8192;
  for (let start = 0; start < rowCount; start += chunk) {
    const n = Math.min(chunk, rowCount - start);
    const block = x.subarray(start * featureCount, (start + n) * featureCount);
    const split = splitFeatures(block, n, featureCount, embeddings);
    // The values are read after tidy: tidy walks whatever its callback returns looking for tensors, element by
    // element for a typed array.
    const output = tf.tidy(() => {
      const numeric = split.numeric ? tf.tensor2d(split.numeric, [n, split.numericCount]) : null;
      const ids = split.ids ? tf.tensor2d(split.ids, [n, embeddings.length], 'int32') : null;
      return network.predict(networkInputs(numeric, ids)) as tf.Tensor;
    });
    try {
      out.set(output.dataSync(), start * width);
    } finally {
      output.dispose();
    }
  }
  return out;
}

export interface Evaluation {
  valLoss: number;
  valAccuracy: number | null;
  valRmse: number | null;
}

/** Validation metrics (unweighted, like Keras); regression loss on standardised targets, RMSE in original units. */
export function evaluate(args: {
  network: tf.LayersModel;
  embeddings: readonly EmbeddingColumn[];
  x: Float32Array;
  y: Int32Array | Float32Array;
  rowCount: number;
  featureCount: number;
  numClasses: number;
  targetScale: TargetScale | null;
}): Evaluation {
  const out = predictOutputs(args.network, args.embeddings, args.x, args.rowCount, args.featureCount);
  if (!args.targetScale) {
    const probabilities = { yTrue: args.y, probabilities: out, numClasses: args.numClasses };
    return {
      valLoss: logLoss(probabilities),
      valAccuracy: accuracy({ yTrue: args.y, yPred: argmaxRows(probabilities) }),
      valRmse: null,
    };
  }
  const { mean, std } = args.targetScale;
  let scaledSquares = 0;
  for (let i = 0; i < args.rowCount; i++)
    scaledSquares += ((out[i] as number) - ((args.y[i] as number) - mean) / std) ** 2;
  const mse = scaledSquares / Math.max(1, args.rowCount);
  return { valLoss: mse, valAccuracy: null, valRmse: Math.sqrt(mse) * std };
}
