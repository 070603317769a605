// lib/ml: the pure domain logic of every pipeline step (data, validation, features, models, metrics, drift).
// No Temporal, no S3, no database: streams, arrays and bytes in; plain JSON objects and Uint8Arrays out.

export { DataError, MlError, type DataErrorCode, type ErrorDetails, type ModelErrorCode } from './errors';
export { createRng, deriveSeed, type Rng } from './random';

export * from './data/types';
export { DEFAULT_MISSING_TOKENS, cellKey, parseIsoDate, parseNumber, readCell } from './data/cells';
export { inferColumnType } from './data/infer';
export { readRecordBatches, readTable, type ReadOptions } from './data/reader';
export { concatTables, detachStrings, rowsToTable, selectRows, tableRow } from './data/batch';
export { DistinctCounter, FrequentValues, ReservoirSample, RunningMoments } from './data/sketches';
export {
  ProfileAccumulator,
  profileTable,
  quantileOfSorted,
  type ColumnProfile,
  type DatasetProfile,
} from './data/profile';

export * from './validation/spec';
export * from './validation/types';
export { createValidator, validateTable, type Validator } from './validation/validator';
export { typeSatisfies } from './validation/dataset-checks';
export { inferExpectations, type InferExpectationsOptions } from './validation/infer';

export * from './features/spec';
export * from './features/types';
export { fitFeatureTransforms } from './features/fit';
export { applyTransforms, type TransformedFeatures } from './features/apply';
export { decodeClass, encodeLabels, fitLabel, labelColumnOf } from './features/labels';
export { UNKNOWN_CATEGORY, embeddingColumnsOf, type EmbeddingColumn } from './features/names';
export { defaultEmbeddingDimension } from './features/fit';
export {
  SplitSpecSchema,
  splitDataset,
  type DatasetSplit,
  type SplitSpec,
  type SplitSpecInput,
} from './features/split';
export { LabelCodeCollector, decodeLabelCodes, encodeLabelCodes, type LabelCodes } from './features/label-codes';
export { buildDataset, type Dataset } from './features/dataset';

export { tf } from './tf';
export {
  currentTfBackend,
  initTfBackend,
  TF_BACKENDS,
  type TfBackendName,
  type TfBackendPreference,
} from './models/backend';
export * from './models/spec';
export * from './models/types';
export type {
  AnyModelKind,
  FeatureImportance,
  ModelKindCapabilities,
  ModelKindDefinition,
  ModelMeta,
  TargetScale,
} from './models/kind';
export { MODEL_KIND_REGISTRY, kindsForTask, modelKind, modelKindNames } from './models/registry';
export { disposeModel, loadModel, serializeModel, type MlModel } from './models/artifact';
export { trainModel, type TrainArgs } from './models/train';
export { setDirectForwardMaxRows } from './models/kinds/dense/forward';
export { fittedOf, predict, predictRows, rowPredictions, type Prediction, type RowPrediction } from './models/predict';
export { featureImportanceOf, type NamedImportance } from './models/importance';
export * from './importance/permutation';

export * from './metrics/classification';
export * from './metrics/regression';

export * from './drift/spec';
export * from './drift/profile';
export { PREDICTION_COLUMN, predictionTable } from './drift/predictions';
export { computeDrift, type DriftReport, type FeatureDrift } from './drift/drift';
export { chiSquareHomogeneity, jensenShannonDistance, ksTwoSample, psi } from './drift/statistics';
