import type { Db } from '../db';
import type { Slot } from '../registry';
import type { Prediction } from './types';

export interface PredictionLogEntry {
  model: string;
  slot: Slot;
  version: number;
  versionId: number;
  requestId: string;
  rows: Array<Record<string, unknown>>;
  predictions: Prediction[];
}

/** One row per predicted input row (row_index keeps the request's order), written in one insert. */
export async function logPredictions(db: Db, entry: PredictionLogEntry): Promise<void> {
  if (entry.rows.length === 0) return;
  await db('prediction_log').insert(
    entry.rows.map((row, index) => ({
      model: entry.model,
      slot: entry.slot,
      version: entry.version,
      version_id: entry.versionId,
      request_id: entry.requestId,
      row_index: index,
      inputs: JSON.stringify(row),
      outputs: JSON.stringify(entry.predictions[index] ?? null),
    })),
  );
}

export interface FeedbackItem {
  requestId: string;
  rowIndex: number;
  label: string | number;
}

export interface FeedbackResult {
  recorded: number;
  /** Items whose prediction was never logged (not sampled, or an unknown id): nothing was written. */
  missing: Array<{ requestId: string; rowIndex: number }>;
}

/** All or nothing: labels are written only when every item names a logged prediction. A second label for the
 * same prediction replaces the first (a corrected label). */
export async function recordFeedback(db: Db, items: FeedbackItem[], submittedBy: string): Promise<FeedbackResult> {
  return db.transaction(async (trx) => {
    const found = await trx('prediction_log')
      .select('id', 'request_id', 'row_index')
      .whereIn(
        ['request_id', 'row_index'],
        items.map((i) => [i.requestId, i.rowIndex]),
      );
    const ids = new Map(
      found.map((r: { id: number; request_id: string; row_index: number }) => [`${r.request_id}#${r.row_index}`, r.id]),
    );
    const missing = items
      .filter((i) => !ids.has(`${i.requestId}#${i.rowIndex}`))
      .map((i) => ({ requestId: i.requestId, rowIndex: i.rowIndex }));
    if (missing.length > 0) return { recorded: 0, missing };
    await trx('feedback')
      .insert(
        items.map((i) => ({
          prediction_id: ids.get(`${i.requestId}#${i.rowIndex}`),
          label: JSON.stringify(i.label),
          submitted_by: submittedBy,
        })),
      )
      .onConflict('prediction_id')
      .merge(['label', 'submitted_by', 'received_at']);
    return { recorded: items.length, missing: [] };
  });
}
