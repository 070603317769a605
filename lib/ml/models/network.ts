import { deriveSeed } from '../random';
import { tf } from '../tf';
import type { Hyperparameters, ModelKind } from './spec';
import { isClassifier } from './spec';

/** Fixed layer names keep the serialised topology, and so the artefact bytes, independent of process history. */
export const OUTPUT_LAYER = 'output';
export const PROBABILITIES_LAYER = 'probabilities';

/**
 * Sequential network of dense layers. Classifiers end with `numClasses` logits and a separate softmax layer (binary
 * included: two softmax units are equivalent to one sigmoid unit), so training can use the numerically stable
 * cross-entropy on logits while the saved model outputs probabilities. Dropout is not a layer: training applies it
 * with seeded masks (see train.ts), and inference needs none.
 */
export function buildNetwork(args: {
  kind: ModelKind;
  hyperparameters: Hyperparameters;
  featureCount: number;
  numClasses: number;
}): tf.Sequential {
  const { kind, hyperparameters: hp, featureCount } = args;
  const hidden = kind === 'mlp_classifier' || kind === 'mlp_regressor' ? hp.hiddenUnits : [];
  const classifier = isClassifier(kind);
  const network = tf.sequential({ name: kind });
  const units = [...hidden, classifier ? args.numClasses : 1];
  units.forEach((size, i) => {
    const last = i === units.length - 1;
    network.add(
      tf.layers.dense({
        name: last ? OUTPUT_LAYER : `hidden_${i}`,
        units: size,
        activation: last ? 'linear' : hp.activation,
        kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(hp.seed, i) }),
        biasInitializer: 'zeros',
        ...(i === 0 ? { inputShape: [featureCount] } : {}),
      }),
    );
  });
  if (classifier) network.add(tf.layers.activation({ name: PROBABILITIES_LAYER, activation: 'softmax' }));
  return network;
}

/** Layers that produce the training output (logits for classifiers): everything but the final softmax. */
export function trainingLayers(network: tf.LayersModel): tf.layers.Layer[] {
  return network.layers.filter((l) => l.name !== PROBABILITIES_LAYER && l.getClassName() !== 'InputLayer');
}
