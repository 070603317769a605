import type { CellValue, Table } from '../data/types';
import type { Prediction } from '../models/predict';

/** Name of the column predictionTable() creates, to profile and compare prediction distributions. */
export const PREDICTION_COLUMN = 'prediction';

/**
 * Predictions as a one-column table (predicted class labels as categorical, or predicted values as numeric), so the
 * reference profile and drift functions measure prediction-distribution shift like any feature.
 */
export function predictionTable(args: { prediction: Prediction; classes?: readonly CellValue[] }): Table {
  const { prediction } = args;
  const rowCount = prediction.task === 'classification' ? prediction.classIndices.length : prediction.values.length;
  const lineNumbers = Int32Array.from({ length: rowCount }, (_, i) => i + 1);
  if (prediction.task === 'classification') {
    const values = Array.from(prediction.classIndices, (c) => String(args.classes?.[c] ?? c));
    return {
      schema: { columns: [{ name: PREDICTION_COLUMN, type: 'categorical' }] },
      rowCount,
      lineNumbers,
      columns: { [PREDICTION_COLUMN]: { type: 'categorical', values, invalid: new Map() } },
      extraFields: {},
    };
  }
  return {
    schema: { columns: [{ name: PREDICTION_COLUMN, type: 'numeric' }] },
    rowCount,
    lineNumbers,
    columns: {
      [PREDICTION_COLUMN]: {
        type: 'numeric',
        values: Float64Array.from(prediction.values),
        missing: new Uint8Array(rowCount),
        invalid: new Map(),
      },
    },
    extraFields: {},
  };
}
