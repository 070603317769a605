import { outputNames } from '../features/names';
import type { FittedFeature } from '../features/types';
import { createRng, deriveSeed, shuffleInPlace } from '../random';

/** The model inputs that come from one raw input column: a one-hot group, datetime parts, an embedding index. */
export interface ColumnGroup {
  column: string;
  /** Positions of the column's features among the model's inputs. */
  features: number[];
}

/** Groups the model's inputs by the raw column they were computed from, in feature order. */
export function columnGroupsOf(features: readonly FittedFeature[]): ColumnGroup[] {
  const groups = new Map<string, number[]>();
  let at = 0;
  for (const f of features) {
    const width = outputNames(f).length;
    const positions = groups.get(f.column) ?? [];
    for (let k = 0; k < width; k += 1) positions.push(at + k);
    groups.set(f.column, positions);
    at += width;
  }
  return [...groups.entries()].map(([column, positions]) => ({ column, features: positions }));
}

export interface ColumnImportance {
  column: string;
  /** Mean drop of the metric when the column is shuffled (positive: the model relies on it). */
  importance: number;
  /** Standard deviation of the drop over the repeats. */
  std: number;
  /** How many model inputs the column feeds. */
  features: number;
}

export interface PermutationImportance {
  method: 'permutation';
  metric: string;
  direction: 'max' | 'min';
  /** The metric on the unshuffled rows. */
  baseline: number;
  repeats: number;
  rows: number;
  seed: number;
  /** Most important first. */
  columns: ColumnImportance[];
}

export interface PermutationInput {
  /** Row-major features, rowCount × featureCount. */
  x: Float32Array;
  rowCount: number;
  featureCount: number;
  groups: readonly ColumnGroup[];
  /** The metric of the model on the given features (higher or lower is better, per `direction`). */
  score(x: Float32Array): number;
  metric: string;
  direction: 'max' | 'min';
  repeats: number;
  seed: number;
  /** Called after each column (long evaluations heartbeat from here). */
  onColumn?: (done: number, total: number) => void;
}

/**
 * Permutation importance of raw input columns: the rows of a column's features are shuffled together (one
 * permutation for the whole group, so a one-hot row stays one-hot), the model is scored again, and the drop of the
 * metric is averaged over `repeats` seeded shuffles. The same seed and inputs give the same numbers.
 */
export function permutationImportance(input: PermutationInput): PermutationImportance {
  const { x, rowCount, featureCount: width } = input;
  const baseline = input.score(x);
  const shuffled = new Float32Array(x);
  const order = new Int32Array(rowCount);
  const columns: ColumnImportance[] = [];
  input.groups.forEach((group, g) => {
    const drops: number[] = [];
    for (let r = 0; r < input.repeats; r += 1) {
      for (let i = 0; i < rowCount; i += 1) order[i] = i;
      shuffleInPlace(order, createRng(deriveSeed(input.seed, g, r)));
      for (let i = 0; i < rowCount; i += 1) {
        const from = (order[i] as number) * width;
        for (const f of group.features) shuffled[i * width + f] = x[from + f] as number;
      }
      const score = input.score(shuffled);
      drops.push(input.direction === 'max' ? baseline - score : score - baseline);
    }
    for (let i = 0; i < rowCount; i += 1) {
      for (const f of group.features) shuffled[i * width + f] = x[i * width + f] as number;
    }
    const mean = drops.reduce((s, d) => s + d, 0) / drops.length;
    const variance = drops.reduce((s, d) => s + (d - mean) ** 2, 0) / Math.max(1, drops.length - 1);
    columns.push({ column: group.column, importance: mean, std: Math.sqrt(variance), features: group.features.length });
    input.onColumn?.(g + 1, input.groups.length);
  });
  columns.sort((a, b) => b.importance - a.importance || (a.column < b.column ? -1 : 1));
  return {
    method: 'permutation',
    metric: input.metric,
    direction: input.direction,
    baseline,
    repeats: input.repeats,
    rows: rowCount,
    seed: input.seed,
    columns,
  };
}

/** A seeded sample of at most `max` row positions, in ascending order (all rows when there are fewer). */
export function sampleRows(rowCount: number, max: number, seed: number): Int32Array {
  const all = new Int32Array(rowCount);
  for (let i = 0; i < rowCount; i += 1) all[i] = i;
  if (rowCount <= max) return all;
  shuffleInPlace(all, createRng(deriveSeed(seed, 0x5a17)));
  return all.slice(0, max).sort();
}
