import type { CellValue } from '../data/types';
import { MlError } from '../errors';
import { applyTransforms } from '../features/apply';
import type { FittedTransforms } from '../features/types';
import { argmaxRows } from '../metrics/classification';
import type { MlModel } from './artifact';
import { modelKind } from './registry';

export type Prediction =
  | { task: 'classification'; numClasses: number; classIndices: Int32Array; probabilities: Float32Array }
  | { task: 'regression'; values: Float32Array };

/** Predictions for row-major features (rowCount × featureCount), by the model's kind. Allocates nothing that lasts. */
export function predict(args: { model: MlModel; x: Float32Array; rowCount?: number }): Prediction {
  const { meta } = args.model;
  const rowCount = args.rowCount ?? args.x.length / meta.featureCount;
  if (!Number.isInteger(rowCount) || args.x.length !== rowCount * meta.featureCount) {
    throw new MlError({
      code: 'INVALID_INPUT',
      message: `Expected rows of ${meta.featureCount} features, got ${args.x.length} values.`,
    });
  }
  const out = modelKind(meta.kind).predict(args.model.state, { x: args.x, rowCount, meta });
  if (meta.task === 'classification') {
    const classIndices = argmaxRows({ probabilities: out, numClasses: meta.numClasses });
    return { task: 'classification', numClasses: meta.numClasses, classIndices, probabilities: out };
  }
  const { mean, std } = meta.targetScale ?? { mean: 0, std: 1 };
  return { task: 'regression', values: meta.targetScale ? out.map((v) => v * std + mean) : out };
}
export type RowPrediction = { label: CellValue; probabilities: Record<string, number> } | { value: number };

/**
 * Predictions for raw JSON rows, as the prediction service receives them: the model's fitted transforms (or
 * `fitted`) turn rows into features exactly as in training, and class indices are mapped back to class labels.
 */
export function predictRows(args: {
  model: MlModel;
  rows: readonly Record<string, unknown>[];
  fitted?: FittedTransforms;
}) {
  const fitted = fittedOf(args.model, args.fitted);
  const features = applyTransforms({ fitted, rows: args.rows });
  const prediction = predict({ model: args.model, x: features.features, rowCount: features.rowCount });
  const predictions = rowPredictions(prediction, fitted);
  return { predictions, imputedCells: features.imputedCells, unknownCategories: features.unknownCategories };
}

/** The transforms rows are served with: `fitted`, else the ones embedded in the artefact. */
export function fittedOf(model: MlModel, fitted?: FittedTransforms): FittedTransforms {
  const chosen = fitted ?? model.fitted;
  if (!chosen)
    throw new MlError({
      code: 'INVALID_INPUT',
      message: 'predictRows needs fitted transforms: the model artefact has none, pass `fitted`.',
    });
  return chosen;
}

/** Predictions as per-row answers: class label and per-class probabilities, or the regression value. */
export function rowPredictions(prediction: Prediction, fitted: FittedTransforms): RowPrediction[] {
  const predictions: RowPrediction[] = [];
  if (prediction.task === 'classification') {
    const classes = fitted.label.classes ?? [];
    const k = prediction.numClasses;
    const names = Array.from({ length: k }, (_, j) => String(classes[j] ?? j));
    prediction.classIndices.forEach((c, i) => {
      const probabilities: Record<string, number> = {};
      for (let j = 0; j < k; j++) probabilities[names[j] as string] = prediction.probabilities[i * k + j] as number;
      predictions.push({ label: classes[c] ?? c, probabilities });
    });
  } else {
    prediction.values.forEach((value) => predictions.push({ value }));
  }
  return predictions;
}
