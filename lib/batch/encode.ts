import { createRequire } from 'node:module';
import type * as ParquetWriterModule from 'hyparquet-writer' with { 'resolution-mode': 'import' };
import { csvLine } from './csv';
import type { ScoredChunk } from './score';

// How a scored chunk is written out: the same columns in CSV, Parquet and PostgreSQL. `row_number` is the 1-based
// position of the row in the input, so outputs join back to it and a reader can check that no row is missing or
// doubled; then the passthrough columns, the prediction, and one probability column per class.

export function probabilityColumn(label: string): string {
  return `p_${label}`;
}

export function outputColumnNames(scored: Pick<ScoredChunk, 'passthrough' | 'classes' | 'task'>): string[] {
  const probabilities = scored.task === 'classification' ? scored.classes.map(probabilityColumn) : [];
  return ['row_number', ...scored.passthrough, 'prediction', ...probabilities];
}

export function scoredCsv(scored: ScoredChunk): string {
  const k = scored.task === 'classification' ? scored.classes.length : 0;
  const lines = [csvLine(outputColumnNames(scored))];
  for (let r = 0; r < scored.rowNumbers.length; r++) {
    const values: Array<string | number | null> = [scored.rowNumbers[r] as number];
    for (const column of scored.cells) values.push(column[r] ?? null);
    values.push(scored.predictions[r] ?? null);
    for (let j = 0; j < k; j++) values.push(scored.probabilities[r * k + j] as number);
    lines.push(csvLine(values));
  }
  return lines.join('');
}

/** Rejected rows: where, why, and the row as the input had it (JSON), so it can be fixed and scored again. */
export function rejectsCsv(rejects: ScoredChunk['rejects']): string {
  const lines = [csvLine(['row_number', 'reason', 'row'])];
  for (const r of rejects) lines.push(csvLine([r.rowNumber, r.reason, JSON.stringify(r.row)]));
  return lines.join('');
}

let parquetModule: typeof ParquetWriterModule | undefined;

/**
 * hyparquet-writer is ESM-only: loaded on first use with Node's require (Node 20.19+ loads ES modules
 * synchronously). Jest's module registry cannot load it, so tests check Parquet in a child process.
 */
function loadParquetWriter(): typeof ParquetWriterModule {
  parquetModule ??= createRequire(__filename)('hyparquet-writer') as typeof ParquetWriterModule;
  return parquetModule;
}

/** One Parquet file (snappy, one row group) per chunk: row_number INT64, text columns UTF8, numbers DOUBLE. */
export async function scoredParquet(scored: ScoredChunk): Promise<Uint8Array> {
  const { parquetWriteBuffer } = loadParquetWriter();
  const n = scored.rowNumbers.length;
  const k = scored.task === 'classification' ? scored.classes.length : 0;
  const columnData: ParquetWriterModule.ColumnSource[] = [
    {
      name: 'row_number',
      data: BigInt64Array.from(scored.rowNumbers, (v) => BigInt(v)),
      type: 'INT64',
      nullable: false,
    },
    ...scored.passthrough.map((name, j) => ({ name, data: scored.cells[j] ?? [], type: 'STRING' as const })),
    scored.task === 'classification'
      ? { name: 'prediction', data: scored.predictions as string[], type: 'STRING' as const }
      : { name: 'prediction', data: Float64Array.from(scored.predictions as number[]), type: 'DOUBLE' as const },
    ...scored.classes.slice(0, k).map((label, j) => ({
      name: probabilityColumn(label),
      data: Float64Array.from({ length: n }, (_, r) => scored.probabilities[r * k + j] as number),
      type: 'DOUBLE' as const,
      nullable: false,
    })),
  ];
  const buffer = parquetWriteBuffer({ columnData, rowGroupSize: Math.max(1, n), createdBy: 'mlops-pipelines' });
  return new Uint8Array(buffer);
}

/** A passthrough column named like an output column would be ambiguous in every format: refused up front. */
export function outputNameClash(shape: Pick<ScoredChunk, 'passthrough' | 'classes' | 'task'>): string | undefined {
  const reserved = new Set(['job_id', 'row_number', 'prediction']);
  if (shape.task === 'classification') for (const c of shape.classes) reserved.add(probabilityColumn(c));
  return shape.passthrough.find((c) => reserved.has(c));
}
