import type { CellValue, Column, ColumnType, NumberColumn, NumberColumnType } from './types';
import { isNumberColumn as isNumberColumnExport } from './types';

/**
 * Bound once: the functions below run per cell, and under tsx (benchmarks, `npm run worker:*`) every call through an
 * imported name costs a getter call.
 */
const isNumberColumn = isNumberColumnExport;

/** Cell texts read as "no value". 'NaN' is deliberately absent: it is a non-finite number that validation flags. */
export const DEFAULT_MISSING_TOKENS: readonly string[] = ['', 'NA', 'N/A', 'null', 'NULL', 'None'];

const DECIMAL = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const INTEGER = /^\s*[+-]?\d+\s*$/;
const INFINITY = /^\s*([+-]?)inf(?:inity)?\s*$/i;
const NOT_A_NUMBER = /^\s*[+-]?nan\s*$/i;
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const TRUE_TOKENS = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE_TOKENS = new Set(['false', 'f', 'no', 'n', '0']);

const DIGIT_0 = 48;
const DIGIT_9 = 57;

/**
 * The value of text of the form `-?digits(.digits)?` (what almost every numeric cell looks like), else NaN; the
 * caller then falls back to the regular expressions. Cheaper than the regex test it saves, with the same result.
 */
function plainDecimal(text: string, allowPoint: boolean): number {
  const n = text.length;
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  if (i >= n) return NaN;
  let digits = 0;
  let point = false;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= DIGIT_0 && c <= DIGIT_9) digits++;
    else if (c === 46 && allowPoint && !point) point = true;
    else return NaN;
  }
  return digits > 0 ? Number(text) : NaN;
}

/** Parses decimal text, including NaN and ±Infinity tokens; undefined when the text is not a number. */
export function parseNumber(text: string): number | undefined {
  const plain = plainDecimal(text, true);
  if (!Number.isNaN(plain)) return plain;
  if (DECIMAL.test(text)) return Number(text);
  const inf = INFINITY.exec(text);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  return NOT_A_NUMBER.test(text) ? NaN : undefined;
}

/**
 * Parses booleans. A declared boolean column accepts true/false, t/f, yes/no, y/n and 1/0 (any case); inference
 * (`strict`) only recognises true/false, so yes/no or 0/1 columns keep their values as categories or integers.
 */
export function parseBoolean(text: string, strict: boolean): number | undefined {
  if (text === 'true') return 1;
  if (text === 'false') return 0;
  const lower = text.trim().toLowerCase();
  if (strict) return lower === 'true' ? 1 : lower === 'false' ? 0 : undefined;
  if (TRUE_TOKENS.has(lower)) return 1;
  return FALSE_TOKENS.has(lower) ? 0 : undefined;
}

/** Recently parsed date texts: real columns repeat the same dates a lot, and the regex dominates reading them. */
const dateCache = new Map<string, number>();
const DATE_CACHE_SIZE = 4096;

/**
 * Parses ISO-8601 dates and date-times to epoch milliseconds. Text without a zone is read as UTC (not local time),
 * so the same file gives the same values on every machine.
 */
export function parseIsoDate(text: string): number | undefined {
  const day = plainDate(text);
  if (!Number.isNaN(day)) return day;
  const cached = dateCache.get(text);
  // NaN marks text that is not a date (no date parses to NaN).
  if (cached !== undefined) return Number.isNaN(cached) ? undefined : cached;
  const value = parseIsoDateUncached(text);
  if (dateCache.size >= DATE_CACHE_SIZE) dateCache.clear();
  dateCache.set(text, value ?? NaN);
  return value;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - DIGIT_0;
    if (d < 0 || d > 9) return NaN;
    value = value * 10 + d;
  }
  return value;
}

/**
 * Epoch milliseconds of a plain `YYYY-MM-DD` (year 100 or later: Date.UTC reads 0-99 as 19xx, left to the general
 * path), else NaN. The common case without the regular expression or the cache.
 */
function plainDate(text: string): number {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return NaN;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (!(year >= 100) || !(month >= 1 && month <= 12) || !(day >= 1)) return NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  // An impossible day (2023-02-30) is not a date: the general path says so too.
  return day <= days ? Date.UTC(year, month - 1, day) : NaN;
}

function parseIsoDateUncached(text: string): number | undefined {
  const m = ISO_DATE.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) + Math.round(Number(m[7] ?? 0) * 1000);
  const check = new Date(ms);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  return ms - zoneOffsetMs(m[8]);
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.replace(':', '');
  const sign = digits.startsWith('-') ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || 0)) * 60_000;
}

function parseNumberText(type: NumberColumnType, text: string): number | undefined {
  switch (type) {
    case 'numeric':
      return parseNumber(text);
    case 'integer': {
      const plain = plainDecimal(text, false);
      if (!Number.isNaN(plain)) return plain;
      if (INTEGER.test(text)) return Number(text);
      const value = parseNumber(text);
      // Non-finite values keep the column's type; validation reports them as non-finite, not as a type error.
      return value !== undefined && !Number.isFinite(value) ? value : undefined;
    }
    case 'boolean':
      return parseBoolean(text, false);
    case 'datetime':
      return parseIsoDate(text);
  }
}

function parseNumberValue(type: NumberColumnType, raw: unknown): number | undefined {
  if (typeof raw === 'string') return parseNumberText(type, raw);
  if (typeof raw === 'number') {
    if (type === 'boolean') return raw === 0 || raw === 1 ? raw : undefined;
    return type === 'integer' && Number.isFinite(raw) && !Number.isInteger(raw) ? undefined : raw;
  }
  if (typeof raw === 'boolean') return type === 'boolean' ? Number(raw) : undefined;
  return undefined;
}

function rawText(raw: unknown): string {
  return typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? String(raw));
}

export function isMissingCell(raw: unknown, missingTokens: ReadonlySet<string>): boolean {
  return raw === undefined || raw === null || (typeof raw === 'string' && missingTokens.has(raw));
}

/** Writes one raw cell (CSV text or JSON value) into `column` at `index`, recording missing and invalid cells. */
export function writeCell(column: Column, index: number, raw: unknown, missingTokens: ReadonlySet<string>): void {
  const missing = isMissingCell(raw, missingTokens);
  if (isNumberColumn(column)) {
    writeNumberCell(column, index, raw, missing);
    return;
  }
  if (missing) {
    column.values[index] = null;
  } else if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') {
    column.values[index] = String(raw);
  } else {
    column.values[index] = null;
    column.invalid.set(index, rawText(raw));
  }
}

/**
 * A copy of a cell's text that holds on to nothing else. The CSV reader's cells are slices of the decoded chunk they
 * came from (V8 shares the chunk's storage for slices of 13 characters or more), so a cell kept beyond its batch
 * (a distinct-value set, a sample table) would keep its whole chunk in memory; keep this copy instead.
 */
export function detachText(text: string): string {
  return text.length < 13 ? text : (' ' + text).slice(1);
}

/** Missing-value tokens with their longest length, so most cells skip the set lookup (and hashing the text). */
export interface MissingTokens {
  set: ReadonlySet<string>;
  maxLength: number;
}

export function missingTokensOf(tokens: ReadonlySet<string>): MissingTokens {
  return { set: tokens, maxLength: Math.max(0, ...[...tokens].map((t) => t.length)) };
}

/**
 * writeCell for CSV text, the hot path of reading files: the same result as writeCell with a string, without its
 * type dispatch on the raw value.
 */
export function writeTextCell(column: Column, index: number, text: string, missing: MissingTokens): void {
  const isMissing = text.length <= missing.maxLength && missing.set.has(text);
  if (!isNumberColumn(column)) {
    column.values[index] = isMissing ? null : text;
    return;
  }
  if (isMissing) {
    column.values[index] = NaN;
    column.missing[index] = 1;
    return;
  }
  column.missing[index] = 0;
  const value = parseNumberText(column.type, text);
  if (value === undefined) {
    column.values[index] = NaN;
    column.invalid.set(index, text);
  } else column.values[index] = value;
}

/** writeTextCell for a datetime column in a declared format (`parse` reads the text; undefined: invalid). */
export function writeParsedTextCell(
  column: Column,
  index: number,
  text: string,
  missing: MissingTokens,
  parse: (text: string) => number | undefined,
): void {
  if (!isNumberColumn(column) || (text.length <= missing.maxLength && missing.set.has(text))) {
    writeTextCell(column, index, text, missing);
    return;
  }
  column.missing[index] = 0;
  const value = parse(text);
  if (value === undefined) {
    column.values[index] = NaN;
    column.invalid.set(index, text);
  } else column.values[index] = value;
}

function writeNumberCell(column: NumberColumn, index: number, raw: unknown, missing: boolean): void {
  if (missing) {
    column.values[index] = NaN;
    column.missing[index] = 1;
    return;
  }
  column.missing[index] = 0;
  const value = parseNumberValue(column.type, raw);
  column.values[index] = value ?? NaN;
  if (value === undefined) column.invalid.set(index, rawText(raw));
}

/** The JSON value of a cell as it would be written back out: datetimes as ISO text, invalid cells as raw text. */
export function readCell(column: Column, index: number): CellValue {
  const invalid = column.invalid.get(index);
  if (invalid !== undefined) return invalid;
  if (!isNumberColumn(column)) return column.values[index] ?? null;
  if (column.missing[index] === 1) return null;
  const value = column.values[index] as number;
  if (column.type === 'boolean') return value === 1;
  if (column.type === 'datetime') return new Date(value).toISOString();
  return Number.isFinite(value) ? value : String(value);
}

/** A categorical key for any cell (used by one-hot encoding, label encoding and frequency counts). */
export function cellKey(column: Column, index: number): string | null {
  if (!isNumberColumn(column)) return column.values[index] ?? null;
  if (column.missing[index] === 1 || column.invalid.has(index)) return null;
  const value = column.values[index] as number;
  if (column.type === 'boolean') return value === 1 ? 'true' : 'false';
  return column.type === 'datetime' ? new Date(value).toISOString() : String(value);
}

export function createColumn(type: ColumnType, capacity: number): Column {
  if (type === 'categorical' || type === 'text') {
    return { type, values: new Array<string | null>(capacity).fill(null), invalid: new Map() };
  }
  return { type, values: new Float64Array(capacity), missing: new Uint8Array(capacity), invalid: new Map() };
}
