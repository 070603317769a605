import { deriveSeed } from '../random';
import { cellKey } from './cells';
import { DistinctCounter, FrequentValues, ReservoirSample, RunningMoments } from './sketches';
import type { Column, ColumnType, Table, TableSchema } from './types';
import { isNumberColumn } from './types';

export const PROFILE_QUANTILES = { p1: 0.01, p5: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95, p99: 0.99 } as const;
export type QuantileName = keyof typeof PROFILE_QUANTILES;

export interface ColumnProfile {
  name: string;
  type: ColumnType;
  count: number;
  missing: number;
  /** Cells that could not be parsed as the column type. */
  invalid: number;
  /** NaN and ±Infinity cells (number columns); excluded from the statistics below. */
  nonFinite: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Sample standard deviation (n − 1). */
  std: number | null;
  /** From a bounded reservoir sample: exact up to 4096 values, approximate beyond (see ReservoirSample). */
  quantiles: Record<QuantileName, number> | null;
  distinct: number;
  distinctExact: boolean;
  topValues: { value: string; count: number }[];
  topValuesExact: boolean;
}

export interface DatasetProfile {
  rowCount: number;
  columns: ColumnProfile[];
  extraFields: Record<string, number>;
}

const TOP_VALUES = 20;

class ColumnAccumulator {
  count = 0;
  missing = 0;
  invalid = 0;
  nonFinite = 0;
  readonly moments = new RunningMoments();
  readonly reservoir: ReservoirSample;
  readonly distinct = new DistinctCounter();
  /** Not kept for continuous numeric columns, whose values rarely repeat. */
  readonly frequent: FrequentValues | null;

  constructor(
    readonly name: string,
    readonly type: ColumnType,
    seed: number,
  ) {
    this.reservoir = new ReservoirSample(4096, seed);
    this.frequent = type === 'numeric' ? null : new FrequentValues();
  }

  consume(column: Column, rows: number): void {
    this.count += rows;
    this.invalid += column.invalid.size;
    if (isNumberColumn(column)) this.consumeNumbers(column.values, column.missing, column.invalid, rows);
    for (let i = 0; i < rows; i++) {
      const key = cellKey(column, i);
      if (key === null) {
        if (!isNumberColumn(column) && !column.invalid.has(i)) this.missing++;
        continue;
      }
      this.distinct.add(key);
      this.frequent?.add(key);
    }
  }

  private consumeNumbers(values: Float64Array, missing: Uint8Array, invalid: Map<number, string>, rows: number): void {
    for (let i = 0; i < rows; i++) {
      if (missing[i] === 1) {
        this.missing++;
        continue;
      }
      const x = values[i] as number;
      if (Number.isFinite(x)) {
        this.moments.add(x);
        this.reservoir.add(x);
      } else if (!invalid.has(i)) {
        this.nonFinite++;
      }
    }
  }

  merge(other: ColumnAccumulator): void {
    this.count += other.count;
    this.missing += other.missing;
    this.invalid += other.invalid;
    this.nonFinite += other.nonFinite;
    this.moments.merge(other.moments);
    this.reservoir.merge(other.reservoir);
    this.distinct.merge(other.distinct);
    if (this.frequent && other.frequent) this.frequent.merge(other.frequent);
  }

  finish(): ColumnProfile {
    const hasNumbers = this.moments.count > 0;
    const sorted = hasNumbers ? Array.from(this.reservoir.sorted()) : [];
    return {
      name: this.name,
      type: this.type,
      count: this.count,
      missing: this.missing,
      invalid: this.invalid,
      nonFinite: this.nonFinite,
      min: hasNumbers ? this.moments.min : null,
      max: hasNumbers ? this.moments.max : null,
      mean: hasNumbers ? this.moments.mean : null,
      std: hasNumbers ? this.moments.std : null,
      quantiles: hasNumbers ? quantilesOf(sorted) : null,
      distinct: this.distinct.estimate(),
      distinctExact: this.distinct.isExact,
      topValues: this.frequent?.top(TOP_VALUES) ?? [],
      topValuesExact: this.frequent?.isExact ?? false,
    };
  }
}

function quantilesOf(sorted: number[]): Record<QuantileName, number> {
  const entries = Object.entries(PROFILE_QUANTILES).map(([name, p]) => [name, quantileOfSorted(sorted, p)]);
  return Object.fromEntries(entries) as Record<QuantileName, number>;
}

/** Linear interpolation between closest ranks (numpy's default), so known answers are easy to compute by hand. */
export function quantileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const position = p * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  const low = sorted[lower] as number;
  return low + (position - lower) * ((sorted[upper] as number) - low);
}

/**
 * Per-column statistics built batch by batch in bounded memory, mergeable across partial profiles (e.g. file parts
 * read in parallel). Feed it every batch from readRecordBatches, then call finish().
 */
export class ProfileAccumulator {
  private schema: TableSchema | null = null;
  private columns: ColumnAccumulator[] = [];
  private rowCount = 0;
  private readonly extraFields: Record<string, number> = {};

  constructor(private readonly seed = 1) {}

  consume(batch: Table): void {
    if (!this.schema) this.init(batch.schema);
    this.rowCount += batch.rowCount;
    for (const accumulator of this.columns) {
      const column = batch.columns[accumulator.name];
      if (column) accumulator.consume(column, batch.rowCount);
    }
    for (const [key, count] of Object.entries(batch.extraFields))
      this.extraFields[key] = (this.extraFields[key] ?? 0) + count;
  }

  merge(other: ProfileAccumulator): void {
    if (!other.schema) return;
    if (!this.schema) this.init(other.schema);
    this.rowCount += other.rowCount;
    this.columns.forEach((accumulator, i) => {
      const theirs = other.columns[i];
      if (theirs) accumulator.merge(theirs);
    });
    for (const [key, count] of Object.entries(other.extraFields))
      this.extraFields[key] = (this.extraFields[key] ?? 0) + count;
  }

  finish(): DatasetProfile {
    return {
      rowCount: this.rowCount,
      columns: this.columns.map((c) => c.finish()),
      extraFields: { ...this.extraFields },
    };
  }

  private init(schema: TableSchema): void {
    this.schema = schema;
    this.columns = schema.columns.map((c, i) => new ColumnAccumulator(c.name, c.type, deriveSeed(this.seed, i)));
  }
}

/** Profile of an in-memory table. */
export function profileTable(args: { table: Table; seed?: number }): DatasetProfile {
  const accumulator = new ProfileAccumulator(args.seed);
  accumulator.consume(args.table);
  return accumulator.finish();
}
