import type { Writable } from 'node:stream';

export interface Io {
  out: Writable;
  err: Writable;
  /** Whether stderr is a terminal (live progress bar) or a log (one line per change). */
  interactive: boolean;
}

export function printJson(io: Io, value: unknown): void {
  io.out.write(`${JSON.stringify(value, null, 2)}\n`);
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Rows as an aligned text table with the given columns (header in upper case). */
export function printTable(io: Io, rows: Array<Record<string, unknown>>, columns: string[]): void {
  if (rows.length === 0) {
    io.out.write('(none)\n');
    return;
  }
  const cells = rows.map((row) => columns.map((c) => cell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] as string).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  io.out.write(`${line(columns.map((c) => c.toUpperCase()))}\n`);
  for (const row of cells) io.out.write(`${line(row)}\n`);
}

/** Key-value lines for one object (nested objects as JSON). */
export function printFields(io: Io, fields: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(fields).map((k) => k.length));
  for (const [key, value] of Object.entries(fields)) io.out.write(`${key.padEnd(width)}  ${cell(value)}\n`);
}
