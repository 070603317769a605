import { Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, Parser } from 'csv-parse';
import { DataError } from '../errors';
import { decodeUtf8 } from './utf8';

/** One raw record and the 1-based line where it starts. */
export interface SourceRow {
  line: number;
  cells: string[] | Record<string, unknown>;
}

export type ByteSource = AsyncIterable<Uint8Array | string>;

function csvDataError(error: CsvError, lastCompleteLine: number): DataError {
  const line = typeof error.lines === 'number' ? error.lines : 0;
  if (error.code === 'CSV_QUOTE_NOT_CLOSED') {
    // csv-parse notices at the end of the input; the quote opened in the first record after the last complete one.
    const opened = lastCompleteLine + 1;
    return new DataError({
      code: 'MALFORMED_CSV',
      message: `Malformed CSV at line ${opened}: a quote opened on that line is never closed (the rest of the file was read as one field). Fix the quoting on that line.`,
      details: { line: opened, csvCode: error.code },
    });
  }
  if (error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
    return new DataError({
      code: 'RAGGED_ROW',
      message: `Ragged row at line ${line}: ${error.message}. Every row must have as many fields as the header; quote fields that contain the delimiter.`,
      details: { line },
    });
  }
  if (error.code === 'CSV_MAX_RECORD_SIZE') {
    return new DataError({
      code: 'RECORD_TOO_LARGE',
      message: `Record at line ${line} is larger than the limit (maxRecordSize). Check for an unclosed quote, or raise maxRecordSize.`,
      details: { line },
    });
  }
  return new DataError({
    code: 'MALFORMED_CSV',
    message: `Malformed CSV at line ${line}: ${error.message}. Fix the quoting on that line.`,
    details: { line, csvCode: error.code },
  });
}

function countNewlines(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) {
    for (let at = field.indexOf('\n'); at !== -1; at = field.indexOf('\n', at + 1)) count++;
  }
  return count;
}

/**
 * csv-parse's stream parser, emitting one array of [record, line where it ends] per input chunk instead of one object
 * per record: per-record stream objects (and the `info` option, which copies an object per record) cost more than
 * the parsing itself. Records are pushed synchronously during `_transform`, so `info.lines` (the parser's live line
 * counter) is exactly the record's end line at that moment.
 */
class ChunkedCsvParser extends Parser {
  private pending: [string[], number][] = [];
  /** End line of the last complete record parsed (whether or not the consumer has read it yet). */
  lastRecordEnd = 0;

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null) {
      this.lastRecordEnd = this.info.lines;
      this.pending.push([chunk as string[], this.info.lines]);
      return true;
    }
    this.flushPending();
    return super.push(null, encoding);
  }

  override _transform(chunk: unknown, encoding: BufferEncoding, callback: TransformCallback): void {
    super._transform(chunk, encoding, (error?: Error | null) => {
      this.flushPending();
      callback(error);
    });
  }

  override _flush(callback: TransformCallback): void {
    super._flush((error?: Error | null) => {
      this.flushPending();
      callback(error);
    });
  }

  private flushPending(): void {
    if (this.pending.length === 0) return;
    const records = this.pending;
    this.pending = [];
    super.push(records);
  }
}

/** CSV records (header first) via csv-parse, pulled with backpressure so memory stays bounded by a few chunks. */
export async function* csvRows(args: {
  stream: ByteSource;
  delimiter: string;
  maxRecordSize: number;
}): AsyncGenerator<SourceRow[]> {
  const parser = new ChunkedCsvParser({
    skip_empty_lines: true,
    delimiter: args.delimiter,
    max_record_size: args.maxRecordSize,
  });
  // A failing pipeline also fails the iteration below, with the same error; its promise is settled here so the
  // rejection is never unhandled, and checked once the records are all read.
  const feeding = pipeline(Readable.from(decodeUtf8(args.stream)), parser).then(
    () => undefined,
    (error: unknown) => error,
  );
  try {
    for await (const records of parser as AsyncIterable<[string[], number][]>) {
      yield records.map(([cells, endLine]) => ({ line: endLine - countNewlines(cells), cells }));
    }
  } catch (error) {
    // Only parse errors are about the data; a failing source stream (network, disk) stays as it is, retryable.
    throw error instanceof CsvError ? csvDataError(error, parser.lastRecordEnd) : error;
  } finally {
    parser.destroy();
  }
  const failure = await feeding;
  if (failure !== undefined) throw failure;
}

function parseJsonLine(text: string, line: number): SourceRow | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    throw new DataError({
      code: 'INVALID_JSON',
      message: `Invalid JSON at line ${line}: ${(error as Error).message}. Each line must be one JSON object.`,
      details: { line },
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DataError({
      code: 'INVALID_JSON',
      message: `Line ${line} is not a JSON object. Each line of a JSON Lines file must be an object such as {"a": 1}.`,
      details: { line },
    });
  }
  return { line, cells: value as Record<string, unknown> };
}

function tooLarge(line: number, limit: number): DataError {
  return new DataError({
    code: 'RECORD_TOO_LARGE',
    message: `Line ${line} is longer than ${limit} characters (maxRecordSize). Split the record or raise maxRecordSize.`,
    details: { line },
  });
}

/** JSON Lines records, an array per decoded chunk; blank lines are skipped, no line is buffered beyond `maxRecordSize`. */
export async function* jsonlRows(args: { stream: ByteSource; maxRecordSize: number }): AsyncGenerator<SourceRow[]> {
  let pending = '';
  let line = 0;
  for await (const text of decodeUtf8(args.stream)) {
    const rows: SourceRow[] = [];
    let start = 0;
    for (let newline = text.indexOf('\n', start); newline !== -1; newline = text.indexOf('\n', start)) {
      const content = pending + text.slice(start, newline);
      pending = '';
      start = newline + 1;
      line++;
      if (content.length > args.maxRecordSize) throw tooLarge(line, args.maxRecordSize);
      const row = parseJsonLine(content, line);
      if (row) rows.push(row);
    }
    pending += text.slice(start);
    if (pending.length > args.maxRecordSize) throw tooLarge(line + 1, args.maxRecordSize);
    if (rows.length > 0) yield rows;
  }
  const last = parseJsonLine(pending, line + 1);
  if (last) yield [last];
}
