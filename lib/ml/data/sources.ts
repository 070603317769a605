import { DataError } from '../errors';
import { decodeUtf8 } from './utf8';
import { CsvTokenizer, csvRecords } from './csv';

/** One raw record and the 1-based line where it starts. */
export interface SourceRow {
  line: number;
  cells: string[] | Record<string, unknown>;
}

export type ByteSource = AsyncIterable<Uint8Array | string>;

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

/**
 * CSV rows as arrays (header first), one array of rows per decoded chunk: the row-at-a-time view of the
 * tokenizer, for readers that take rows as they come (the feature store's sources). Table reads use csvRecords.
 */
export async function* csvRows(args: {
  stream: ByteSource;
  delimiter: string;
  maxRecordSize: number;
}): AsyncGenerator<SourceRow[]> {
  const tokenizer = new CsvTokenizer(args.delimiter, args.maxRecordSize);
  let headerSent = false;
  for await (const records of csvRecords(args.stream, tokenizer)) {
    const rows: SourceRow[] = [];
    const header = tokenizer.header;
    if (!headerSent && header) {
      rows.push({ line: 1, cells: header });
      headerSent = true;
    }
    const width = header?.length ?? 0;
    for (let r = 0; r < records.count; r++) {
      rows.push({ line: records.lines[r] as number, cells: records.fields.slice(r * width, (r + 1) * width) });
    }
    if (rows.length > 0) yield rows;
  }
  const header = tokenizer.header;
  if (!headerSent && header) yield [{ line: 1, cells: header }];
}
