import type { EmbeddingColumn } from '../../../features/names';
import { deriveSeed } from '../../../random';
import { tf } from '../../../tf';
import type { DenseHyperparameters } from './hyperparameters';

/** Fixed layer names keep the serialised topology, and so the artefact bytes, independent of process history. */
export const OUTPUT_LAYER = 'output';
export const PROBABILITIES_LAYER = 'probabilities';
const NUMERIC_INPUT = 'features';
const EMBEDDING_SEED_OFFSET = 1000;

export interface NetworkShape {
  kind: string;
  hyperparameters: DenseHyperparameters;
  featureCount: number;
  /** Classification: classes; regression: 1. */
  outputs: number;
  classifier: boolean;
  /** Features holding category indices: each gets an embedding instead of entering the dense layers as a number. */
  embeddings: readonly EmbeddingColumn[];
}

const hasHiddenLayers = (kind: string) => kind === 'mlp_classifier' || kind === 'mlp_regressor';

function denseLayer(shape: NetworkShape, size: number, i: number, last: boolean, inputWidth?: number) {
  const hp = shape.hyperparameters;
  return tf.layers.dense({
    name: last ? OUTPUT_LAYER : `hidden_${i}`,
    units: size,
    activation: last ? 'linear' : hp.activation,
    kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(hp.seed, i) }),
    biasInitializer: 'zeros',
    ...(inputWidth === undefined ? {} : { inputShape: [inputWidth] }),
  });
}

function layerSizes(shape: NetworkShape): number[] {
  return [...(hasHiddenLayers(shape.kind) ? shape.hyperparameters.hiddenUnits : []), shape.outputs];
}

/**
 * Dense layers (none for the linear kinds). Classifiers end with `outputs` logits and a separate softmax layer (binary
 * included: two softmax units are equivalent to one sigmoid unit), so training can use the numerically stable
 * cross-entropy on logits while the saved model outputs probabilities. Dropout is not a layer: training applies it
 * with seeded masks (see epoch.ts), and inference needs none. Without embedding columns this is the Sequential
 * network of the first artefact format, byte for byte.
 */
export function buildNetwork(shape: NetworkShape): tf.LayersModel {
  if (shape.embeddings.length > 0) return buildEmbeddingNetwork(shape);
  const network = tf.sequential({ name: shape.kind });
  const units = layerSizes(shape);
  units.forEach((size, i) =>
    network.add(denseLayer(shape, size, i, i === units.length - 1, i === 0 ? shape.featureCount : undefined)),
  );
  if (shape.classifier) network.add(tf.layers.activation({ name: PROBABILITIES_LAYER, activation: 'softmax' }));
  return network;
}

/**
 * Entity embeddings: one input for the numeric features and one per category-index column, each looked up in its
 * own embedding table (vocabulary includes the unknown index), flattened and concatenated before the dense layers.
 */
function buildEmbeddingNetwork(shape: NetworkShape): tf.LayersModel {
  const numericCount = shape.featureCount - shape.embeddings.length;
  const inputs: tf.SymbolicTensor[] = [];
  const parts: tf.SymbolicTensor[] = [];
  if (numericCount > 0) {
    const numeric = tf.input({ name: NUMERIC_INPUT, shape: [numericCount] });
    inputs.push(numeric);
    parts.push(numeric);
  }
  shape.embeddings.forEach((e, k) => {
    const ids = tf.input({ name: `category_${k}`, shape: [1] });
    inputs.push(ids);
    const table = tf.layers.embedding({
      name: embeddingLayerName(k),
      inputDim: e.vocabulary,
      outputDim: e.dimension,
      embeddingsInitializer: tf.initializers.randomUniform({
        minval: -0.05,
        maxval: 0.05,
        seed: deriveSeed(shape.hyperparameters.seed, EMBEDDING_SEED_OFFSET + k),
      }),
    });
    parts.push(tf.layers.flatten({ name: `flatten_${k}` }).apply(table.apply(ids)) as tf.SymbolicTensor);
  });
  let h =
    parts.length === 1
      ? (parts[0] as tf.SymbolicTensor)
      : (tf.layers.concatenate({ name: 'concat', axis: 1 }).apply(parts) as tf.SymbolicTensor);
  const units = layerSizes(shape);
  units.forEach((size, i) => {
    h = denseLayer(shape, size, i, i === units.length - 1).apply(h) as tf.SymbolicTensor;
  });
  if (shape.classifier) {
    h = tf.layers.activation({ name: PROBABILITIES_LAYER, activation: 'softmax' }).apply(h) as tf.SymbolicTensor;
  }
  return tf.model({ name: shape.kind, inputs, outputs: h });
}

export function embeddingLayerName(k: number): string {
  return `embedding_${k}`;
}

/** The dense layers, input to output (the training forward pass applies them with dropout in between). */
export function denseLayers(network: tf.LayersModel): tf.layers.Layer[] {
  return network.layers.filter((l) => l.getClassName() === 'Dense');
}
