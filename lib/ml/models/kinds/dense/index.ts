import type { Task } from '../../../features/spec';
import { defineModelKind, type AnyModelKind, type ModelKindDefinition } from '../../kind';
import { decodeDense, encodeDense } from './artifact';
import { predictOutputs } from './epoch';
import { directForwardMaxRows, directForwardOf, predictDirect } from './forward';
import { DenseHyperparametersSchema, type DenseHyperparameters } from './hyperparameters';
import { trainDense, type DenseState } from './train';

/** The one dense implementation (TensorFlow.js); the four kinds differ only in task and hidden layers. */
const dense: Omit<ModelKindDefinition<DenseHyperparameters, DenseState>, 'name' | 'description' | 'tasks'> = {
  hyperparameters: DenseHyperparametersSchema,
  capabilities: { checkpointing: true, featureImportance: false, gpu: true, embeddings: true, outOfCore: true },
  artifactVersion: 1,
  train: trainDense,
  encode: encodeDense,
  decode: decodeDense,
  predict: (state, { x, rowCount, meta }) => {
    const direct = rowCount <= directForwardMaxRows() ? directForwardOf(state.network, state.embeddings) : null;
    return direct
      ? predictDirect(direct, state.embeddings, x, rowCount, meta.featureCount)
      : predictOutputs(state.network, state.embeddings, x, rowCount, meta.featureCount);
  },
  dispose: (state) => state.network.dispose(),
};

function denseKind(name: string, task: Task, description: string): AnyModelKind {
  return defineModelKind<DenseHyperparameters, DenseState>({ ...dense, name, tasks: [task], description });
}

export const denseKinds: readonly AnyModelKind[] = [
  denseKind(
    'logistic_regression',
    'classification',
    'Multinomial logistic regression (softmax on a linear layer), trained by mini-batch gradient descent.',
  ),
  denseKind(
    'mlp_classifier',
    'classification',
    'Multi-layer perceptron classifier: dense hidden layers, dropout, L2, class weights and early stopping.',
  ),
  denseKind(
    'linear_regression',
    'regression',
    'Linear regression on standardised targets, trained by mini-batch gradient descent.',
  ),
  denseKind(
    'mlp_regressor',
    'regression',
    'Multi-layer perceptron regressor on standardised targets, with dropout, L2 and early stopping.',
  ),
];
