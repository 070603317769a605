import { defineModelKind } from '../../kind';
import { decodeTreeModel, encodeTreeModel, predictTrees, treeImportance, type TreeModelState } from '../trees/model';
import { GradientBoostingHyperparametersSchema, type GradientBoostingHyperparameters } from './hyperparameters';
import { trainGradientBoosting } from './train';

export const gradientBoostingKind = defineModelKind<GradientBoostingHyperparameters, TreeModelState>({
  name: 'gradient_boosting',
  description:
    'Gradient-boosted decision trees (second-order, histogram splits, early stopping on validation loss), for classification and regression.',
  tasks: ['classification', 'regression'],
  hyperparameters: GradientBoostingHyperparametersSchema,
  capabilities: { checkpointing: true, featureImportance: true, gpu: false, embeddings: false, outOfCore: false },
  artifactVersion: 1,
  train: trainGradientBoosting,
  encode: encodeTreeModel,
  decode: decodeTreeModel,
  predict: predictTrees,
  featureImportance: treeImportance,
});
