import { cellKey } from './data/cells';
import type { Column, ColumnType, Table } from './data/types';
import { isNumberColumn } from './data/types';
import { rawInputsOf } from './features/reading';
import type { FittedTransforms } from './features/types';

export const SIGNATURE_VERSION = 1;
/** Categories kept per column; a column with more is marked incomplete and unseen values are not warned about. */
export const SIGNATURE_MAX_CATEGORIES = 1000;

/** One raw input column of a model, as its training data showed it. */
export interface SignatureColumn {
  name: string;
  type: ColumnType;
  /**
   * true: training never saw this column missing, so a request must send a value; false: rows may leave it out or
   * send null, and the model imputes it as in training.
   */
  required: boolean;
  /** Share of training rows where the value was missing (or invalid). */
  missingRatio: number;
  /** Numeric, integer and datetime columns: the smallest and largest value seen in training (datetimes: epoch ms). */
  min?: number;
  max?: number;
  /** Categorical, text and boolean columns: the values seen in training, most frequent first. */
  categories?: string[];
  /** false when the column had more than SIGNATURE_MAX_CATEGORIES values, or they are not known. */
  categoriesComplete?: boolean;
  /** A datetime column's declared text format (the spec's `data.columns`): send it so, or as ISO 8601. */
  format?: string;
}

/**
 * A model version's input contract (like MLflow's model signature): the raw columns a request sends, their types,
 * which are required, the categories and ranges seen in training. Stored with the version and checked on predict.
 */
export interface ModelSignature {
  version: typeof SIGNATURE_VERSION;
  task: FittedTransforms['task'];
  /** The label column: not an input; a request that sends it has it ignored. */
  label: string;
  inputs: SignatureColumn[];
  /** Training rows it was observed on (0 when derived from the fitted transforms only). */
  observedRows: number;
  /** 'training': observed on the training rows; 'transforms': reconstructed from the fitted transforms of an older version. */
  source: 'training' | 'transforms';
}

function observeColumn(name: string, column: Column, rows: ArrayLike<number>): SignatureColumn {
  let missing = 0;
  if (isNumberColumn(column) && column.type !== 'boolean') {
    let min = Infinity;
    let max = -Infinity;
    for (let k = 0; k < rows.length; k++) {
      const i = rows[k] as number;
      const x = column.values[i] as number;
      if (column.missing[i] === 1 || column.invalid.has(i) || !Number.isFinite(x)) missing++;
      else {
        if (x < min) min = x;
        if (x > max) max = x;
      }
    }
    const seen = Number.isFinite(min);
    return {
      name,
      type: column.type,
      required: missing === 0,
      missingRatio: rows.length > 0 ? missing / rows.length : 0,
      ...(seen ? { min, max } : {}),
    };
  }
  const counts = new Map<string, number>();
  for (let k = 0; k < rows.length; k++) {
    const key = cellKey(column, rows[k] as number);
    if (key === null) missing++;
    else counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const categories = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([c]) => c);
  return {
    name,
    type: column.type,
    required: missing === 0,
    missingRatio: rows.length > 0 ? missing / rows.length : 0,
    categories: categories.slice(0, SIGNATURE_MAX_CATEGORIES),
    categoriesComplete: categories.length <= SIGNATURE_MAX_CATEGORIES,
  };
}

/** The signature of a model fitted with `fitted`, observed on the training rows (`rows`: indices into `table`). */
export function buildSignature(args: {
  fitted: FittedTransforms;
  table: Table;
  rows?: ArrayLike<number>;
}): ModelSignature {
  const { fitted, table } = args;
  const rows = args.rows ?? Int32Array.from({ length: table.rowCount }, (_, i) => i);
  const formats = fitted.reading?.options.columns ?? {};
  const inputs = rawInputsOf(fitted).map((input): SignatureColumn => {
    const format = formats[input.name]?.format;
    const column = table.columns[input.name];
    const observed = column
      ? { ...observeColumn(input.name, column, rows), type: input.type }
      : { name: input.name, type: input.type, required: false, missingRatio: 1 };
    return format ? { ...observed, format } : observed;
  });
  return {
    version: SIGNATURE_VERSION,
    task: fitted.task,
    label: fitted.label.column,
    inputs,
    observedRows: rows.length,
    source: 'training',
  };
}

/**
 * A signature for a version registered before signatures were stored: the columns and types of its fitted
 * transforms, every column optional, no ranges, and categories only as far as the encoders kept them.
 */
export function signatureFromTransforms(fitted: FittedTransforms): ModelSignature {
  return {
    version: SIGNATURE_VERSION,
    task: fitted.task,
    label: fitted.label.column,
    inputs: rawInputsOf(fitted).map((input) => {
      const encoder = fitted.features.find(
        (f) => f.column === input.name && (f.transform === 'onehot' || f.transform === 'embedding'),
      );
      const categories = encoder && 'categories' in encoder ? encoder.categories : undefined;
      return {
        name: input.name,
        type: input.type,
        required: false,
        missingRatio: 0,
        ...(categories ? { categories, categoriesComplete: false } : {}),
      };
    }),
    observedRows: 0,
    source: 'transforms',
  };
}

/** Whether a stored JSON value is a signature this code reads. */
export function isModelSignature(value: unknown): value is ModelSignature {
  const v = value as Partial<ModelSignature> | null;
  return !!v && typeof v === 'object' && v.version === SIGNATURE_VERSION && Array.isArray(v.inputs);
}
