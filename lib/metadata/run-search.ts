import type { Db } from '../db';
import type { RunRow, RunStatus } from './runs';

export interface RunSearch {
  pipeline?: string;
  status?: RunStatus;
  trigger?: string;
  /** Runs started at or after this time. */
  from?: Date;
  /** Runs started before this time. */
  to?: Date;
  limit: number;
  /** Keyset position: runs strictly older than (startedUs, runId) come next. */
  after?: { startedUs: number; runId: string };
  order?: 'newest' | 'oldest';
}

export type RunSearchRow = RunRow & { started_us: number };

const STARTED_US = '(extract(epoch from started_at) * 1000000)::bigint';

/**
 * Runs matching every given filter, newest first (or oldest first), one page plus one row to tell whether more
 * follow. The keyset keeps microseconds so that no row is skipped between pages.
 */
export async function searchRuns(db: Db, search: RunSearch): Promise<RunSearchRow[]> {
  const desc = (search.order ?? 'newest') === 'newest';
  const q = db<RunSearchRow>('pipeline_runs')
    .select('*', db.raw(`${STARTED_US} as started_us`))
    .orderBy([
      { column: 'started_at', order: desc ? 'desc' : 'asc' },
      { column: 'run_id', order: desc ? 'desc' : 'asc' },
    ])
    .limit(search.limit + 1);
  if (search.pipeline) void q.where({ pipeline: search.pipeline });
  if (search.status) void q.where({ status: search.status });
  if (search.trigger) void q.where({ trigger: search.trigger });
  if (search.from) void q.where('started_at', '>=', search.from);
  if (search.to) void q.where('started_at', '<', search.to);
  if (search.after) {
    void q.whereRaw(`(${STARTED_US}, run_id) ${desc ? '<' : '>'} (?, ?)`, [search.after.startedUs, search.after.runId]);
  }
  return q;
}

/** The distinct triggers and pipelines runs have, for filter menus. */
export async function runFacets(db: Db): Promise<{ pipelines: string[]; triggers: string[] }> {
  const [pipelines, triggers] = await Promise.all([
    db('pipeline_runs').distinct('pipeline').orderBy('pipeline'),
    db('pipeline_runs').distinct('trigger').orderBy('trigger'),
  ]);
  return {
    pipelines: pipelines.map((r: { pipeline: string }) => r.pipeline),
    triggers: triggers.map((r: { trigger: string }) => r.trigger),
  };
}
