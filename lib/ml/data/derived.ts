import { DataError } from '../errors';
import type { ColumnReading } from './batch';
import { DEFAULT_MISSING_TOKENS, createColumn } from './cells';
import { datetimeParser } from './datetime-format';
import {
  compileExpression,
  expressionInputs,
  type CompiledExpression,
  type Value,
  type ValueType,
} from './expressions';
import type { Column, ColumnType, Table, TableSchema } from './types';
import { isNumberColumn } from './types';

/** A column computed from others by an expression, e.g. `{ name: 'late', expression: 'delay > 15' }`. */
export interface DerivedColumnSpec {
  name: string;
  expression: string;
  /** Default: from the expression (comparisons → boolean, arithmetic → numeric, text functions → categorical). */
  type?: ColumnType;
}

/**
 * How a dataset is read beyond its column types: extra missing-value tokens, per-column tokens and datetime formats,
 * and derived columns. The same options are applied when training reads the data and when serving reads a request.
 */
export interface ReadingOptions {
  /** Added to the default tokens ('', NA, N/A, null, NULL, None) for every column. */
  missingValues?: readonly string[];
  columns?: Readonly<Record<string, { missingValues?: readonly string[]; format?: string }>>;
  derived?: readonly DerivedColumnSpec[];
}

/** The dataset's missing-value tokens: the defaults plus the declared extra ones. */
export function datasetMissingTokens(reading: ReadingOptions | undefined): Set<string> {
  return new Set([...DEFAULT_MISSING_TOKENS, ...(reading?.missingValues ?? [])]);
}

/** Per-column reading (own tokens, datetime parser) for the columns that declare any. */
export function columnReadings(reading: ReadingOptions | undefined): Map<string, ColumnReading> {
  const out = new Map<string, ColumnReading>();
  const dataset = datasetMissingTokens(reading);
  for (const [name, column] of Object.entries(reading?.columns ?? {})) {
    if (!column.missingValues?.length && !column.format) continue;
    out.set(name, {
      missingTokens: column.missingValues?.length ? new Set([...dataset, ...column.missingValues]) : undefined,
      parse: column.format ? datetimeParser(column.format) : undefined,
    });
  }
  return out;
}

const VALUE_TYPE: Record<ColumnType, ValueType> = {
  numeric: 'number',
  integer: 'number',
  boolean: 'boolean',
  categorical: 'text',
  text: 'text',
  datetime: 'datetime',
};

const ALLOWED: Record<ValueType, ColumnType[]> = {
  number: ['numeric', 'integer'],
  boolean: ['boolean', 'categorical'],
  text: ['categorical', 'text'],
  datetime: ['datetime'],
};

export interface PlannedDerivation {
  name: string;
  type: ColumnType;
  compiled: CompiledExpression;
}

function resultType(spec: DerivedColumnSpec, compiled: CompiledExpression): ColumnType {
  const natural: ColumnType =
    compiled.type === 'number'
      ? compiled.integer
        ? 'integer'
        : 'numeric'
      : compiled.type === 'text'
        ? 'categorical'
        : compiled.type;
  if (!spec.type) return natural;
  if (!ALLOWED[compiled.type].includes(spec.type)) {
    throw new DataError({
      code: 'INVALID_EXPRESSION',
      message: `Derived column "${spec.name}" is declared ${spec.type}, but "${spec.expression}" gives a ${compiled.type}: declare ${ALLOWED[compiled.type].join(' or ')}, or change the expression.`,
      details: { column: spec.name },
    });
  }
  return spec.type;
}

/** Compiles the derived columns in order (each may use the ones before it) against the raw columns' types. */
export function planDerivations(derived: readonly DerivedColumnSpec[], raw: TableSchema): PlannedDerivation[] {
  const types = new Map(raw.columns.map((c) => [c.name, c.type]));
  return derived.map((spec) => {
    if (types.has(spec.name) && raw.columns.some((c) => c.name === spec.name)) {
      throw new DataError({
        code: 'INVALID_EXPRESSION',
        message: `Derived column "${spec.name}" has the name of a column of the data: give it another name.`,
        details: { column: spec.name },
      });
    }
    let compiled: CompiledExpression;
    try {
      compiled = compileExpression(
        spec.expression,
        (name) => {
          const type = types.get(name);
          return type ? VALUE_TYPE[type] : undefined;
        },
        () => [...types.keys()],
      );
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      throw new DataError({
        code: 'INVALID_EXPRESSION',
        message: `Derived column "${spec.name}" (data.derived): ${err.message}`,
        details: { ...err.details, column: spec.name },
      });
    }
    const type = resultType(spec, compiled);
    types.set(spec.name, type);
    return { name: spec.name, type, compiled };
  });
}

/** The raw columns that `wanted` needs once derived columns are computed (derived inputs followed recursively). */
export function rawColumnsFor(wanted: readonly string[], derived: readonly DerivedColumnSpec[]): string[] {
  const byName = new Map(derived.map((d) => [d.name, d]));
  const out = new Set<string>();
  const visit = (name: string, depth: number): void => {
    const d = byName.get(name);
    if (!d || depth > derived.length) {
      out.add(name);
      return;
    }
    for (const input of expressionInputs(d.expression)) visit(input, depth + 1);
  };
  for (const name of wanted) visit(name, 0);
  return [...out];
}

function reader(column: Column): (row: number) => Value {
  if (!isNumberColumn(column)) return (i) => column.values[i] ?? null;
  const { values, missing, invalid } = column;
  if (column.type === 'boolean')
    return (i) => (missing[i] === 1 || invalid.has(i) ? null : (values[i] as number) === 1);
  return (i) => {
    const v = values[i] as number;
    return missing[i] === 1 || invalid.has(i) || !Number.isFinite(v) ? null : v;
  };
}

function writer(column: Column): (row: number, value: Value) => void {
  if (isNumberColumn(column)) {
    return (i, v) => {
      if (v === null) {
        column.values[i] = NaN;
        column.missing[i] = 1;
      } else column.values[i] = typeof v === 'boolean' ? Number(v) : (v as number);
    };
  }
  return (i, v) => {
    column.values[i] = v === null ? null : String(v);
  };
}

/** The table with the derived columns appended, computed row by row (missing inputs give a missing value). */
export function applyDerivations(table: Table, plan: readonly PlannedDerivation[]): Table {
  if (plan.length === 0) return table;
  const columns: Record<string, Column> = { ...table.columns };
  const schema: TableSchema = { columns: [...table.schema.columns] };
  const readers = new Map<string, (row: number) => Value>();
  for (const [name, column] of Object.entries(columns)) readers.set(name, reader(column));
  let row = 0;
  const read = (name: string): Value => readers.get(name)?.(row) ?? null;
  for (const step of plan) {
    const column = createColumn(step.type, table.rowCount);
    const write = writer(column);
    for (row = 0; row < table.rowCount; row++) write(row, step.compiled.evaluate(read));
    columns[step.name] = column;
    readers.set(step.name, reader(column));
    schema.columns = schema.columns.filter((c) => c.name !== step.name).concat({ name: step.name, type: step.type });
  }
  return { ...table, schema, columns };
}
