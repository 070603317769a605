import { z } from 'zod';
import { ClassWeightsSchema } from '../../class-weights';

export const EarlyStoppingSchema = z.strictObject({
  /** Epochs without improvement before training stops. */
  patience: z.number().int().min(1).default(5),
  /** The smallest change of the monitored value that counts as an improvement. */
  minDelta: z.number().min(0).default(1e-4),
  /** Without a validation set, val_* monitors fall back to the training loss. */
  monitor: z.enum(['val_loss', 'loss', 'val_accuracy']).default('val_loss'),
  /** Finish with the weights of the best monitored epoch rather than the last. */
  restoreBestWeights: z.boolean().default(true),
});
export type EarlyStopping = z.infer<typeof EarlyStoppingSchema>;

/**
 * Hyperparameters of the dense (TensorFlow.js) kinds. The four kinds share one schema, so a spec can switch between
 * them by changing `kind` alone. Field order matters: it is part of the training fingerprint of resumable checkpoints.
 */
export const DenseHyperparametersSchema = z.strictObject({
  /** Maximum passes over the training set (early stopping may end sooner). */
  epochs: z.number().int().min(1).max(10_000).default(50),
  /** Rows per gradient step. */
  batchSize: z.number().int().min(1).max(65_536).default(64),
  /** Step size of the optimizer. */
  learningRate: z.number().positive().max(10).default(0.01),
  /** 'adam' or plain stochastic gradient descent. */
  optimizer: z.enum(['adam', 'sgd']).default('adam'),
  /** Hidden layer sizes of MLP kinds (ignored by the linear kinds). */
  hiddenUnits: z.array(z.number().int().min(1).max(4096)).max(8).default([32, 16]),
  /** Activation of the hidden layers. */
  activation: z.enum(['relu', 'tanh', 'elu']).default('relu'),
  /** Fraction of hidden units dropped at random in each training step (seeded masks). */
  dropout: z.number().min(0).max(0.9).default(0),
  /** L2 penalty on kernel weights: l2 × Σ w². */
  l2: z.number().min(0).default(0),
  /** `false` trains every epoch. */
  earlyStopping: z.union([z.literal(false), EarlyStoppingSchema]).prefault({}),
  /** Classification only: 'balanced' weighs class c by n / (classes × n_c); a record maps class label → weight. */
  classWeights: ClassWeightsSchema,
  /** Seeds weight initialisation, row order and dropout masks: the same seed and data give the same model. */
  seed: z.number().int().default(42),
});
export type DenseHyperparameters = z.infer<typeof DenseHyperparametersSchema>;
