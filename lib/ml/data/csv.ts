import { MlError } from '../errors';
import { malformed, ragged, tooLarge, unclosedQuote } from './csv-errors';
import { decodeUtf8 } from './utf8';

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** How records end: found at the first unquoted line break, as csv-parse does (CRLF before CR). */
const enum LineEnd {
  Unknown,
  Lf,
  CrLf,
  Cr,
}

/**
 * Records of one decoded chunk, flat: record r's field j is `fields[r * width + j]`. Every record has `width` fields
 * (a ragged row is an error), so consumers convert column by column without per-row arrays.
 */
export interface CsvRecords {
  fields: string[];
  /** 1-based line where each record starts. */
  lines: number[];
  count: number;
}

/** Signals that the record at hand continues in the next chunk. */
const INCOMPLETE = -1;

/**
 * RFC 4180 CSV tokenizer over decoded text, fed chunk by chunk (records may span chunks). It reads CSV as the
 * project always has (csv-parse with `skip_empty_lines`): quotes only open a field, `""` inside quotes is a quote,
 * a closing quote must be followed by the delimiter or the end of the record, blank lines are skipped, the first
 * record is the header and every later record must have as many fields. Line numbers count LF characters (CR in
 * files whose records end with a bare CR). It works on strings with charCodeAt and slices, and hands records over
 * flat (see CsvRecords): several times faster than a general-purpose parser that copies every byte of every field.
 */
export class CsvTokenizer {
  header: string[] | undefined;
  private carry = '';
  /** Line where `carry` (the incomplete record) starts. */
  private line = 1;
  private lineEnd = LineEnd.Unknown;
  private width = -1;
  private readonly delimiter: number;
  /** Data fields (by position) whose text is not needed: they come back as '' without being copied. */
  private skip: readonly boolean[] = [];
  private keep: ((line: number) => boolean) | undefined;
  /** Position of a quote in the text being tokenized, at or after the last record start (-1: no more quotes). */
  private quoteAt = -1;

  constructor(
    delimiter: string,
    private readonly maxRecordSize: number,
  ) {
    if (delimiter.length !== 1 || [QUOTE, LF, CR].includes(delimiter.charCodeAt(0))) {
      throw new MlError({
        code: 'INVALID_INPUT',
        message: `The CSV delimiter must be one character other than a quote or a line break (got ${JSON.stringify(delimiter)}).`,
      });
    }
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** Leaves out the text of these fields (by position) in the records tokenized from now on; never the header's. */
  skipFields(skip: readonly boolean[]): void {
    this.skip = skip;
  }

  /**
   * Records from now on whose start line `keep` refuses are left out. A refused record without quotes is skipped
   * by finding its line break, without tokenizing it (its field count is not checked then: use this on data a full
   * read has accepted, as later pipeline steps do).
   */
  keepRecords(keep: (line: number) => boolean): void {
    this.keep = keep;
  }

  /** Tokenizes every complete record of the text so far into `out`; `final` marks the end of the input. */
  push(text: string, final: boolean, out: CsvRecords): void {
    const s = this.carry.length > 0 ? this.carry + text : text;
    const n = s.length;
    let pos = 0;
    this.quoteAt = s.indexOf('"');
    while (pos < n) {
      const next = this.record(s, pos, final, out);
      if (next === INCOMPLETE) break;
      pos = next;
    }
    this.carry = pos < n ? s.slice(pos) : '';
    if (this.carry.length > this.maxRecordSize) throw tooLarge(this.line);
  }

  /** One record from `start`; returns where the next begins, or INCOMPLETE (nothing consumed). */
  private record(s: string, start: number, final: boolean, out: CsvRecords): number {
    const n = s.length;
    const d = this.delimiter;
    const recordLine = this.line;
    let line = recordLine;
    const first = s.charCodeAt(start);
    if (first === LF || first === CR) {
      // A blank line; its end still decides the line-ending style when it is the first one.
      const length = this.lineBreakAt(s, start, final);
      if (length === INCOMPLETE) return INCOMPLETE;
      if (length > 0) {
        if (first === LF || this.lineEnd === LineEnd.Cr) this.line += 1;
        else if (length === 2) this.line += 1;
        return start + length;
      }
    }
    let decided = false;
    if (this.keep && this.width !== -1 && this.lineEnd !== LineEnd.Unknown) {
      const lineBreak = this.lineEnd === LineEnd.Lf ? '\n' : this.lineEnd === LineEnd.Cr ? '\r' : '\r\n';
      const end = s.indexOf(lineBreak, start);
      // One line without quotes (in a CRLF file, without a bare LF either): it ends at that line break.
      const oneLine = end !== -1 && (this.lineEnd !== LineEnd.CrLf || s.indexOf('\n', start) === end + 1);
      if (oneLine && !this.quoteBefore(s, start, end)) {
        if (!this.keep(recordLine)) {
          this.line = recordLine + 1;
          return end + lineBreak.length;
        }
        decided = true;
      }
    }
    const fieldsBefore = out.fields.length;
    let field = 0;
    let i = start;
    for (;;) {
      let value: string;
      const skipped = this.width !== -1 && this.skip[field] === true;
      if (s.charCodeAt(i) === QUOTE) {
        const quoteLine = line;
        let from = i + 1;
        let parts: string | undefined;
        for (;;) {
          const close = s.indexOf('"', from);
          if (close === -1) {
            if (!final) return this.incomplete(out, fieldsBefore, s, start);
            throw unclosedQuote(quoteLine);
          }
          line += this.countLines(s, from, close);
          if (close + 1 >= n && !final) return this.incomplete(out, fieldsBefore, s, start);
          if (s.charCodeAt(close + 1) === QUOTE) {
            if (!skipped) parts = (parts ?? '') + s.slice(from, close + 1);
            from = close + 2;
            continue;
          }
          value = skipped ? '' : parts === undefined ? s.slice(from, close) : parts + s.slice(from, close);
          i = close + 1;
          break;
        }
        if (i < n) {
          const c = s.charCodeAt(i);
          if (c !== d && c !== LF && c !== CR) {
            const got = String.fromCharCode(c);
            throw malformed(
              line,
              `Invalid Closing Quote: got "${got}" at line ${line} instead of delimiter, record delimiter, trimable character (if activated) or comment`,
              'CSV_INVALID_CLOSING_QUOTE',
            );
          }
          const length = c === d ? 1 : this.lineBreakAt(s, i, final);
          if (length === INCOMPLETE) return this.incomplete(out, fieldsBefore, s, start);
          if (length === 0) {
            throw malformed(
              line,
              `Invalid Closing Quote: a line break at line ${line} that does not end records in this file`,
              'CSV_INVALID_CLOSING_QUOTE',
            );
          }
        }
      } else {
        const from = i;
        for (;;) {
          while (i < n) {
            const c = s.charCodeAt(i);
            if (c === d || c === LF || c === CR || c === QUOTE) break;
            i++;
          }
          if (i >= n) break;
          const c = s.charCodeAt(i);
          if (c === QUOTE) {
            const sofar = s.slice(from, i);
            throw malformed(
              line,
              `Invalid Opening Quote: a quote is found on field ${field} at line ${line}, value is ${JSON.stringify(sofar)}`,
              'INVALID_OPENING_QUOTE',
            );
          }
          if (c === d) break;
          // A line break: the end of the record, or (in a file with another line-ending style) a plain character.
          const length = this.lineBreakAt(s, i, final);
          if (length === INCOMPLETE) return this.incomplete(out, fieldsBefore, s, start);
          if (length > 0) break;
          if (this.lineEnd === LineEnd.Cr ? c === CR : c === LF) line += 1;
          i++;
        }
        if (i >= n && !final) return this.incomplete(out, fieldsBefore, s, start);
        value = skipped ? '' : s.slice(from, i);
      }
      out.fields.push(value);
      field++;
      if (i - start > this.maxRecordSize) throw tooLarge(recordLine);
      if (i >= n) break;
      if (s.charCodeAt(i) === d) {
        i++;
        if (i >= n && !final) return this.incomplete(out, fieldsBefore, s, start);
        if (i >= n) {
          out.fields.push('');
          field++;
          break;
        }
        continue;
      }
      // The record's line break (checked above).
      const length = this.lineBreakAt(s, i, final);
      i += length;
      if (this.lineEnd === LineEnd.Cr || s.charCodeAt(i - 1) === LF) line += 1;
      break;
    }
    this.line = line;
    if (this.width === -1) {
      this.width = field;
      this.header = out.fields.splice(fieldsBefore, field);
      return i;
    }
    if (field !== this.width) throw ragged(recordLine, this.width, field);
    if (this.keep && !decided && !this.keep(recordLine)) {
      out.fields.length = fieldsBefore;
      return i;
    }
    out.lines.push(recordLine);
    out.count++;
    return i;
  }

  private incomplete(out: CsvRecords, fieldsBefore: number, s: string, start: number): number {
    out.fields.length = fieldsBefore;
    if (s.length - start > this.maxRecordSize) throw tooLarge(this.line);
    return INCOMPLETE;
  }

  /** Whether a quote occurs in s[start, end). */
  private quoteBefore(s: string, start: number, end: number): boolean {
    if (this.quoteAt !== -1 && this.quoteAt < start) this.quoteAt = s.indexOf('"', start);
    return this.quoteAt !== -1 && this.quoteAt < end;
  }

  /** Lines inside a quoted field. */
  private countLines(s: string, from: number, to: number): number {
    const mark = this.lineEnd === LineEnd.Cr ? '\r' : '\n';
    let count = 0;
    for (let at = s.indexOf(mark, from); at !== -1 && at < to; at = s.indexOf(mark, at + 1)) count++;
    return count;
  }

  /**
   * Length of the record delimiter at `i` (0 when the character there is not one), settling the file's line-ending
   * style at its first line break; INCOMPLETE when a CR ends the chunk and the next character decides.
   */
  private lineBreakAt(s: string, i: number, final: boolean): number {
    const c = s.charCodeAt(i);
    if (this.lineEnd === LineEnd.Unknown) {
      if (c === LF) this.lineEnd = LineEnd.Lf;
      else if (c === CR) {
        if (i + 1 >= s.length && !final) return INCOMPLETE;
        this.lineEnd = s.charCodeAt(i + 1) === LF ? LineEnd.CrLf : LineEnd.Cr;
      } else return 0;
    }
    switch (this.lineEnd) {
      case LineEnd.Lf:
        return c === LF ? 1 : 0;
      case LineEnd.Cr:
        return c === CR ? 1 : 0;
      default:
        if (c !== CR) return 0;
        if (i + 1 >= s.length) return final ? 0 : INCOMPLETE;
        return s.charCodeAt(i + 1) === LF ? 2 : 0;
    }
  }
}

/**
 * CSV records, a CsvRecords per decoded chunk (strict UTF-8, BOM dropped), pulled with backpressure: memory stays
 * bounded by a chunk and the longest record. The tokenizer's `header` is set once the first record is read.
 */
export async function* csvRecords(
  stream: AsyncIterable<Uint8Array | string>,
  tokenizer: CsvTokenizer,
): AsyncGenerator<CsvRecords> {
  for await (const text of decodeUtf8(stream)) {
    const out: CsvRecords = { fields: [], lines: [], count: 0 };
    tokenizer.push(text, false, out);
    if (out.count > 0) yield out;
  }
  const last: CsvRecords = { fields: [], lines: [], count: 0 };
  tokenizer.push('', true, last);
  if (last.count > 0) yield last;
}
