import type { Principal } from '../../lib/auth';
import { runFacets, searchRuns, type RunSearch } from '../../lib/metadata/run-search';
import type { RunRow } from '../../lib/metadata/runs';
import { listSteps } from '../../lib/metadata/steps';
import { statusQuery, type PipelineStatus } from '../../workflows/pipeline/messages';
import type { GateResult } from '../../workflows/pipeline/policy';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import { decodeRunCursor, pageOf } from './run-cursor';
import { iso, isoRequired } from '../schemas/common';
import type { ConsoleRun } from '../schemas/console';
import { fullValidationSummary, quarantinedRows, readValidationReport } from './run-validation';
import { summaryOf } from './run-view';

const LIVE_QUERY_MS = 2_000;
const QUARANTINE_SAMPLE_ROWS = 20;

const STARTED = { kind: 'started' } as const;

type RunSummaryJson = { best?: string; metrics?: Record<string, Record<string, number>> };

async function versionsOfRuns(deps: ApiDeps, runIds: string[]) {
  if (runIds.length === 0) return new Map<string, { model: string; version: number }>();
  const rows = (await deps
    .db('model_versions')
    .whereIn('run_id', runIds)
    .select('run_id', 'model_name', 'version')) as Array<{ run_id: string; model_name: string; version: number }>;
  return new Map(rows.map((r) => [r.run_id, { model: r.model_name, version: r.version }]));
}

function bestOf(row: RunRow): { best: string | null; metrics: Record<string, number> } {
  const summary = (row.summary ?? {}) as RunSummaryJson;
  const best = summary.best ?? null;
  return { best, metrics: (best && summary.metrics?.[best]) || {} };
}

export async function consoleRuns(
  deps: ApiDeps,
  query: Omit<RunSearch, 'after' | 'from' | 'to'> & { from?: string; to?: string; cursor?: string },
) {
  const rows = await searchRuns(deps.db, {
    ...query,
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
    after: query.cursor ? decodeRunCursor(query.cursor, STARTED) : undefined,
  });
  const { page, nextCursor } = pageOf(rows, query.limit, STARTED);
  const [versions, facets] = await Promise.all([
    versionsOfRuns(
      deps,
      page.map((r) => r.run_id),
    ),
    runFacets(deps.db),
  ]);
  const items: ConsoleRun[] = page.map((row) => ({
    ...summaryOf(deps, row),
    ...bestOf(row),
    modelVersion: versions.get(row.run_id) ?? null,
  }));
  return { items, nextCursor, facets };
}

async function liveState(deps: ApiDeps, runId: string): Promise<PipelineStatus | undefined> {
  try {
    return await deps.temporal.connection.withDeadline(Date.now() + LIVE_QUERY_MS, () =>
      deps.temporal.workflow.getHandle(runId).query(statusQuery),
    );
  } catch {
    return undefined;
  }
}

/** The workflow's rule (workflows/pipeline/run-context.ts): an empty approvers list lets any approver decide. */
function mayDecide(principal: Principal, approvers: string[]): boolean {
  const role = ['approver', 'admin'].includes(principal.role);
  return role && (approvers.length === 0 || approvers.includes(principal.id));
}

/** Runs waiting for a decision, oldest first, with who may decide and until when (from the workflows themselves). */
export async function pendingApprovals(deps: ApiDeps, principal: Principal, limit: number) {
  const rows = await searchRuns(deps.db, { status: 'waiting_approval', limit, order: 'oldest' });
  const page = rows.slice(0, limit);
  const versions = await versionsOfRuns(
    deps,
    page.map((r) => r.run_id),
  );
  const items = await Promise.all(
    page.map(async (row) => {
      const [live, steps] = await Promise.all([liveState(deps, row.run_id), listSteps(deps.db, row.run_id)]);
      const ends = steps.map((s) => s.ended_at).filter((d): d is Date => d !== null);
      const waitingSince = ends.length ? new Date(Math.max(...ends.map((d) => new Date(d).getTime()))) : null;
      const approvers = live?.approval.approvers ?? [];
      const { best, metrics } = bestOf(row);
      // A run still marked waiting whose workflow has already moved on is in nobody's inbox.
      if (live && live.status !== 'waiting_approval') return undefined;
      return {
        runId: row.run_id,
        pipeline: row.pipeline,
        startedAt: isoRequired(row.started_at),
        waitingSince: iso(waitingSince),
        deadline: live?.approval.deadline ?? null,
        approvers,
        mayDecide: live ? mayDecide(principal, approvers) : false,
        modelVersion: live?.modelVersion
          ? { model: live.modelVersion.model, version: live.modelVersion.version }
          : (versions.get(row.run_id) ?? null),
        best: live?.best ?? best,
        metrics: (live?.best && live.metrics[live.best]) || metrics,
        live: live !== undefined,
        links: summaryOf(deps, row).links,
      };
    }),
  );
  const open = items.filter((i) => i !== undefined);
  return open.sort((a, b) => (a.waitingSince ?? a.startedAt).localeCompare(b.waitingSince ?? b.startedAt));
}

/** The run's validation report (failed checks, quarantine sample) and its evaluation gate. */
export async function runChecks(deps: ApiDeps, runId: string) {
  const run = (await deps.db('pipeline_runs').where({ run_id: runId }).first('summary')) as
    { summary: { gate?: GateResult } } | undefined;
  if (!run) throw new ApiError(404, 'RUN_NOT_FOUND', `No pipeline run with id "${runId}": GET /v1/runs lists runs.`);
  const report = await readValidationReport(deps, runId);
  let validation = null;
  if (report) {
    const sample = await quarantinedRows(deps, runId, { offset: 0, limit: QUARANTINE_SAMPLE_ROWS });
    validation = {
      passed: report.passed,
      summary: fullValidationSummary(report),
      rowsRead: report.rowsRead,
      rowsAccepted: report.rowsAccepted,
      rowsQuarantined: report.rowsQuarantined,
      passedChecks: report.checks.filter((c) => c.passed).length,
      failedChecks: report.checks.filter((c) => !c.passed),
      quarantineSample: sample.rows,
    };
  }
  return { runId, gate: run.summary.gate ?? null, validation };
}
