import type { Knex } from 'knex';
import type { Db } from '../db';
import type { RunRow, RunStatus } from './runs';

/** A bound on one metric of a run's chosen candidate (test split): `f1_macro >= 0.7`. */
export interface MetricBound {
  metric: string;
  op: '>=' | '<=' | '>' | '<';
  value: number;
}

/** Newest first by default; or by a metric of the chosen candidate (runs without it come last). */
export type RunSort = { kind: 'started' } | { kind: 'metric'; metric: string };

export interface RunSearch {
  pipeline?: string;
  status?: RunStatus;
  trigger?: string;
  /** Runs started at or after this time. */
  from?: Date;
  /** Runs started before this time. */
  to?: Date;
  /** Declared parameter values, compared as text (`epochs` = '30' matches 30). */
  params?: Record<string, string>;
  metrics?: MetricBound[];
  sort?: RunSort;
  direction?: 'desc' | 'asc';
  /** Shorthand of the started sort's direction (newest = desc). */
  order?: 'newest' | 'oldest';
  limit: number;
  /** Keyset position: rows after (sort value, run id) in the sort order come next. */
  after?: { value: number | null; runId: string };
}

/** `sort_value`: the started time in microseconds, or the sorted metric (null when the run has none). */
export type RunSearchRow = RunRow & { started_us: number; sort_value: number | null };

const STARTED_US = '(extract(epoch from started_at) * 1000000)::bigint';
/** A metric of the candidate the run chose, on the test split, as recorded in the run's summary. */
const BEST_METRIC = `(summary->'metrics'->(summary->>'best')->>?)::double precision`;

function sortExpression(sort: RunSort): { sql: string; bindings: string[] } {
  return sort.kind === 'started' ? { sql: STARTED_US, bindings: [] } : { sql: BEST_METRIC, bindings: [sort.metric] };
}

function applyFilters(q: Knex.QueryBuilder, search: RunSearch): void {
  if (search.pipeline) void q.where({ pipeline: search.pipeline });
  if (search.status) void q.where({ status: search.status });
  if (search.trigger) void q.where({ trigger: search.trigger });
  if (search.from) void q.where('started_at', '>=', search.from);
  if (search.to) void q.where('started_at', '<', search.to);
  for (const [name, value] of Object.entries(search.params ?? {})) void q.whereRaw('params->>? = ?', [name, value]);
  for (const bound of search.metrics ?? []) {
    void q.whereRaw(`${BEST_METRIC} ${bound.op} ?`, [bound.metric, bound.value]);
  }
}

/** Rows after the cursor in the sort order; a sorted metric's nulls come last, ordered by run id. */
function applyKeyset(q: Knex.QueryBuilder, sort: RunSort, desc: boolean, after: NonNullable<RunSearch['after']>) {
  const { sql, bindings } = sortExpression(sort);
  const cmp = desc ? '<' : '>';
  if (after.value === null) {
    void q.whereRaw(`${sql} is null and run_id ${cmp} ?`, [...bindings, after.runId]);
  } else if (sort.kind === 'started') {
    void q.whereRaw(`(${sql}, run_id) ${cmp} (?, ?)`, [after.value, after.runId]);
  } else {
    void q.whereRaw(`(${sql} ${cmp} ? or (${sql} = ? and run_id ${cmp} ?) or ${sql} is null)`, [
      ...bindings,
      after.value,
      ...bindings,
      after.value,
      after.runId,
      ...bindings,
    ]);
  }
}

/**
 * Runs matching every given filter in the given order, one page plus one row to tell whether more follow. The
 * started sort keeps microseconds in its keyset so that no row is skipped between pages.
 */
export async function searchRuns(db: Db, search: RunSearch): Promise<RunSearchRow[]> {
  const sort = search.sort ?? { kind: 'started' };
  const desc = (search.direction ?? (search.order === 'oldest' ? 'asc' : 'desc')) === 'desc';
  const dir = desc ? 'desc' : 'asc';
  const { sql, bindings } = sortExpression(sort);
  const q = db<RunSearchRow>('pipeline_runs')
    .select('*', db.raw(`${STARTED_US} as started_us`), db.raw(`${sql} as sort_value`, bindings))
    .limit(search.limit + 1);
  if (sort.kind === 'started') {
    void q.orderBy([
      { column: 'started_at', order: dir },
      { column: 'run_id', order: dir },
    ]);
  } else {
    void q.orderByRaw(`${sql} ${dir} nulls last, run_id ${dir}`, bindings);
  }
  applyFilters(q, search);
  if (search.after) applyKeyset(q, sort, desc, search.after);
  const rows = await q;
  return rows.map((r) => ({
    ...r,
    started_us: Number(r.started_us),
    sort_value: r.sort_value === null ? null : Number(r.sort_value),
  }));
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

/** Metric names recorded on runs (of one pipeline, when given), for sort menus. */
export async function runMetricNames(db: Db, pipeline?: string): Promise<string[]> {
  const { rows } = (await db.raw(
    `select distinct jsonb_object_keys(summary->'metrics'->(summary->>'best')) as metric
       from pipeline_runs
      where jsonb_typeof(summary->'metrics'->(summary->>'best')) = 'object' ${pipeline ? 'and pipeline = ?' : ''}
      order by 1`,
    pipeline ? [pipeline] : [],
  )) as { rows: Array<{ metric: string }> };
  return rows.map((r) => r.metric);
}
