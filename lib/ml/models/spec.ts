import { z } from 'zod';

export const MODEL_KINDS = ['logistic_regression', 'mlp_classifier', 'linear_regression', 'mlp_regressor'] as const;
export const ModelKindSchema = z.enum(MODEL_KINDS);
export type ModelKind = z.infer<typeof ModelKindSchema>;

export const EarlyStoppingSchema = z.object({
  patience: z.number().int().min(1).default(5),
  minDelta: z.number().min(0).default(1e-4),
  /** Without a validation set, val_* monitors fall back to the training loss. */
  monitor: z.enum(['val_loss', 'loss', 'val_accuracy']).default('val_loss'),
  /** Finish with the weights of the best monitored epoch rather than the last. */
  restoreBestWeights: z.boolean().default(true),
});
export type EarlyStopping = z.infer<typeof EarlyStoppingSchema>;

export const HyperparametersSchema = z.object({
  epochs: z.number().int().min(1).max(10_000).default(50),
  batchSize: z.number().int().min(1).max(65_536).default(64),
  learningRate: z.number().positive().max(10).default(0.01),
  optimizer: z.enum(['adam', 'sgd']).default('adam'),
  /** Hidden layer sizes of MLP kinds (ignored by the linear kinds). */
  hiddenUnits: z.array(z.number().int().min(1).max(4096)).max(8).default([32, 16]),
  activation: z.enum(['relu', 'tanh', 'elu']).default('relu'),
  dropout: z.number().min(0).max(0.9).default(0),
  /** L2 penalty on kernel weights: l2 × Σ w². */
  l2: z.number().min(0).default(0),
  /** `false` trains every epoch. */
  earlyStopping: z.union([z.literal(false), EarlyStoppingSchema]).prefault({}),
  /** Classification only: 'balanced' weighs class c by n / (classes × n_c); a record maps class label → weight. */
  classWeights: z.union([z.enum(['none', 'balanced']), z.record(z.string(), z.number().positive())]).default('none'),
  seed: z.number().int().default(42),
});
export type Hyperparameters = z.infer<typeof HyperparametersSchema>;

export const ModelCandidateSpecSchema = z.object({
  /** Identifies the candidate in results and artefact keys; defaults to the kind. */
  name: z.string().min(1).optional(),
  kind: ModelKindSchema,
  hyperparameters: HyperparametersSchema.prefault({}),
});
export type ModelCandidateSpec = z.infer<typeof ModelCandidateSpecSchema>;
export type ModelCandidateSpecInput = z.input<typeof ModelCandidateSpecSchema>;

export function isClassifier(kind: ModelKind): boolean {
  return kind === 'logistic_regression' || kind === 'mlp_classifier';
}
