import type { Db } from '../db';
import type { BatchInputSpec, BatchOptionsSpec, BatchOutputSpec } from './spec';

// The batch_jobs / batch_chunks rows: what the API reads for a job's status and progress. Progress is summed from
// the chunk rows (written once per chunk, in the same transaction as PostgreSQL output rows), so a retried chunk is
// never counted twice.

export interface NewBatchJob {
  jobId: string;
  model: string;
  versionId: number;
  version: number;
  slot?: string;
  requestedBy: string;
  trigger: string;
  input: BatchInputSpec;
  output: BatchOutputSpec;
  options: BatchOptionsSpec;
}

/** Idempotent: a retried planning activity (or a workflow reset) finds the row and leaves its start time. */
export async function recordBatchJob(db: Db, job: NewBatchJob): Promise<void> {
  await db('batch_jobs')
    .insert({
      job_id: job.jobId,
      model: job.model,
      version_id: job.versionId,
      version: job.version,
      slot: job.slot ?? null,
      requested_by: job.requestedBy,
      trigger: job.trigger,
      input: JSON.stringify(job.input),
      output: JSON.stringify(job.output),
      options: JSON.stringify(job.options),
      status: 'running',
    })
    .onConflict('job_id')
    .merge(['version_id', 'version', 'status']);
}

export async function recordBatchSplit(
  db: Db,
  input: { jobId: string; rowsTotal: number; chunksTotal: number; outputLocation: string; rejectsLocation: string },
): Promise<void> {
  await db('batch_jobs').where({ job_id: input.jobId }).update({
    rows_total: input.rowsTotal,
    chunks_total: input.chunksTotal,
    output_location: input.outputLocation,
    rejects_location: input.rejectsLocation,
  });
}

export interface ChunkResult {
  index: number;
  rows: number;
  scored: number;
  rejected: number;
  /** The chunk had been written by an earlier attempt: nothing was written again. */
  alreadyDone: boolean;
}

export async function completedChunk(db: Db, jobId: string, index: number): Promise<ChunkResult | undefined> {
  const row = await db('batch_chunks').where({ job_id: jobId, chunk_index: index }).first();
  if (!row) return undefined;
  return { index, rows: row.rows, scored: row.scored, rejected: row.rejected, alreadyDone: true };
}

export interface ChunkTotals {
  chunksDone: number;
  rowsDone: number;
  rowsScored: number;
  rowsRejected: number;
  /** When the last chunk was written. */
  lastAt?: Date;
}

export async function chunkTotals(db: Db, jobId: string): Promise<ChunkTotals> {
  const row = await db('batch_chunks')
    .where({ job_id: jobId })
    .first(
      db.raw('count(*)::int as chunks'),
      db.raw('coalesce(sum(rows), 0)::bigint as rows'),
      db.raw('coalesce(sum(scored), 0)::bigint as scored'),
      db.raw('coalesce(sum(rejected), 0)::bigint as rejected'),
      db.raw('max(completed_at) as last_at'),
    );
  return {
    chunksDone: Number(row?.chunks ?? 0),
    rowsDone: Number(row?.rows ?? 0),
    rowsScored: Number(row?.scored ?? 0),
    rowsRejected: Number(row?.rejected ?? 0),
    lastAt: row?.last_at ? new Date(row.last_at as string) : undefined,
  };
}

export async function finishBatchJob(
  db: Db,
  input: { jobId: string; status: 'succeeded' | 'failed'; totals: ChunkTotals; error?: string; summary: object },
): Promise<void> {
  await db('batch_jobs')
    .where({ job_id: input.jobId })
    .update({
      status: input.status,
      rows_scored: input.totals.rowsScored,
      rows_rejected: input.totals.rowsRejected,
      error: input.error?.slice(0, 4000) ?? null,
      summary: JSON.stringify(input.summary),
      ended_at: db.fn.now(),
    });
}

export interface BatchProgress {
  rowsTotal: number | null;
  rowsDone: number;
  rowsScored: number;
  rowsRejected: number;
  chunksTotal: number | null;
  chunksDone: number;
  /** Rows per second since the job started (null before the first chunk). */
  rowsPerSecond: number | null;
  /** Seconds left at that rate (null when unknown or done). */
  etaSeconds: number | null;
  percent: number | null;
}

export function progressOf(
  job: { rows_total: string | number | null; chunks_total: number | null; started_at: Date | string; status: string },
  totals: ChunkTotals,
  now = new Date(),
): BatchProgress {
  const rowsTotal = job.rows_total === null ? null : Number(job.rows_total);
  const end = job.status === 'running' ? now : (totals.lastAt ?? now);
  const seconds = (end.getTime() - new Date(job.started_at).getTime()) / 1000;
  const rate = totals.rowsDone > 0 && seconds > 0 ? totals.rowsDone / seconds : null;
  const left = rowsTotal === null ? null : Math.max(0, rowsTotal - totals.rowsDone);
  return {
    rowsTotal,
    rowsDone: totals.rowsDone,
    rowsScored: totals.rowsScored,
    rowsRejected: totals.rowsRejected,
    chunksTotal: job.chunks_total,
    chunksDone: totals.chunksDone,
    rowsPerSecond: rate === null ? null : Math.round(rate * 10) / 10,
    etaSeconds: job.status !== 'running' || rate === null || left === null ? null : Math.ceil(left / rate),
    percent: rowsTotal
      ? Math.min(100, Math.round((totals.rowsDone / rowsTotal) * 1000) / 10)
      : rowsTotal === 0
        ? 100
        : null,
  };
}

export async function getBatchJob(db: Db, model: string, jobId: string) {
  return db('batch_jobs').where({ model, job_id: jobId }).first();
}

export async function listBatchJobs(db: Db, model: string, limit: number) {
  return db('batch_jobs').where({ model }).orderBy('started_at', 'desc').limit(limit);
}
