import { rowsToTable, type ColumnReading } from '../data/batch';
import { parseIsoDate } from '../data/cells';
import {
  applyDerivations,
  columnReadings,
  datasetMissingTokens,
  planDerivations,
  type PlannedDerivation,
  type ReadingOptions,
} from '../data/derived';
import { expressionInputs } from '../data/expressions';
import { DataError } from '../errors';
import type { ColumnSchema, Table, TableSchema } from '../data/types';
import type { FittedTransforms } from './types';

// How rows become the table the fitted transforms read, kept in the transforms so that training and serving read
// alike: the spec's missing-value tokens and datetime formats, and the derived columns the features use, computed
// from the raw inputs. A request never sends a derived column; it sends the raw columns they are computed from.

/** The reading a model version was trained with (FittedTransforms.reading). */
export interface FittedReading {
  /** The spec's reading options, with only the derived columns the features need. */
  options: ReadingOptions;
  /** The raw columns the features are computed from (derived inputs followed), with their types in training. */
  raw: ColumnSchema[];
}

/** The reading to keep with transforms fitted on `table` (read with `reading`); undefined when nothing was declared. */
export function fitReading(args: {
  reading: ReadingOptions | undefined;
  inputs: readonly ColumnSchema[];
  table: Table;
}): FittedReading | undefined {
  const { reading, table } = args;
  if (!reading) return undefined;
  const derived = reading.derived ?? [];
  const byName = new Map(derived.map((d) => [d.name, d]));
  const used = new Set<string>();
  const raw = new Set<string>();
  const visit = (name: string): void => {
    const d = byName.get(name);
    if (!d) raw.add(name);
    else if (!used.has(name)) {
      used.add(name);
      for (const input of expressionInputs(d.expression)) visit(input);
    }
  };
  for (const input of args.inputs) visit(input.name);
  return {
    options: { ...reading, derived: derived.filter((d) => used.has(d.name)) },
    raw: [...raw].map((name) => {
      const column = table.columns[name];
      if (!column) {
        throw new DataError({
          code: 'COLUMN_MISSING',
          message: `Column "${name}", an input of a derived feature, is not in the data.`,
          details: { column: name },
        });
      }
      return { name, type: column.type };
    }),
  };
}

/** The raw columns a row must carry for the model: what a request sends and the signature describes. */
export function rawInputsOf(fitted: Pick<FittedTransforms, 'inputs' | 'reading'>): ColumnSchema[] {
  return fitted.reading?.raw ?? fitted.inputs;
}

interface PreparedReading {
  schema: TableSchema;
  missingTokens: string[];
  columns: Map<string, ColumnReading>;
  plan: PlannedDerivation[];
}

// Compiled once per loaded model (expressions, format parsers), not per request.
const prepared = new WeakMap<FittedTransforms, PreparedReading>();

function prepare(fitted: FittedTransforms): PreparedReading {
  const hit = prepared.get(fitted);
  if (hit) return hit;
  const options = fitted.reading?.options;
  // Integer inputs are read as numbers: a served 35.5 for an integer feature is still a usable number.
  const columns = rawInputsOf(fitted).map((c) => (c.type === 'integer' ? { ...c, type: 'numeric' as const } : c));
  const schema = { columns };
  const readings = columnReadings(options);
  // A request may send a formatted column in its declared format or as ISO 8601 (as JSON clients write dates).
  for (const reading of readings.values()) {
    const parse = reading.parse;
    if (parse) reading.parse = (text) => parse(text) ?? parseIsoDate(text.trim());
  }
  const entry: PreparedReading = {
    schema,
    missingTokens: [...datasetMissingTokens(options)],
    columns: readings,
    plan: options?.derived?.length ? planDerivations(options.derived, schema) : [],
  };
  prepared.set(fitted, entry);
  return entry;
}

/** JSON rows (a request, a batch file's rows) as the table the transforms read: raw columns parsed, derived computed. */
export function inputTable(fitted: FittedTransforms, rows: readonly Record<string, unknown>[]): Table {
  const p = prepare(fitted);
  const table = rowsToTable({ rows, schema: p.schema, missingTokens: p.missingTokens, columnReading: p.columns });
  return applyDerivations(table, p.plan);
}

/** Rows already parsed as the raw inputs, with the derived columns computed (a table that has them is returned). */
export function withDerivedColumns(fitted: FittedTransforms, table: Table): Table {
  if (!fitted.reading?.options.derived?.length) return table;
  if (fitted.inputs.every((c) => table.columns[c.name] !== undefined)) return table;
  return applyDerivations(table, prepare(fitted).plan);
}

/** How a row's cells are read (tokens, formats) for code that parses rows itself, e.g. the batch input contract. */
export function rowReadingOf(fitted: FittedTransforms): {
  missingTokens: string[];
  columnReading: Map<string, ColumnReading>;
} {
  const p = prepare(fitted);
  return { missingTokens: p.missingTokens, columnReading: p.columns };
}
