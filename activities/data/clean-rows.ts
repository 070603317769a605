import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { readRecordBatches, type RecordBatch, type TableSchema } from '../../lib/ml';
import type { ReadingOptions } from '../../lib/ml/data/derived';
import type { ActivityDeps } from '../deps';
import type { IngestOutput, ValidateOutput } from '../pipeline-io';

/** Source lines of the rows validation quarantined (bounded by maxQuarantinedRatio of the dataset). */
export async function quarantinedLines(deps: ActivityDeps, validation: ValidateOutput): Promise<Set<number>> {
  const lines = new Set<number>();
  if (!validation.quarantine) return lines;
  const stream: Readable = await deps.store.get(validation.quarantine.key);
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    if (text) lines.add((JSON.parse(text) as { line: number }).line);
  }
  return lines;
}

/**
 * The accepted rows of the raw data, batch by batch, read with the schema validation settled on; quarantined rows
 * are left out, so every later step sees exactly the rows validation accepted, in source order.
 */
export async function* cleanBatches(
  deps: ActivityDeps,
  raw: IngestOutput,
  validation: ValidateOutput,
  options: { batchRows?: number; reading?: ReadingOptions } = {},
): AsyncGenerator<{ batch: RecordBatch; keep: number[] }> {
  const skip = await quarantinedLines(deps, validation);
  const stream = await deps.store.get(raw.raw.key);
  const schema = validation.schema as TableSchema;
  const batchRows = options.batchRows ?? 10_000;
  for await (const batch of readRecordBatches({
    stream,
    format: raw.format,
    schema,
    batchRows,
    reading: options.reading,
  })) {
    const keep: number[] = [];
    for (let i = 0; i < batch.rowCount; i += 1) if (!skip.has(batch.lineNumbers[i] as number)) keep.push(i);
    yield { batch, keep };
  }
}

/**
 * Like cleanBatches, but rows are left out inside the reader, before their cells are converted: only the clean rows
 * whose row id (position among the clean rows, the ABT's row_id) `keep` accepts, and only `columns`. A pass that
 * needs a 200k-row sample of 30M rows converts 200k rows. Each batch comes with the row ids of its rows.
 */
export async function* selectCleanRows(
  deps: ActivityDeps,
  raw: IngestOutput,
  validation: ValidateOutput,
  options: {
    keep?: (rowId: number) => boolean;
    columns?: readonly string[];
    batchRows?: number;
    /** The spec's reading (tokens, formats, derived columns): `columns` may name derived columns. */
    reading?: ReadingOptions;
  } = {},
): AsyncGenerator<{ batch: RecordBatch; rowIds: Int32Array }> {
  const skip = await quarantinedLines(deps, validation);
  const stream = await deps.store.get(raw.raw.key);
  const schema = validation.schema as TableSchema;
  // Row ids of the rows the reader kept and has not handed over yet: its batches come out in the same order.
  let pending = new Int32Array(1024);
  let queued = 0;
  let nextRowId = 0;
  const keepRow = (line: number): boolean => {
    if (skip.has(line)) return false;
    const rowId = nextRowId++;
    if (options.keep && !options.keep(rowId)) return false;
    if (queued === pending.length) {
      const grown = new Int32Array(pending.length * 2);
      grown.set(pending);
      pending = grown;
    }
    pending[queued++] = rowId;
    return true;
  };
  const batches = readRecordBatches({
    stream,
    format: raw.format,
    schema,
    columns: options.columns,
    keepRow,
    batchRows: options.batchRows ?? 10_000,
    reading: options.reading,
  });
  for await (const batch of batches) {
    const rowIds = pending.slice(0, batch.rowCount);
    pending.copyWithin(0, batch.rowCount, queued);
    queued -= batch.rowCount;
    yield { batch, rowIds };
  }
}

/** Split membership per clean row (0 train, 1 validation, 2 test) as bytes: compact even for millions of rows. */
export const SPLIT_CODES = { train: 0, validation: 1, test: 2 } as const;
export type SplitName = keyof typeof SPLIT_CODES;
export const SPLIT_NAMES: SplitName[] = ['train', 'validation', 'test'];
