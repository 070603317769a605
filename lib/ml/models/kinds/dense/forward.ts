import type { EmbeddingColumn } from '../../../features/names';
import { type tf } from '../../../tf';
import { splitFeatures } from './inputs';
import { PROBABILITIES_LAYER, denseLayers, embeddingLayerName } from './network';

/**
 * Inference of a dense network in plain TypeScript, for small batches. A TensorFlow.js `predict` costs tens of
 * microseconds of bookkeeping per op (tensor handles, shape checks, the engine's scopes) whatever the batch size,
 * which dominates serving one row at a time; the arithmetic of a few small matrix products does not. Large batches
 * stay on TensorFlow.js, whose kernels (wasm SIMD, native) win once there are enough rows to amortise that overhead.
 *
 * The weights are read from the network once (the network stays the one source of truth: nothing is stored twice
 * in an artefact), so a network must not be trained further after it has predicted through this path.
 */
interface DenseLayerWeights {
  kernel: Float32Array;
  bias: Float32Array;
  inputs: number;
  units: number;
  activation: Activation;
}

type Activation = 'linear' | 'relu' | 'tanh' | 'elu' | 'sigmoid';

export interface DirectForward {
  layers: DenseLayerWeights[];
  /** One table per embedding column (vocabulary × dimension, row-major). */
  tables: Float32Array[];
  dimensions: number[];
  softmax: boolean;
  outputs: number;
}

/** Up to this many rows, `predictDirect` is faster than TensorFlow.js on the backends measured (bench/serve-scale.ts). */
export const DIRECT_FORWARD_MAX_ROWS = 32;

let directMaxRows = DIRECT_FORWARD_MAX_ROWS;

/** Process-wide: batches up to `rows` take the direct path (PREDICT_DIRECT_MAX_ROWS; 0 turns it off). */
export function setDirectForwardMaxRows(rows: number): void {
  directMaxRows = rows;
}

export function directForwardMaxRows(): number {
  return directMaxRows;
}

const cache = new WeakMap<tf.LayersModel, DirectForward | null>();

function activationOf(layer: tf.layers.Layer): Activation | null {
  const name = (layer.getConfig().activation as string | undefined) ?? 'linear';
  return ['linear', 'relu', 'tanh', 'elu', 'sigmoid'].includes(name) ? (name as Activation) : null;
}

function readWeights(network: tf.LayersModel, embeddings: readonly EmbeddingColumn[]): DirectForward | null {
  const layers: DenseLayerWeights[] = [];
  for (const layer of denseLayers(network)) {
    const activation = activationOf(layer);
    const [kernel, bias] = layer.getWeights();
    if (!activation || !kernel || !bias || kernel.shape.length !== 2) return null;
    const [inputs, units] = kernel.shape as [number, number];
    layers.push({
      kernel: kernel.dataSync() as Float32Array,
      bias: bias.dataSync() as Float32Array,
      inputs,
      units,
      activation,
    });
  }
  const tables = embeddings.map((_, k) => network.getLayer(embeddingLayerName(k)).getWeights()[0]);
  if (layers.length === 0 || tables.some((t) => !t)) return null;
  const softmax = network.layers.some((l) => l.name === PROBABILITIES_LAYER);
  return {
    layers,
    tables: tables.map((t) => (t as tf.Tensor).dataSync() as Float32Array),
    dimensions: tables.map((t) => (t as tf.Tensor).shape[1] as number),
    softmax,
    outputs: (layers[layers.length - 1] as DenseLayerWeights).units,
  };
}

/** The network's weights for the direct path, read once per network; null when its layers are not all supported. */
export function directForwardOf(network: tf.LayersModel, embeddings: readonly EmbeddingColumn[]): DirectForward | null {
  let forward = cache.get(network);
  if (forward === undefined) cache.set(network, (forward = readWeights(network, embeddings)));
  return forward;
}

function activate(values: Float64Array, activation: Activation): void {
  for (let j = 0; j < values.length; j++) {
    const v = values[j] as number;
    if (activation === 'relu') values[j] = v > 0 ? v : 0;
    else if (activation === 'tanh') values[j] = Math.tanh(v);
    else if (activation === 'elu') values[j] = v > 0 ? v : Math.expm1(v);
    else if (activation === 'sigmoid') values[j] = 1 / (1 + Math.exp(-v));
  }
}

function softmaxInPlace(values: Float64Array): void {
  let max = -Infinity;
  for (const v of values) max = Math.max(max, v);
  let sum = 0;
  for (let j = 0; j < values.length; j++) sum += values[j] = Math.exp((values[j] as number) - max);
  for (let j = 0; j < values.length; j++) values[j] = (values[j] as number) / sum;
}

/** The first layer's input for one row: numeric features, then each category's embedding row, side by side. */
function inputRow(
  f: DirectForward,
  numeric: Float32Array | null,
  numericCount: number,
  ids: Int32Array | null,
  i: number,
): Float64Array {
  const width = (f.layers[0] as DenseLayerWeights).inputs;
  const row = new Float64Array(width);
  let at = 0;
  for (let j = 0; j < numericCount; j++) row[at++] = (numeric as Float32Array)[i * numericCount + j] as number;
  f.tables.forEach((table, k) => {
    const d = f.dimensions[k] as number;
    const id = (ids as Int32Array)[i * f.tables.length + k] as number;
    for (let j = 0; j < d; j++) row[at++] = table[id * d + j] as number;
  });
  return row;
}

/**
 * Outputs for row-major features (rowCount × featureCount): probabilities for classifiers, the linear output for
 * regressors. Accumulates in float64, so results agree with TensorFlow.js's float32 kernels to about 1e-6.
 */
export function predictDirect(
  f: DirectForward,
  embeddings: readonly EmbeddingColumn[],
  x: Float32Array,
  rowCount: number,
  featureCount: number,
): Float32Array {
  const out = new Float32Array(rowCount * f.outputs);
  const split = splitFeatures(x, rowCount, featureCount, embeddings);
  for (let i = 0; i < rowCount; i++) {
    let h = inputRow(f, split.numeric, split.numericCount, split.ids, i);
    for (const layer of f.layers) {
      const next = new Float64Array(layer.units);
      next.set(layer.bias);
      for (let k = 0; k < layer.inputs; k++) {
        const v = h[k] as number;
        if (v === 0) continue;
        const row = k * layer.units;
        for (let j = 0; j < layer.units; j++) next[j] = (next[j] as number) + v * (layer.kernel[row + j] as number);
      }
      activate(next, layer.activation);
      h = next;
    }
    if (f.softmax) softmaxInPlace(h);
    out.set(h, i * f.outputs);
  }
  return out;
}
