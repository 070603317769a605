import { z } from 'zod';
import { ClassWeightsSchema } from '../../class-weights';

/** Random forest hyperparameters (names follow scikit-learn's RandomForest* where they mean the same). */
export const RandomForestHyperparametersSchema = z.strictObject({
  /** Trees in the forest. */
  trees: z.number().int().min(1).max(5000).default(100),
  /** Depth limit of each tree; null grows until leaves are pure or at minSamplesLeaf. */
  maxDepth: z.number().int().min(1).max(128).nullable().default(null),
  /** Fewest training rows a leaf may hold. */
  minSamplesLeaf: z.number().int().min(1).default(1),
  /**
   * Features drawn at random for each split: 'sqrt' or 'log2' of the feature count, 'all', a fraction in (0, 1], or
   * 'auto' (sqrt for classification, all for regression, as scikit-learn).
   */
  maxFeatures: z.union([z.enum(['auto', 'sqrt', 'log2', 'all']), z.number().gt(0).max(1)]).default('auto'),
  /** Each tree trains on rows drawn with replacement (true) or without (false). */
  bootstrap: z.boolean().default(true),
  /** Rows drawn for each tree, as a fraction of the training rows. */
  sampleFraction: z.number().gt(0).max(1).default(1),
  /** Histogram bins per feature (split candidates); at most 255. */
  maxBins: z.number().int().min(2).max(255).default(255),
  /** Classification only: 'balanced' weighs class c by n / (classes × n_c); a record maps class label → weight. */
  classWeights: ClassWeightsSchema,
  /** Trees per epoch: progress, metrics history and checkpoints happen at epoch ends. */
  treesPerEpoch: z.number().int().min(1).max(1000).default(10),
  /** Seeds row sampling and feature draws: the same seed and data give the same forest. */
  seed: z.number().int().default(42),
});
export type RandomForestHyperparameters = z.infer<typeof RandomForestHyperparametersSchema>;

/** The number of features each split considers. */
export function featuresPerSplit(hp: RandomForestHyperparameters, featureCount: number, classifier: boolean): number {
  const setting = hp.maxFeatures === 'auto' ? (classifier ? 'sqrt' : 'all') : hp.maxFeatures;
  if (setting === 'all') return featureCount;
  if (setting === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(featureCount)));
  if (setting === 'log2') return Math.max(1, Math.floor(Math.log2(featureCount)));
  return Math.max(1, Math.floor(setting * featureCount));
}
