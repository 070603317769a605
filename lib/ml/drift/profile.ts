import { cellKey } from '../data/cells';
import { quantileOfSorted } from '../data/profile';
import { ReservoirSample } from '../data/sketches';
import type { Column, ColumnType, Table } from '../data/types';
import { isNumberColumn } from '../data/types';
import { MlError } from '../errors';
import { deriveSeed } from '../random';

export const REFERENCE_PROFILE_VERSION = 1;
/** Current categories outside the reference's list are counted here. */
export const OTHER_CATEGORY = '__other__';

interface ReferenceBase {
  feature: string;
  type: ColumnType;
  /** Rows in the reference, and the share of them missing (or invalid / non-finite). */
  count: number;
  missingRatio: number;
}

/** Numeric feature: reference-quantile bins (PSI, JS) and a bounded value sample (KS). */
export interface NumericReference extends ReferenceBase {
  kind: 'numeric';
  /** Inner cut points, strictly increasing: bin i holds values with i cut points ≤ value. */
  edges: number[];
  /** Reference values per bin (edges.length + 1 bins). */
  counts: number[];
  sample: number[];
}

/** Categorical feature: the most frequent categories and the rest lumped as OTHER_CATEGORY (last). */
export interface CategoricalReference extends ReferenceBase {
  kind: 'categorical';
  categories: string[];
  /** Per category, then OTHER_CATEGORY. */
  counts: number[];
}

export type FeatureReference = NumericReference | CategoricalReference;

/** Compact JSON summary of a training set (or of past predictions) for drift monitoring. */
export interface ReferenceProfile {
  version: typeof REFERENCE_PROFILE_VERSION;
  rowCount: number;
  features: FeatureReference[];
}

export interface ReferenceOptions {
  bins?: number;
  sampleSize?: number;
  maxCategories?: number;
  seed?: number;
}

function isNumericKind(type: ColumnType): boolean {
  return type === 'numeric' || type === 'integer' || type === 'datetime';
}

export function finiteValues(column: Column, rowCount: number): Float64Array {
  if (!isNumberColumn(column)) return new Float64Array(0);
  const out = new Float64Array(rowCount);
  let n = 0;
  for (let i = 0; i < rowCount; i++) {
    const x = column.values[i] as number;
    if (column.missing[i] === 0 && Number.isFinite(x)) out[n++] = x;
  }
  return out.subarray(0, n);
}

function numericReference(
  feature: string,
  column: Column,
  rowCount: number,
  o: Required<ReferenceOptions>,
  index: number,
): NumericReference {
  const values = finiteValues(column, rowCount);
  const sorted = Float64Array.from(values).sort();
  const cuts = Array.from({ length: o.bins - 1 }, (_, k) => quantileOfSorted(sorted, (k + 1) / o.bins));
  const edges = [...new Set(cuts.filter(Number.isFinite))];
  const reservoir = new ReservoirSample(o.sampleSize, deriveSeed(o.seed, index));
  values.forEach((x) => reservoir.add(x));
  const base = {
    feature,
    type: column.type,
    count: rowCount,
    missingRatio: rowCount === 0 ? 0 : 1 - values.length / rowCount,
  };
  return { ...base, kind: 'numeric', edges, counts: binCounts(edges, values), sample: Array.from(reservoir.sample()) };
}

/** Counts of values per bin: bin i = number of edges ≤ value. */
export function binCounts(edges: readonly number[], values: ArrayLike<number>): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((edges[mid] as number) <= x) lo = mid + 1;
      else hi = mid;
    }
    counts[lo] = (counts[lo] ?? 0) + 1;
  }
  return counts;
}

export function categoryCounts(column: Column, rowCount: number): { counts: Map<string, number>; present: number } {
  const counts = new Map<string, number>();
  let present = 0;
  for (let i = 0; i < rowCount; i++) {
    const key = cellKey(column, i);
    if (key === null) continue;
    present++;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return { counts, present };
}

function categoricalReference(
  feature: string,
  column: Column,
  rowCount: number,
  maxCategories: number,
): CategoricalReference {
  const { counts, present } = categoryCounts(column, rowCount);
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const kept = ranked.slice(0, maxCategories);
  const other = ranked.slice(maxCategories).reduce((s, [, n]) => s + n, 0);
  const base = {
    feature,
    type: column.type,
    count: rowCount,
    missingRatio: rowCount === 0 ? 0 : 1 - present / rowCount,
  };
  return { ...base, kind: 'categorical', categories: kept.map(([k]) => k), counts: [...kept.map(([, n]) => n), other] };
}

/**
 * Reference profile of the given columns (numbers and datetimes as numeric, everything else as categorical): 10
 * quantile bins and a 1000-value sample per numeric feature, the 50 most frequent categories per categorical one.
 */
export function buildReferenceProfile(args: {
  table: Table;
  columns: readonly string[];
  options?: ReferenceOptions;
}): ReferenceProfile {
  const o: Required<ReferenceOptions> = { bins: 10, sampleSize: 1000, maxCategories: 50, seed: 1, ...args.options };
  const features = args.columns.map((name, index): FeatureReference => {
    const column = args.table.columns[name];
    if (!column)
      throw new MlError({
        code: 'INVALID_INPUT',
        message: `Column "${name}" is not in the table, so it cannot be profiled.`,
      });
    return isNumericKind(column.type)
      ? numericReference(name, column, args.table.rowCount, o, index)
      : categoricalReference(name, column, args.table.rowCount, o.maxCategories);
  });
  return { version: REFERENCE_PROFILE_VERSION, rowCount: args.table.rowCount, features };
}
