// The DataErrors the CSV tokenizer raises: what is wrong, on which line, and how to fix it.
import { DataError } from '../errors';

export function malformed(line: number, detail: string, csvCode: string): DataError {
  return new DataError({
    code: 'MALFORMED_CSV',
    message: `Malformed CSV at line ${line}: ${detail}. Fix the quoting on that line.`,
    details: { line, csvCode },
  });
}

export function unclosedQuote(line: number): DataError {
  return new DataError({
    code: 'MALFORMED_CSV',
    message: `Malformed CSV at line ${line}: a quote opened on that line is never closed (the rest of the file was read as one field). Fix the quoting on that line.`,
    details: { line, csvCode: 'CSV_QUOTE_NOT_CLOSED' },
  });
}

export function ragged(line: number, expected: number, got: number): DataError {
  return new DataError({
    code: 'RAGGED_ROW',
    message: `Ragged row at line ${line}: Invalid Record Length: expect ${expected}, got ${got} on line ${line}. Every row must have as many fields as the header; quote fields that contain the delimiter.`,
    details: { line },
  });
}

export function tooLarge(line: number): DataError {
  return new DataError({
    code: 'RECORD_TOO_LARGE',
    message: `Record at line ${line} is larger than the limit (maxRecordSize). Check for an unclosed quote, or raise maxRecordSize.`,
    details: { line },
  });
}
