// Large churn-like CSVs for bench/etl-scale.ts: the example generator's rows (same columns, distributions and label
// model), produced in seeded chunks so that generating 3M rows never holds more than one chunk.
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CHURN_HEADER, churnRows } from '../../scripts/generate-example-data';

const CHUNK_ROWS = 50_000;

async function writeChurnCsv(path: string, rows: number, seed: number): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const out = createWriteStream(path);
  out.write(`${CHURN_HEADER.join(',')}\n`);
  for (let start = 0; start < rows; start += CHUNK_ROWS) {
    const chunk = churnRows(Math.min(CHUNK_ROWS, rows - start), seed + start / CHUNK_ROWS);
    // The generator numbers ids from 0 in every chunk: renumber them across the file.
    const text = chunk.map((r, i) => [`C${String(start + i).padStart(8, '0')}`, ...r.slice(1)].join(',')).join('\n');
    if (!out.write(`${text}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** The CSV at `path` with `rows` data rows, generated once and reused (a marker file records its row count). */
export async function ensureChurnCsv(path: string, rows: number, seed = 7): Promise<{ path: string; bytes: number }> {
  const marker = `${path}.rows`;
  const cached = existsSync(path) && existsSync(marker) && readFileSync(marker, 'utf8') === `${rows}:${seed}`;
  if (!cached) {
    console.log(`generating ${rows.toLocaleString('en-US')} churn rows into ${path} ...`);
    await writeChurnCsv(path, rows, seed);
    writeFileSync(marker, `${rows}:${seed}`);
  }
  return { path, bytes: statSync(path).size };
}
