import { ss } from '../simple-statistics';
import { cellKey } from '../data/cells';
import { quantileOfSorted } from '../data/profile';
import type { Column, ColumnType, Table } from '../data/types';
import { isNumberColumn } from '../data/types';
import { DataError } from '../errors';
import { datetimeParts } from './datetime';
import { fitLabel } from './labels';
import { featureNamesOf } from './names';
import {
  type FeatureSpec,
  type FeatureSpecInput,
  FeatureSpecSchema,
  type FeatureTransform,
  type NumericImpute,
} from './spec';
import { FITTED_TRANSFORMS_VERSION, type FittedFeature, type FittedTransforms } from './types';

type Concrete = Exclude<FeatureTransform, { transform: 'auto' }>;

function resolveAuto(transform: FeatureTransform, type: ColumnType): Concrete {
  if (transform.transform !== 'auto') return transform;
  const { column } = transform;
  const mean = { strategy: 'mean' } as const;
  switch (type) {
    case 'numeric':
    case 'integer':
      return { column, transform: 'standardize', impute: mean };
    case 'boolean':
      return { column, transform: 'passthrough', impute: { strategy: 'mode' } };
    case 'categorical':
      return { column, transform: 'onehot', maxCategories: 50, minFrequency: 1 };
    case 'datetime':
      return { column, transform: 'datetime', parts: ['year', 'month', 'day', 'dayOfWeek', 'hour'], impute: mean };
    case 'text':
      throw new DataError({
        code: 'COLUMN_TYPE',
        message: `Column "${column}" is free text and has no automatic transform. Declare it categorical, use transform "onehot", or drop it.`,
        details: { column },
      });
  }
}

function forEachRow(rows: ArrayLike<number> | null, count: number, visit: (row: number) => void): void {
  const n = rows ? rows.length : count;
  for (let k = 0; k < n; k++) visit(rows ? (rows[k] as number) : k);
}

function observedNumbers(column: Column, name: string, rows: ArrayLike<number> | null, count: number): number[] {
  if (!isNumberColumn(column)) {
    throw new DataError({
      code: 'COLUMN_TYPE',
      message: `Column "${name}" is ${column.type}, but its transform needs numbers. Use "onehot", or fix the column type.`,
      details: { column: name },
    });
  }
  const values: number[] = [];
  forEachRow(rows, count, (i) => {
    const x = column.values[i] as number;
    if (column.missing[i] === 0 && Number.isFinite(x)) values.push(x);
  });
  if (values.length === 0) {
    throw new DataError({
      code: 'NOT_ENOUGH_DATA',
      message: `Column "${name}" has no usable (non-missing, finite) value in the training rows, so its transform cannot be fitted.`,
      details: { column: name },
    });
  }
  return values;
}

function imputeValue(values: number[], impute: NumericImpute): number {
  switch (impute.strategy) {
    case 'mean':
      return ss.mean(values);
    case 'median':
      return ss.median(values);
    case 'mode':
      return ss.mode(values);
    case 'constant':
      return impute.value;
  }
}

/** Population standard deviation (as scikit-learn's StandardScaler); a constant column scales by 1. */
function scaleOf(values: number[]): { mean: number; std: number } {
  const std = ss.standardDeviation(values);
  return { mean: ss.mean(values), std: std > 0 ? std : 1 };
}

function fitBoundaries(values: number[], buckets: number): number[] {
  const sorted = Float64Array.from(values).sort();
  const cuts = Array.from({ length: buckets - 1 }, (_, k) => quantileOfSorted(sorted, (k + 1) / buckets));
  return [...new Set(cuts)];
}

/** The most frequent categories (ties by code unit, so the order never depends on row order), and the fill value. */
function rankCategories(
  t: Extract<Concrete, { transform: 'onehot' | 'embedding' }>,
  column: Column,
  rows: ArrayLike<number> | null,
  count: number,
): { categories: string[]; fill: string | null } {
  const counts = new Map<string, number>();
  forEachRow(rows, count, (i) => {
    const key = cellKey(column, i);
    if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  const ranked = [...counts.entries()]
    .filter(([, n]) => n >= t.minFrequency)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, t.maxCategories);
  const top = ranked[0]?.[0] ?? null;
  const fill = t.impute === undefined ? null : t.impute.strategy === 'mode' ? top : String(t.impute.value);
  return { categories: ranked.map(([key]) => key), fill };
}

/** A rule of thumb for entity embeddings (fast.ai's), capped: 1.6 × n^0.56 numbers per category, at most 50. */
export function defaultEmbeddingDimension(categories: number): number {
  return Math.max(1, Math.min(50, Math.round(1.6 * Math.max(1, categories) ** 0.56)));
}

function fitOne(t: Concrete, column: Column, rows: ArrayLike<number> | null, count: number): FittedFeature {
  if (t.transform === 'onehot' || t.transform === 'embedding') {
    const { categories, fill } = rankCategories(t, column, rows, count);
    if (t.transform === 'onehot') return { column: t.column, transform: 'onehot', fill, categories };
    const dimension = t.dimension ?? defaultEmbeddingDimension(categories.length + 1);
    return { column: t.column, transform: 'embedding', fill, categories, dimension };
  }
  const values = observedNumbers(column, t.column, rows, count);
  const fill = imputeValue(values, t.impute);
  switch (t.transform) {
    case 'standardize':
      return { column: t.column, transform: 'standardize', fill, ...scaleOf(values) };
    case 'minmax':
      return { column: t.column, transform: 'minmax', fill, min: ss.min(values), max: ss.max(values) };
    case 'passthrough':
      return { column: t.column, transform: 'passthrough', fill };
    case 'bucketize':
      return {
        column: t.column,
        transform: 'bucketize',
        fill,
        boundaries: t.boundaries ?? fitBoundaries(values, t.buckets),
      };
    case 'datetime': {
      const scales = t.parts.map((part) => scaleOf(values.map((ms) => datetimeParts(ms)[part])));
      return {
        column: t.column,
        transform: 'datetime',
        fill,
        parts: t.parts,
        mean: scales.map((s) => s.mean),
        std: scales.map((s) => s.std),
      };
    }
  }
}

function requireColumn(table: Table, name: string): Column {
  const column = table.columns[name];
  if (!column) {
    throw new DataError({
      code: 'COLUMN_MISSING',
      message: `Feature column "${name}" is not in the data (columns: ${table.schema.columns.map((c) => c.name).join(', ')}). Fix the feature spec or the data.`,
      details: { column: name },
    });
  }
  return column;
}

/**
 * Fits the feature transforms and the label encoder. Statistics come from `trainRows` only (default: every row), so
 * nothing leaks from validation or test rows; the class list is taken from every row of `table`, so evaluation rows
 * never meet a class the model has no output for.
 */
export function fitFeatureTransforms(args: {
  table: Table;
  spec: FeatureSpecInput | FeatureSpec;
  trainRows?: ArrayLike<number>;
}): FittedTransforms {
  const spec = FeatureSpecSchema.parse(args.spec);
  const { table } = args;
  const rows = args.trainRows ?? null;
  if ((rows ? rows.length : table.rowCount) === 0) {
    throw new DataError({
      code: 'NOT_ENOUGH_DATA',
      message: 'No training rows to fit feature transforms on. Check the split ratios and the data.',
    });
  }
  const label = fitLabel({ table, column: spec.label, task: spec.task });
  const features = spec.features.map((t) => {
    const column = requireColumn(table, t.column);
    return fitOne(resolveAuto(t, column.type), column, rows, table.rowCount);
  });
  const inputs = features.map((f) => ({ name: f.column, type: (table.columns[f.column] as Column).type }));
  return {
    version: FITTED_TRANSFORMS_VERSION,
    task: spec.task,
    label,
    inputs,
    features,
    featureNames: featureNamesOf(features),
  };
}
