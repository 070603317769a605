import { DataError } from '../errors';
import { BatchBuilder, concatTables } from './batch';
import { DEFAULT_MISSING_TOKENS } from './cells';
import { ColumnTypeGuesser } from './infer';
import { type ByteSource, csvRows, jsonlRows, type SourceRow } from './sources';
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

function cellOf(row: SourceRow, name: string, position: number): unknown {
  return Array.isArray(row.cells) ? row.cells[position] : (row.cells as Record<string, unknown>)[name];
}

function resolveSchema(
  columns: string[],
  sample: readonly SourceRow[],
  declared: TableSchema | undefined,
  missing: ReadonlySet<string>,
): TableSchema {
  const declaredTypes = new Map<string, ColumnType>((declared?.columns ?? []).map((c) => [c.name, c.type]));
  return {
    columns: columns.map((name, position) => {
      const type = declaredTypes.get(name);
      if (type) return { name, type };
      const guesser = new ColumnTypeGuesser(missing);
      for (const row of sample) guesser.observe(cellOf(row, name, position));
      return { name, type: guesser.result() };
    }),
  };
}

/** Pulls chunks until at least `inferenceRows` data rows are buffered, returning the CSV header apart. */
async function readSample(chunks: AsyncIterator<SourceRow[]>, options: ReadOptions, limit: number) {
  let header: string[] | undefined;
  const buffered: SourceRow[] = [];
  while (buffered.length < limit) {
    const next = await chunks.next();
    if (next.done) break;
    let rows = next.value;
    if (options.format === 'csv' && header === undefined && rows[0]) {
      header = rows[0].cells as string[];
      rows = rows.slice(1);
    }
    for (const row of rows) buffered.push(row);
  }
  return { header, buffered, sample: buffered.slice(0, limit) };
}

/**
 * Streams a CSV or JSON Lines file as typed columnar batches of at most `batchRows` rows, with the source line of each
 * row. Memory stays bounded by the batch size and the inference sample, whatever the file size. Column types are
 * declared (`schema`) or inferred from the first `inferenceRows` rows; later cells that do not fit are kept as invalid
 * cells for validation to report. Malformed files raise DataError (empty file, header only, ragged row, bad UTF-8, ...).
 */
export async function* readRecordBatches(options: ReadOptions): AsyncGenerator<RecordBatch> {
  const batchRows = options.batchRows ?? DEFAULTS.batchRows;
  const missing = new Set(options.missingTokens ?? DEFAULT_MISSING_TOKENS);
  const maxRecordSize = options.maxRecordSize ?? DEFAULTS.maxRecordSize;
  const chunks =
    options.format === 'csv'
      ? csvRows({ stream: options.stream, delimiter: options.delimiter ?? DEFAULTS.delimiter, maxRecordSize })
      : jsonlRows({ stream: options.stream, maxRecordSize });
  const { header, buffered, sample } = await readSample(
    chunks,
    options,
    options.inferenceRows ?? DEFAULTS.inferenceRows,
  );
  const blankHeader = header !== undefined && header.length === 1 && (header[0] ?? '').trim() === '';
  if (sample.length === 0 && (header === undefined || blankHeader)) throw emptyFile();
  if (header) checkHeader(header);
  if (sample.length === 0) {
    throw new DataError({
      code: 'HEADER_ONLY',
      message: 'The file has a header but no data rows. Upload a file with at least one row.',
      details: { line: 1 },
    });
  }
  const schema = resolveSchema(header ?? jsonlColumns(sample), sample, options.schema, missing);
  const builder = new BatchBuilder(schema, batchRows, missing);
  const push = (row: SourceRow): void => {
    if (Array.isArray(row.cells)) builder.pushArray(row.line, row.cells);
    else builder.pushObject(row.line, row.cells);
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

/** Reads a whole file into one in-memory table (for small data such as training sets and test fixtures). */
export async function readTable(options: ReadOptions): Promise<Table> {
  const batches: Table[] = [];
  for await (const batch of readRecordBatches(options)) batches.push(batch);
  const first = batches[0];
  if (!first) throw emptyFile();
  return batches.length === 1 ? first : concatTables(batches, first.schema);
}
