import { cellKey } from '../data/cells';
import type { Column, NumberColumn, Table } from '../data/types';
import { isNumberColumn } from '../data/types';
import { DataError } from '../errors';
import { datetimeParts } from './datetime';
import { outputNames } from './names';
import { inputTable, withDerivedColumns } from './reading';
import type { FittedFeature, FittedTransforms } from './types';

export interface TransformedFeatures {
  /** rowCount × featureNames.length, row-major. Never contains NaN or Infinity. */
  features: Float32Array;
  rowCount: number;
  featureNames: string[];
  /** Cells that were missing, invalid or non-finite and got the fitted fill value. */
  imputedCells: number;
  /** Categories not seen in training (sent to the unknown bucket). */
  unknownCategories: number;
}

interface Writer {
  out: Float32Array;
  width: number;
  imputed: number;
  unknown: number;
}

/** The column as numbers (undefined when absent); a text column fitted as numbers is an error. */
function numberColumnOf(column: Column | undefined, name: string): NumberColumn | undefined {
  if (!column) return undefined;
  if (!isNumberColumn(column)) {
    throw new DataError({
      code: 'COLUMN_TYPE',
      message: `Column "${name}" is ${column.type} but was fitted as numbers. Read the data with the fitted input schema.`,
      details: { column: name },
    });
  }
  return column;
}

/** The cell as a finite number, or undefined (missing, invalid, non-finite, or absent column). */
function numberAt(column: NumberColumn | undefined, i: number): number | undefined {
  if (!column) return undefined;
  const x = column.values[i] as number;
  return column.missing[i] === 0 && Number.isFinite(x) ? x : undefined;
}

type CategoryFeature = Extract<FittedFeature, { transform: 'onehot' | 'embedding' }>;

function writeNumeric(
  f: Exclude<FittedFeature, CategoryFeature>,
  column: Column | undefined,
  n: number,
  at: number,
  w: Writer,
): void {
  const numbers = numberColumnOf(column, f.column);
  for (let i = 0; i < n; i++) {
    let x = numberAt(numbers, i);
    if (x === undefined) {
      x = f.fill;
      w.imputed++;
    }
    const base = i * w.width + at;
    switch (f.transform) {
      case 'standardize':
        w.out[base] = (x - f.mean) / f.std;
        break;
      case 'minmax':
        w.out[base] = f.max > f.min ? (x - f.min) / (f.max - f.min) : 0;
        break;
      case 'passthrough':
        w.out[base] = x;
        break;
      case 'bucketize':
        w.out[base + bucketOf(f.boundaries, x)] = 1;
        break;
      case 'datetime': {
        const parts = datetimeParts(x);
        f.parts.forEach((p, k) => (w.out[base + k] = (parts[p] - (f.mean[k] as number)) / (f.std[k] as number)));
        break;
      }
    }
  }
}

/** Index of the bucket holding x: the number of boundaries ≤ x. */
function bucketOf(boundaries: readonly number[], x: number): number {
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((boundaries[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One-hot: a 1 in the category's slot (the last slot is unknown). Embedding: the category's index itself (unknown is
 * categories.length). Both map categories the same way, so a column switched between them keeps its meaning.
 */
function writeCategory(f: CategoryFeature, column: Column | undefined, n: number, at: number, w: Writer): void {
  const index = new Map(f.categories.map((c, k) => [c, k]));
  const unknownSlot = f.categories.length;
  // A local binding: under tsx every call through an imported name goes through a getter.
  const keyOf = cellKey;
  for (let i = 0; i < n; i++) {
    let key = column ? keyOf(column, i) : null;
    if (key === null) {
      key = f.fill;
      w.imputed++;
    }
    const k = key === null ? undefined : index.get(key);
    if (k === undefined && key !== null) w.unknown++;
    if (f.transform === 'onehot') w.out[i * w.width + at + (k ?? unknownSlot)] = 1;
    else w.out[i * w.width + at] = k ?? unknownSlot;
  }
}

/**
 * Turns rows into model inputs with fitted transforms. The one implementation used by training and by the prediction
 * service: `rows` are JSON objects (fields may be missing, strings or numbers, categories unseen) parsed with the fitted
 * input schema; `table` is data already read. Missing or bad inputs are imputed and unseen categories go to the
 * unknown bucket, so this never fails on a row's content.
 */
export function applyTransforms(args: {
  fitted: FittedTransforms;
  rows?: readonly Record<string, unknown>[];
  table?: Table;
}): TransformedFeatures {
  const { fitted } = args;
  const table = args.table ? withDerivedColumns(fitted, args.table) : inputTable(fitted, args.rows ?? []);
  const n = table.rowCount;
  const width = fitted.featureNames.length;
  const w: Writer = { out: new Float32Array(n * width), width, imputed: 0, unknown: 0 };
  let at = 0;
  for (const f of fitted.features) {
    const column = table.columns[f.column];
    if (f.transform === 'onehot' || f.transform === 'embedding') writeCategory(f, column, n, at, w);
    else writeNumeric(f, column, n, at, w);
    at += outputNames(f).length;
  }
  return {
    features: w.out,
    rowCount: n,
    featureNames: fitted.featureNames,
    imputedCells: w.imputed,
    unknownCategories: w.unknown,
  };
}
