import type { FeatureValue } from './values';

// CSV for PostgreSQL's COPY and for training sets: an unquoted empty field is NULL, a quoted one ("") the empty
// string, so the two never collapse.

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export function csvCell(value: FeatureValue | undefined): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  if (text === '' || NEEDS_QUOTES.test(text)) return `"${text.replace(/"/g, '""')}"`;
  return text;
}

export function csvLine(values: ReadonlyArray<FeatureValue | undefined>): string {
  return `${values.map(csvCell).join(',')}\n`;
}
