import type { Db } from '../db';

export type RunStatus =
  | 'running'
  | 'waiting_approval'
  | 'succeeded'
  | 'failed'
  | 'rejected'
  | 'gate_failed'
  | 'rolled_back'
  | 'cancelled'
  | 'timed_out';

export interface RunRow {
  run_id: string;
  pipeline: string;
  spec_hash: string;
  spec_version: number | null;
  started_by: string | null;
  status: RunStatus;
  phase: string;
  trigger: string;
  params: Record<string, unknown>;
  summary: Record<string, unknown>;
  error: string | null;
  started_at: Date;
  ended_at: Date | null;
}

export interface RunStart {
  runId: string;
  pipeline: string;
  specHash: string;
  specVersion?: number;
  /** The principal who started the run (or created its schedule); the four-eyes rule keys on it. */
  startedBy?: string;
  trigger: string;
  params: Record<string, unknown>;
}

/** Idempotent: a retried call for the same workflow id leaves one row. */
export async function recordRunStart(db: Db, run: RunStart): Promise<void> {
  await db('pipeline_runs')
    .insert({
      run_id: run.runId,
      pipeline: run.pipeline,
      spec_hash: run.specHash,
      spec_version: run.specVersion ?? null,
      started_by: run.startedBy ?? null,
      trigger: run.trigger,
      params: JSON.stringify(run.params),
    })
    .onConflict('run_id')
    .merge(['spec_hash', 'spec_version', 'started_by', 'params']);
}

export interface RunUpdate {
  runId: string;
  status?: RunStatus;
  phase?: string;
  summary?: Record<string, unknown>;
  error?: string | null;
  ended?: boolean;
}

/** Merges summary keys (jsonb ||) so that concurrent steps never overwrite each other's entries. */
export async function updateRun(db: Db, update: RunUpdate): Promise<void> {
  const patch: Record<string, unknown> = {};
  if (update.status) patch.status = update.status;
  if (update.phase) patch.phase = update.phase;
  if (update.error !== undefined) patch.error = update.error;
  if (update.ended) patch.ended_at = db.fn.now();
  if (update.summary) patch.summary = db.raw('summary || ?::jsonb', [JSON.stringify(update.summary)]);
  if (Object.keys(patch).length === 0) return;
  await db('pipeline_runs').where({ run_id: update.runId }).update(patch);
}

export async function getRun(db: Db, runId: string): Promise<RunRow | undefined> {
  return db<RunRow>('pipeline_runs').where({ run_id: runId }).first();
}
