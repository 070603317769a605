import { DataError } from '../errors';
import { BatchBuilder, concatTables, type ColumnReading } from './batch';
import {
  applyDerivations,
  columnReadings,
  datasetMissingTokens,
  planDerivations,
  rawColumnsFor,
  type PlannedDerivation,
  type ReadingOptions,
} from './derived';
import { ColumnTypeGuesser } from './infer';
import { CsvTokenizer, csvRecords, type CsvRecords } from './csv';
import { type ByteSource, jsonlRows, type SourceRow } from './sources';
import type { ColumnType, RecordBatch, Table, TableSchema } from './types';

export interface ReadOptions {
  /** A Node Readable (or any async iterable of bytes/strings), e.g. an S3 object body or a file stream. */
  stream: ByteSource;
  format: 'csv' | 'jsonl';
  /** Rows per yielded batch; memory use is proportional to it. */
  batchRows?: number;
  /** Declared column types; columns it does not name are inferred from the first `inferenceRows` rows. */
  schema?: TableSchema;
  inferenceRows?: number;
  missingTokens?: readonly string[];
  delimiter?: string;
  /** Largest record (CSV row or JSON line) in characters; larger ones are a RECORD_TOO_LARGE error. */
  maxRecordSize?: number;
  /** Only these columns are converted and appear in the batches (all by default). */
  columns?: readonly string[];
  /** Sees every row's source line once, in order; rows it returns false for are left out before conversion. */
  keepRow?: (line: number) => boolean;
  /** Extra missing-value tokens, per-column tokens and datetime formats, derived columns (a spec's `data`). */
  reading?: ReadingOptions;
}

/** What the readers need to convert cells: the dataset's tokens and the columns read their own way. */
interface CellReading {
  missing: ReadonlySet<string>;
  columns: ReadonlyMap<string, ColumnReading>;
}

const DEFAULTS = { batchRows: 10_000, inferenceRows: 1_000, delimiter: ',', maxRecordSize: 1 << 20 };

function checkHeader(header: readonly string[]): void {
  const seen = new Map<string, number>();
  header.forEach((name, position) => {
    if (name.trim() === '') {
      throw new DataError({
        code: 'EMPTY_COLUMN_NAME',
        message: `Header field ${position + 1} is empty. Give every column a name in the first line.`,
        details: { line: 1, position: position + 1 },
      });
    }
    const previous = seen.get(name);
    if (previous !== undefined) {
      throw new DataError({
        code: 'DUPLICATE_COLUMN',
        message: `Column "${name}" appears twice in the header (fields ${previous + 1} and ${position + 1}). Rename one.`,
        details: { line: 1, column: name },
      });
    }
    seen.set(name, position);
  });
}

function emptyFile(): DataError {
  return new DataError({
    code: 'EMPTY_FILE',
    message: 'The file is empty: it has no header and no rows. Upload the data file again.',
  });
}

function jsonlColumns(sample: readonly SourceRow[]): string[] {
  const names = new Set<string>();
  for (const row of sample) for (const key of Object.keys(row.cells)) names.add(key);
  return [...names];
}

/** Cell of sample row `row` at column `position` (named `name`): the inference sample, whatever the format. */
type SampleCell = (row: number, name: string, position: number) => unknown;

function resolveSchema(
  columns: string[],
  sample: { rows: number; cell: SampleCell },
  declared: TableSchema | undefined,
  reading: CellReading,
): TableSchema {
  const declaredTypes = new Map<string, ColumnType>((declared?.columns ?? []).map((c) => [c.name, c.type]));
  return {
    columns: columns.map((name, position) => {
      const own = reading.columns.get(name);
      const declaredType = declaredTypes.get(name);
      if (own?.parse && declaredType && declaredType !== 'datetime') {
        throw new DataError({
          code: 'COLUMN_TYPE',
          message: `Column "${name}" has a datetime format (data.columns.${name}.format) but is declared ${declaredType}: remove one of them.`,
          details: { column: name },
        });
      }
      const type = declaredType ?? (own?.parse ? 'datetime' : undefined);
      if (type) return { name, type };
      const guesser = new ColumnTypeGuesser(own?.missingTokens ?? reading.missing);
      for (let row = 0; row < sample.rows; row++) guesser.observe(sample.cell(row, name, position));
      return { name, type: guesser.result() };
    }),
  };
}

function projected(schema: TableSchema, columns: readonly string[] | undefined): TableSchema {
  if (!columns) return schema;
  const wanted = new Set(columns);
  return { columns: schema.columns.filter((c) => wanted.has(c.name)) };
}

function checkNotEmpty(header: readonly string[] | undefined, sampleRows: number): void {
  const blankHeader = header !== undefined && header.length === 1 && (header[0] ?? '').trim() === '';
  if (sampleRows === 0 && (header === undefined || blankHeader)) throw emptyFile();
  if (header) checkHeader(header);
  if (sampleRows === 0) {
    throw new DataError({
      code: 'HEADER_ONLY',
      message: 'The file has a header but no data rows. Upload a file with at least one row.',
      details: { line: 1 },
    });
  }
}

async function* readCsvBatches(options: ReadOptions, reading: CellReading): AsyncGenerator<RecordBatch> {
  const maxRecordSize = options.maxRecordSize ?? DEFAULTS.maxRecordSize;
  const tokenizer = new CsvTokenizer(options.delimiter ?? DEFAULTS.delimiter, maxRecordSize);
  const chunks = csvRecords(options.stream, tokenizer);
  const limit = options.inferenceRows ?? DEFAULTS.inferenceRows;
  const buffered: CsvRecords[] = [];
  let sampled = 0;
  while (sampled < limit) {
    const next = await chunks.next();
    if (next.done) break;
    buffered.push(next.value);
    sampled += next.value.count;
  }
  const header = tokenizer.header;
  checkNotEmpty(header, sampled);
  const names = header as string[];
  const width = names.length;
  const sampleRecords = buffered.length === 1 ? buffered[0] : concatRecords(buffered);
  const schema = resolveSchema(
    names,
    {
      rows: Math.min(limit, sampled),
      cell: (row, _name, position) => sampleRecords?.fields[row * width + position],
    },
    options.schema,
    reading,
  );
  const output = projected(schema, options.columns);
  const wanted = new Set(output.columns.map((c) => c.name));
  tokenizer.skipFields(names.map((name) => !wanted.has(name)));
  const positions = output.columns.map((c) => names.indexOf(c.name));
  const builder = new BatchBuilder(output, options.batchRows ?? DEFAULTS.batchRows, reading.missing, reading.columns);
  // Records tokenized from now on are filtered by the tokenizer; the buffered sample is filtered here.
  if (options.keepRow) tokenizer.keepRecords(options.keepRow);
  const pending = buffered.values();
  for (;;) {
    const sampled = pending.next().value;
    const records = sampled ?? (await chunks.next()).value;
    if (!records) break;
    let next = 0;
    while (next < records.count) {
      next = builder.pushRecords(records, width, positions, next, sampled ? options.keepRow : undefined);
      if (builder.full) yield builder.flush();
    }
  }
  if (builder.size > 0) yield builder.flush();
}

function concatRecords(parts: readonly CsvRecords[]): CsvRecords {
  return {
    fields: parts.flatMap((p) => p.fields),
    lines: parts.flatMap((p) => p.lines),
    count: parts.reduce((n, p) => n + p.count, 0),
  };
}

/** Pulls JSON Lines chunks until at least `limit` rows are buffered. */
async function readJsonlSample(chunks: AsyncIterator<SourceRow[]>, limit: number) {
  const buffered: SourceRow[] = [];
  while (buffered.length < limit) {
    const next = await chunks.next();
    if (next.done) break;
    for (const row of next.value) buffered.push(row);
  }
  return buffered;
}

async function* readJsonlBatches(options: ReadOptions, reading: CellReading): AsyncGenerator<RecordBatch> {
  const chunks = jsonlRows({ stream: options.stream, maxRecordSize: options.maxRecordSize ?? DEFAULTS.maxRecordSize });
  const limit = options.inferenceRows ?? DEFAULTS.inferenceRows;
  const buffered = await readJsonlSample(chunks, limit);
  checkNotEmpty(undefined, buffered.length);
  const sample = buffered.slice(0, limit);
  const schema = resolveSchema(
    jsonlColumns(sample),
    { rows: sample.length, cell: (row, name) => (sample[row]?.cells as Record<string, unknown>)[name] },
    options.schema,
    reading,
  );
  const builder = new BatchBuilder(
    projected(schema, options.columns),
    options.batchRows ?? DEFAULTS.batchRows,
    reading.missing,
    reading.columns,
  );
  const push = (row: SourceRow): void => {
    if (options.keepRow && !options.keepRow(row.line)) return;
    builder.pushObject(row.line, row.cells as Record<string, unknown>);
  };
  for (const row of buffered) {
    push(row);
    if (builder.full) yield builder.flush();
  }
  for await (const rows of chunks) {
    for (const row of rows) {
      push(row);
      if (builder.full) yield builder.flush();
    }
  }
  if (builder.size > 0) yield builder.flush();
}

/**
 * Streams a CSV or JSON Lines file as typed columnar batches of at most `batchRows` rows, with the source line of each
 * row. Memory stays bounded by the batch size and the inference sample, whatever the file size. Column types are
 * declared (`schema`) or inferred from the first `inferenceRows` rows; later cells that do not fit are kept as invalid
 * cells for validation to report. Malformed files raise DataError (empty file, header only, ragged row, bad UTF-8, ...).
 * `columns` and `keepRow` leave columns and rows out before they are converted; rows `keepRow` refuses are not even
 * tokenized when they hold no quote (so their field count goes unchecked: use it on data a full read accepted).
 */
export function readRecordBatches(options: ReadOptions): AsyncGenerator<RecordBatch> {
  const reading: CellReading = {
    missing: options.missingTokens ? new Set(options.missingTokens) : datasetMissingTokens(options.reading),
    columns: columnReadings(options.reading),
  };
  const derived = options.reading?.derived ?? [];
  if (derived.length === 0) {
    return options.format === 'csv' ? readCsvBatches(options, reading) : readJsonlBatches(options, reading);
  }
  return readDerivedBatches(options, reading);
}

/**
 * Batches with the derived columns appended: the raw columns they need are read (also when `columns` names only
 * derived ones), the expressions are compiled against the first batch's types, and `columns` is applied last.
 */
async function* readDerivedBatches(options: ReadOptions, reading: CellReading): AsyncGenerator<RecordBatch> {
  const derived = options.reading?.derived ?? [];
  const derivedNames = new Set(derived.map((d) => d.name));
  const raw = options.columns ? rawColumnsFor(options.columns, derived).filter((c) => !derivedNames.has(c)) : undefined;
  const inner = { ...options, columns: raw };
  const batches = options.format === 'csv' ? readCsvBatches(inner, reading) : readJsonlBatches(inner, reading);
  const wanted = options.columns ? new Set(options.columns) : undefined;
  let plan: PlannedDerivation[] | undefined;
  for await (const batch of batches) {
    plan ??= planDerivations(derived, batch.schema);
    const full = applyDerivations(batch, plan);
    if (!wanted) {
      yield full;
      continue;
    }
    const schema = { columns: full.schema.columns.filter((c) => wanted.has(c.name)) };
    const columns = Object.fromEntries(schema.columns.map((c) => [c.name, full.columns[c.name]]));
    yield { ...full, schema, columns } as RecordBatch;
  }
}

/** Reads a whole file into one in-memory table (for small data such as training sets and test fixtures). */
export async function readTable(options: ReadOptions): Promise<Table> {
  const batches: Table[] = [];
  for await (const batch of readRecordBatches(options)) batches.push(batch);
  const first = batches[0];
  if (!first) throw emptyFile();
  return batches.length === 1 ? first : concatTables(batches, first.schema);
}
