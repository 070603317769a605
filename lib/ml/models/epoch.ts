import { accuracy, argmaxRows, logLoss } from '../metrics/classification';
import { createRng, deriveSeed, shuffleInPlace } from '../random';
import { tf } from '../tf';
import { trainingLayers } from './network';
import type { TargetScale } from './serialize';

/** Tensors of one training run, held on the backend for the whole run. */
export interface TrainingTensors {
  x: tf.Tensor2D;
  /** One-hot float targets (classification) or standardised targets [n, 1] (regression). */
  y: tf.Tensor2D;
  /** Per-row class weights, or null. */
  weights: tf.Tensor1D | null;
  rowCount: number;
}

export interface EpochConfig {
  network: tf.LayersModel;
  optimizer: tf.Optimizer;
  classifier: boolean;
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

/** Forward pass in training mode: seeded inverted dropout after each hidden layer; logits for classifiers. */
function forward(config: EpochConfig, x: tf.Tensor, dropoutSeed: number): tf.Tensor {
  const layers = trainingLayers(config.network);
  let h = x;
  layers.forEach((layer, i) => {
    h = layer.apply(h) as tf.Tensor;
    if (config.dropout > 0 && i < layers.length - 1) {
      const keep = tf.randomUniform(h.shape, 0, 1, 'float32', deriveSeed(dropoutSeed, i)).greaterEqual(config.dropout);
      h = h.mul(keep.cast('float32')).div(1 - config.dropout);
    }
  });
  return h;
}

function batchLoss(config: EpochConfig, t: TrainingTensors, index: tf.Tensor1D, dropoutSeed: number): tf.Scalar {
  const x = tf.gather(t.x, index);
  const y = tf.gather(t.y, index);
  const output = forward(config, x, dropoutSeed);
  let loss: tf.Tensor = config.classifier
    ? tf.losses.softmaxCrossEntropy(y, output, t.weights ? tf.gather(t.weights, index) : undefined)
    : tf.losses.meanSquaredError(y, output);
  if (config.l2 > 0) {
    for (const w of config.network.trainableWeights) {
      if (w.originalName.endsWith('kernel')) loss = loss.add(tf.sum(tf.square(w.read())).mul(config.l2));
    }
  }
  return loss as tf.Scalar;
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
  const variables = config.network.trainableWeights.map((w) => w.read() as tf.Variable);
  let total = tf.scalar(0);
  let lastYield = Date.now();
  for (let start = 0, batch = 0; start < t.rowCount; start += config.batchSize, batch++) {
    const rows = order.subarray(start, start + config.batchSize);
    const weighted = tf.tidy(() => {
      const index = tf.tensor1d(rows, 'int32');
      const cost = config.optimizer.minimize(
        () => batchLoss(config, t, index, deriveSeed(config.seed, epoch, batch)),
        true,
        variables,
      );
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
  return sum / t.rowCount;
}

/** Network outputs for row-major features, in chunks so large inputs never need one huge tensor. */
export function predictOutputs(
  network: tf.LayersModel,
  x: Float32Array,
  rowCount: number,
  featureCount: number,
): Float32Array {
  const width = (network.outputs[0]?.shape[1] as number | null) ?? 1;
  const out = new Float32Array(rowCount * width);
  const chunk = 8192;
  for (let start = 0; start < rowCount; start += chunk) {
    const n = Math.min(chunk, rowCount - start);
    const values = tf.tidy(() => {
      const input = tf.tensor2d(x.subarray(start * featureCount, (start + n) * featureCount), [n, featureCount]);
      return (network.predict(input) as tf.Tensor).dataSync();
    });
    out.set(values, start * width);
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
  x: Float32Array;
  y: Int32Array | Float32Array;
  rowCount: number;
  featureCount: number;
  numClasses: number;
  targetScale: TargetScale | null;
}): Evaluation {
  const out = predictOutputs(args.network, args.x, args.rowCount, args.featureCount);
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
