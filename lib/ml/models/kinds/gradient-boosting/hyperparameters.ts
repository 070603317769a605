import { z } from 'zod';
import { ClassWeightsSchema } from '../../class-weights';

export const BoostingEarlyStoppingSchema = z.strictObject({
  /** Rounds without a lower validation loss before boosting stops (the best round's trees are kept). */
  patience: z.number().int().min(1).default(20),
  /** The smallest decrease of the validation loss that counts as an improvement. */
  minDelta: z.number().min(0).default(0),
});

/** Gradient-boosted trees hyperparameters (names follow LightGBM's where they mean the same). */
export const GradientBoostingHyperparametersSchema = z.strictObject({
  /** Boosting rounds (each adds one tree, or one per class for more than two classes). */
  rounds: z.number().int().min(1).max(10_000).default(100),
  /** Shrinkage: each tree's leaf values are multiplied by this. */
  learningRate: z.number().gt(0).max(1).default(0.1),
  /** Depth limit of each tree (trees grow level by level up to it). */
  maxDepth: z.number().int().min(1).max(32).default(6),
  /** Fewest training rows a leaf may hold. */
  minSamplesLeaf: z.number().int().min(1).default(20),
  /** Smallest sum of hessians (loss curvature) a leaf may hold. */
  minHessian: z.number().min(0).default(1e-3),
  /** L2 penalty on leaf values (λ). */
  l2: z.number().min(0).default(0),
  /** A split must reduce the loss by more than this. */
  minGain: z.number().min(0).default(0),
  /** Fraction of training rows drawn (without replacement) for each round. */
  subsample: z.number().gt(0).max(1).default(1),
  /** Fraction of features drawn for each tree. */
  featureFraction: z.number().gt(0).max(1).default(1),
  /** Histogram bins per feature (split candidates); at most 255. */
  maxBins: z.number().int().min(2).max(255).default(255),
  /** Stops when the validation loss stops improving (needs a validation split); `false` runs every round. */
  earlyStopping: z.union([z.literal(false), BoostingEarlyStoppingSchema]).prefault({}),
  /** Classification only: 'balanced' weighs class c by n / (classes × n_c); a record maps class label → weight. */
  classWeights: ClassWeightsSchema,
  /** Rounds per epoch: progress, metrics history and checkpoints happen at epoch ends. */
  roundsPerEpoch: z.number().int().min(1).max(1000).default(10),
  /** Seeds row and feature sampling: the same seed and data give the same model. */
  seed: z.number().int().default(42),
});
export type GradientBoostingHyperparameters = z.infer<typeof GradientBoostingHyperparametersSchema>;
