import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Db } from '../db';
import { DataError } from '../ml/errors';
import { csvLine } from './csv';
import { outputColumnNames } from './encode';
import type { ScoredChunk } from './score';

// PostgreSQL outputs: a table in the `batch_predictions` schema keyed by (job_id, row_number). A chunk's rows are
// replaced and its batch_chunks row written in ONE transaction, so a chunk is either fully there and marked done,
// or absent and scored again: never half-written, never written twice.

export const OUTPUT_SCHEMA = 'batch_predictions';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
export const qualifiedOutputTable = (table: string) => `${quote(OUTPUT_SCHEMA)}.${quote(table)}`;

export interface OutputShape {
  passthrough: string[];
  task: 'classification' | 'regression';
  classes: string[];
}

function columnTypes(shape: OutputShape): Array<[string, string]> {
  return outputColumnNames(shape).map((name) => {
    if (name === 'row_number') return [name, 'bigint not null'];
    if (name === 'prediction') return [name, shape.task === 'classification' ? 'text' : 'double precision'];
    if (shape.passthrough.includes(name)) return [name, 'text'];
    return [name, 'double precision'];
  });
}

/**
 * Creates the output table (or, in `replace` mode, drops and creates it). An existing table must have exactly the
 * columns this job writes: rows of another shape are refused with the table's columns named, never mixed.
 */
export async function prepareOutputTable(
  db: Db,
  input: { table: string; mode: 'append' | 'replace'; shape: OutputShape },
): Promise<void> {
  const table = qualifiedOutputTable(input.table);
  const columns = columnTypes(input.shape);
  const tooLong = columns.find(([name]) => Buffer.byteLength(name) > 63);
  if (tooLong) {
    throw new DataError({
      code: 'TOO_MANY_COLUMNS',
      message: `Output column "${tooLong[0]}" is longer than PostgreSQL's 63-byte identifiers: leave it out with options.passthrough.`,
      details: { column: tooLong[0] },
    });
  }
  await db.transaction(async (trx) => {
    await trx.raw(`create schema if not exists ${quote(OUTPUT_SCHEMA)}`);
    if (input.mode === 'replace') await trx.raw(`drop table if exists ${table}`);
    await trx.raw(
      `create table if not exists ${table} (job_id text not null, ${columns.map(([n, t]) => `${quote(n)} ${t}`).join(', ')}, primary key (job_id, row_number))`,
    );
    const existing = (await trx('information_schema.columns')
      .where({ table_schema: OUTPUT_SCHEMA, table_name: input.table })
      .orderBy('ordinal_position')
      .pluck('column_name')) as string[];
    const wanted = ['job_id', ...columns.map(([n]) => n)];
    if (existing.join('\u0000') !== wanted.join('\u0000')) {
      throw new DataError({
        code: 'COLUMN_MISSING',
        message: `Output table ${OUTPUT_SCHEMA}.${input.table} exists with other columns (${existing.join(', ')}) than this job writes (${wanted.join(', ')}): choose another table, or mode "replace".`,
        details: { table: input.table },
      });
    }
  });
}

export interface ChunkCompletion {
  jobId: string;
  chunkIndex: number;
  firstRow: number;
  rows: number;
  scored: number;
  rejected: number;
  attempt: number;
  seconds: number;
  outputKey: string | null;
  rejectsKey: string | null;
}

export function chunkRow(c: ChunkCompletion) {
  return {
    job_id: c.jobId,
    chunk_index: c.chunkIndex,
    first_row: c.firstRow,
    rows: c.rows,
    scored: c.scored,
    rejected: c.rejected,
    attempt: c.attempt,
    seconds: c.seconds,
    output_key: c.outputKey,
    rejects_key: c.rejectsKey,
  };
}

function* copyLines(jobId: string, scored: ScoredChunk): Generator<string> {
  const k = scored.task === 'classification' ? scored.classes.length : 0;
  let lines: string[] = [];
  for (let r = 0; r < scored.rowNumbers.length; r++) {
    const values: Array<string | number | null> = [jobId, scored.rowNumbers[r] as number];
    for (const column of scored.cells) values.push(column[r] ?? null);
    values.push(scored.predictions[r] ?? null);
    for (let j = 0; j < k; j++) values.push(scored.probabilities[r * k + j] as number);
    lines.push(csvLine(values));
    if (lines.length === 2000) {
      yield lines.join('');
      lines = [];
    }
  }
  if (lines.length > 0) yield lines.join('');
}

/** Replaces the chunk's rows and marks it done, in one transaction on its own connection. */
export async function commitChunkRows(
  url: string,
  input: { table: string; scored: ScoredChunk; completion: ChunkCompletion },
): Promise<void> {
  const { completion: c, scored } = input;
  const table = qualifiedOutputTable(input.table);
  const columns = ['job_id', ...outputColumnNames(scored)].map(quote).join(', ');
  const client = new Client({ connectionString: url, application_name: 'mlops-batch-output' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`DELETE FROM ${table} WHERE job_id = $1 AND row_number BETWEEN $2 AND $3`, [
      c.jobId,
      c.firstRow,
      c.firstRow + c.rows - 1,
    ]);
    const sink = client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN WITH (FORMAT csv)`));
    await pipeline(Readable.from(copyLines(c.jobId, scored)), sink);
    const row = chunkRow(c);
    await client.query(
      `INSERT INTO batch_chunks (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row)
        .map((_, i) => `$${i + 1}`)
        .join(', ')}) ON CONFLICT (job_id, chunk_index) DO NOTHING`,
      Object.values(row),
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end().catch(() => undefined);
  }
}
