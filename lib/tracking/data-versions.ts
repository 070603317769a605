import type { Db } from '../db';

export const DATA_VERSION = /^[0-9a-f]{64}$/;

export interface LakeObject {
  sha256: string;
  key: string;
  format: 'csv' | 'jsonl';
  size: number;
  /** The earliest run that ingested these bytes (its feature-view usage describes them). */
  firstRunId: string | null;
}

/**
 * The raw object of the data lake with these bytes, as some run's ingest step recorded it; undefined when no run
 * ever ingested them. Lake objects are content-addressed and never rewritten, so any row names the same bytes.
 */
export async function findLakeObject(db: Db, sha256: string): Promise<LakeObject | undefined> {
  if (!DATA_VERSION.test(sha256)) return undefined;
  const row = (await db('artifacts')
    .where({ kind: 'raw_dataset', sha256 })
    .whereNotNull('store_key')
    .orderBy('id')
    .first('store_key', 'size_bytes', 'metadata', 'run_id')) as
    | { store_key: string; size_bytes: string | number | null; metadata: { format?: string }; run_id: string | null }
    | undefined;
  if (!row) return undefined;
  const format = row.metadata?.format === 'jsonl' || row.store_key.endsWith('.jsonl') ? 'jsonl' : 'csv';
  return { sha256, key: row.store_key, format, size: Number(row.size_bytes ?? 0), firstRunId: row.run_id };
}
