import {
  createColumn,
  detachText,
  missingTokensOf,
  readCell,
  writeCell,
  writeParsedTextCell,
  writeTextCell,
  type MissingTokens,
} from './cells';
import { DEFAULT_MISSING_TOKENS } from './cells';
import type { CsvRecords } from './csv';
import type { CellValue, Column, Table, TableSchema } from './types';
import { isNumberColumn } from './types';

/** How one column is read when it differs from the dataset: its own missing-value tokens, a datetime format. */
export interface ColumnReading {
  missingTokens?: ReadonlySet<string>;
  /** Text → epoch milliseconds (a declared datetime format); undefined marks the cell invalid. */
  parse?: (text: string) => number | undefined;
}

/** Fills fixed-capacity columns row by row; `flush()` hands the filled rows over as a batch and starts new arrays. */
export class BatchBuilder {
  private columns: Column[] = [];
  private lines = new Int32Array(0);
  private extraFields: Record<string, number> = {};
  private count = 0;
  private readonly index: Map<string, number>;
  private readonly missing: MissingTokens;
  /** Per schema column: its own tokens and parser, or undefined for the dataset's (the fast path). */
  private readonly custom: Array<
    { tokens: ReadonlySet<string>; missing: MissingTokens; parse?: ColumnReading['parse'] } | undefined
  >;

  constructor(
    private readonly schema: TableSchema,
    private readonly capacity: number,
    private readonly missingTokens: ReadonlySet<string>,
    reading: ReadonlyMap<string, ColumnReading> = new Map(),
  ) {
    this.index = columnIndexOf(schema);
    this.missing = missingTokensOf(missingTokens);
    this.custom = schema.columns.map((c) => {
      const r = reading.get(c.name);
      if (!r) return undefined;
      const tokens = r.missingTokens ?? missingTokens;
      return { tokens, missing: missingTokensOf(tokens), parse: r.parse };
    });
    this.reset();
  }

  private write(j: number, raw: unknown): void {
    const column = this.columns[j] as Column;
    const custom = this.custom[j];
    if (!custom) writeCell(column, this.count, raw, this.missingTokens);
    else if (custom.parse && typeof raw === 'string')
      writeParsedTextCell(column, this.count, raw, custom.missing, custom.parse);
    else writeCell(column, this.count, raw, custom.tokens);
  }

  get size(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  /** Adds a row given as cells in schema order (CSV fields). */
  pushArray(line: number, cells: readonly unknown[]): void {
    for (let j = 0; j < this.columns.length; j++) this.write(j, cells[j]);
    this.lines[this.count++] = line;
  }

  /**
   * Adds CSV records `from`, `from + 1`, ... until the batch is full or the records run out, leaving out those
   * `keep` refuses (it sees each record's line once, in order); returns the next record to add. `positions` gives
   * each schema column's field position in a record of `width` fields. Converts column by column: one type per loop.
   */
  pushRecords(
    records: CsvRecords,
    width: number,
    positions: readonly number[],
    from: number,
    keep?: (line: number) => boolean,
  ): number {
    const take: number[] = [];
    let r = from;
    const room = this.capacity - this.count;
    for (; r < records.count && take.length < room; r++) {
      if (!keep || keep(records.lines[r] as number)) take.push(r);
    }
    const base = this.count;
    const fields = records.fields;
    // A local binding: under tsx every call through an imported name goes through a getter.
    const write = writeTextCell;
    for (let j = 0; j < this.columns.length; j++) {
      const column = this.columns[j] as Column;
      const position = positions[j] as number;
      const custom = this.custom[j];
      if (custom) {
        for (let k = 0; k < take.length; k++) {
          const text = fields[(take[k] as number) * width + position] as string;
          if (custom.parse) writeParsedTextCell(column, base + k, text, custom.missing, custom.parse);
          else write(column, base + k, text, custom.missing);
        }
        continue;
      }
      for (let k = 0; k < take.length; k++) {
        write(column, base + k, fields[(take[k] as number) * width + position] as string, this.missing);
      }
    }
    for (let k = 0; k < take.length; k++) this.lines[base + k] = records.lines[take[k] as number] as number;
    this.count += take.length;
    return r;
  }

  /** Adds a row given as an object (JSON Lines, API rows); absent fields are missing, unknown fields are counted. */
  pushObject(line: number, row: Record<string, unknown>): void {
    this.schema.columns.forEach((c, j) => this.write(j, row[c.name]));
    for (const key in row) {
      if (!this.index.has(key)) this.extraFields[key] = (this.extraFields[key] ?? 0) + 1;
    }
    this.lines[this.count++] = line;
  }

  flush(): Table {
    const table = this.filled();
    this.reset();
    return table;
  }

  /** The filled rows as a table, for a builder used once (no fresh arrays are allocated after them). */
  finish(): Table {
    return this.filled();
  }

  private filled(): Table {
    const n = this.count;
    const columns: Record<string, Column> = {};
    this.schema.columns.forEach((c, j) => {
      columns[c.name] = sliceColumn(this.columns[j] as Column, n);
    });
    const table: Table = {
      schema: this.schema,
      rowCount: n,
      lineNumbers: this.lines.subarray(0, n),
      columns,
      extraFields: this.extraFields,
    };
    return table;
  }

  private reset(): void {
    this.columns = this.schema.columns.map((c) => createColumn(c.type, this.capacity));
    this.lines = new Int32Array(this.capacity);
    this.extraFields = {};
    this.count = 0;
  }
}

function sliceColumn(column: Column, n: number): Column {
  if (column.values.length === n) return column;
  if (isNumberColumn(column)) {
    return { ...column, values: column.values.subarray(0, n), missing: column.missing.subarray(0, n) };
  }
  return { ...column, values: column.values.slice(0, n) };
}

const columnIndexes = new WeakMap<TableSchema, Map<string, number>>();

/** Column name → position, once per schema object (schemas are built once per dataset or served version). */
function columnIndexOf(schema: TableSchema): Map<string, number> {
  let index = columnIndexes.get(schema);
  if (!index) {
    index = new Map(schema.columns.map((c, i) => [c.name, i]));
    columnIndexes.set(schema, index);
  }
  return index;
}

const DEFAULT_TOKEN_SET: ReadonlySet<string> = new Set(DEFAULT_MISSING_TOKENS);
const tokenSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function tokenSetOf(tokens: readonly string[] | undefined): ReadonlySet<string> {
  if (!tokens) return DEFAULT_TOKEN_SET;
  let set = tokenSets.get(tokens);
  if (!set) {
    set = new Set(tokens);
    tokenSets.set(tokens, set);
  }
  return set;
}

/** Builds a table from JSON rows (API requests, logged predictions) with the same cell parsing as the file reader. */
export function rowsToTable(args: {
  rows: readonly Record<string, unknown>[];
  schema: TableSchema;
  missingTokens?: readonly string[];
  columnReading?: ReadonlyMap<string, ColumnReading>;
}): Table {
  const builder = new BatchBuilder(args.schema, args.rows.length, tokenSetOf(args.missingTokens), args.columnReading);
  args.rows.forEach((row, i) => builder.pushObject(i + 1, row ?? {}));
  return builder.finish();
}

/** One row as a JSON object (datetimes as ISO text, invalid cells as their raw text). */
export function tableRow(table: Table, index: number): Record<string, CellValue> {
  const row: Record<string, CellValue> = {};
  for (const { name } of table.schema.columns) {
    const column = table.columns[name];
    if (column) row[name] = readCell(column, index);
  }
  return row;
}

/**
 * Makes a table's text cells hold on to nothing but themselves (see detachText), in place: for tables kept while a
 * file is read on, such as a sample.
 */
export function detachStrings(table: Table): Table {
  for (const column of Object.values(table.columns)) {
    if (isNumberColumn(column)) continue;
    const values = column.values;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== null && v !== undefined) values[i] = detachText(v);
    }
  }
  return table;
}

/** Copies the given rows (in the given order) into a new table. */
export function selectRows(table: Table, indices: ArrayLike<number>): Table {
  const n = indices.length;
  const columns: Record<string, Column> = {};
  for (const { name, type } of table.schema.columns) {
    const source = table.columns[name];
    if (!source) continue;
    const target = createColumn(type, n);
    for (let k = 0; k < n; k++) copyCell(source, target, indices[k] as number, k);
    columns[name] = target;
  }
  const lineNumbers = Int32Array.from({ length: n }, (_, k) => table.lineNumbers[indices[k] as number] as number);
  return { schema: table.schema, rowCount: n, lineNumbers, columns, extraFields: { ...table.extraFields } };
}

function copyCell(source: Column, target: Column, from: number, to: number): void {
  const invalid = source.invalid.get(from);
  if (invalid !== undefined) target.invalid.set(to, invalid);
  if (isNumberColumn(source) && isNumberColumn(target)) {
    target.values[to] = source.values[from] as number;
    target.missing[to] = source.missing[from] as number;
  } else if (!isNumberColumn(source) && !isNumberColumn(target)) {
    target.values[to] = source.values[from] ?? null;
  }
}

/** Concatenates batches that share one schema into a single table. */
export function concatTables(tables: readonly Table[], schema: TableSchema): Table {
  const total = tables.reduce((sum, t) => sum + t.rowCount, 0);
  const columns: Record<string, Column> = {};
  const extraFields: Record<string, number> = {};
  for (const { name, type } of schema.columns) columns[name] = createColumn(type, total);
  const lineNumbers = new Int32Array(total);
  let offset = 0;
  for (const table of tables) {
    lineNumbers.set(table.lineNumbers, offset);
    for (const { name } of schema.columns) {
      const source = table.columns[name];
      const target = columns[name];
      if (source && target) appendColumn(source, target, offset);
    }
    for (const [key, count] of Object.entries(table.extraFields)) extraFields[key] = (extraFields[key] ?? 0) + count;
    offset += table.rowCount;
  }
  return { schema, rowCount: total, lineNumbers, columns, extraFields };
}

function appendColumn(source: Column, target: Column, offset: number): void {
  for (const [row, raw] of source.invalid) target.invalid.set(row + offset, raw);
  if (isNumberColumn(source) && isNumberColumn(target)) {
    target.values.set(source.values, offset);
    target.missing.set(source.missing, offset);
  } else if (!isNumberColumn(source) && !isNumberColumn(target)) {
    for (let i = 0; i < source.values.length; i++) target.values[offset + i] = source.values[i] ?? null;
  }
}
