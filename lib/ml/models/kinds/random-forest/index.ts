import { defineModelKind } from '../../kind';
import { decodeTreeModel, encodeTreeModel, predictTrees, treeImportance, type TreeModelState } from '../trees/model';
import { RandomForestHyperparametersSchema, type RandomForestHyperparameters } from './hyperparameters';
import { trainRandomForest } from './train';

export const randomForestKind = defineModelKind<RandomForestHyperparameters, TreeModelState>({
  name: 'random_forest',
  description:
    'Random forest of histogram-split decision trees (bootstrap rows, random features per split), for classification and regression.',
  tasks: ['classification', 'regression'],
  hyperparameters: RandomForestHyperparametersSchema,
  capabilities: { checkpointing: true, featureImportance: true, gpu: false, embeddings: false, outOfCore: false },
  artifactVersion: 1,
  train: trainRandomForest,
  encode: encodeTreeModel,
  decode: decodeTreeModel,
  predict: predictTrees,
  featureImportance: treeImportance,
});
