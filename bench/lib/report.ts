import { cpus } from 'node:os';

/** Prints rows as an aligned plain-text table (also valid Markdown), so results can be pasted into docs/BENCHMARKS.md. */
export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, j) => c.padEnd(widths[j] ?? 0)).join(' | ')} |`;
  console.log(line(headers));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of cells.slice(1)) console.log(line(r));
}

export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `Node ${process.version}, ${cpus().length} cores (${cpu.trim()}), ${process.platform}/${process.arch}`;
}

export function rate(count: number, seconds: number): string {
  return Math.round(count / seconds).toLocaleString('en-US');
}
