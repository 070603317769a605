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

/**
 * A number as people read it in a table: integers in full, others to 4 significant digits (0.8664, 12.35) but never
 * fewer than the integer part (12346), instead of the 16 decimals of a float's shortest round trip.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  const integerDigits = Math.abs(value) < 1 ? 0 : Math.floor(Math.log10(Math.abs(value))) + 1;
  const rounded = integerDigits >= 4 ? value.toFixed(0) : value.toPrecision(4);
  return String(Number(rounded));
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number') return formatNumber(value);
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

/**
 * A reader that goes away early (`mlops status RUN | head -3`) closes the pipe: stop writing and exit like other Unix
 * tools instead of crashing with an unhandled EPIPE. Other stream errors are reported and exit 1.
 */
export function exitWhenPipeCloses(stream: Writable, exit: (code: number) => void): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') return exit(0);
    process.stderr.write(`error: cannot write output: ${err.message}\n`);
    exit(1);
  });
}
