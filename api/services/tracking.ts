import type { z } from 'zod';
import { runKey } from '../../activities/artifacts';
import type { Principal } from '../../lib/auth';
import { recordAudit } from '../../lib/audit';
import { searchRuns, type MetricBound, type RunSort } from '../../lib/metadata/run-search';
import { recordRunStart, updateRun } from '../../lib/metadata/runs';
import { modelNameOf } from '../../lib/pipeline/load';
import { loadPipelineSpec } from '../../lib/pipeline/store';
import { DATA_VERSION, findLakeObject } from '../../lib/tracking/data-versions';
import { LineageNotFoundError, lineageGraph, type NodeKind } from '../../lib/tracking/lineage';
import { applyRetention } from '../../lib/tracking/retention';
import { compareRuns, resolvedSpec, trackedRun, type TrackedRun } from '../../lib/tracking/query';
import type { mlPipeline } from '../../workflows/pipeline/workflow';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import type { ApiMetrics } from '../http/metrics';
import { iso, isoRequired } from '../schemas/common';
import type { ListTrackedRunsQuery } from '../schemas/tracking';
import { decodeRunCursor, pageOf } from './run-cursor';
import { newRunId } from './run-start';
import { runLinks, summaryOf } from './run-view';
import { runSearchAttributes } from './search-attributes';

function badQuery(path: string, message: string): ApiError {
  return new ApiError(400, 'INVALID_QUERY', `query.${path}: ${message}`, {
    issues: [{ path: `query.${path}`, message }],
  });
}

const PARAM = /^([A-Za-z_][A-Za-z0-9_]{0,62})=(.{0,200})$/s;
const BOUND = /^([a-z][a-z0-9_]{0,62})(>=|<=|>|<)(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)$/;

export function parseParamFilters(values: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const m = PARAM.exec(v);
    if (!m) throw badQuery('param', `"${v}" is not name=value (e.g. param=epochs=30)`);
    out[m[1] as string] = m[2] as string;
  }
  return out;
}

export function parseMetricBounds(values: string[] = []): MetricBound[] {
  return values.map((v) => {
    const m = BOUND.exec(v.replace(/\s+/g, ''));
    if (!m) throw badQuery('metric', `"${v}" is not a bound such as f1_macro>=0.7 (operators >=, <=, >, <)`);
    return { metric: m[1] as string, op: m[2] as MetricBound['op'], value: Number(m[3]) };
  });
}

type RunSummaryJson = { best?: string; metrics?: Record<string, Record<string, number>> };

/** GET /v1/runs: filters by pipeline, status, trigger, parameter values and metric bounds; sorts by start or metric. */
export async function listTrackedRuns(deps: ApiDeps, query: z.infer<typeof ListTrackedRunsQuery>) {
  const sort: RunSort = query.sort === 'started' ? { kind: 'started' } : { kind: 'metric', metric: query.sort };
  const rows = await searchRuns(deps.db, {
    pipeline: query.pipeline,
    status: query.status,
    trigger: query.trigger,
    params: parseParamFilters(query.param),
    metrics: parseMetricBounds(query.metric),
    sort,
    direction: query.order,
    limit: query.limit,
    after: query.cursor ? decodeRunCursor(query.cursor, sort) : undefined,
  });
  const { page, nextCursor } = pageOf(rows, query.limit, sort);
  const items = page.map((row) => {
    const summary = (row.summary ?? {}) as RunSummaryJson;
    const best = summary.best ?? null;
    return {
      ...summaryOf(deps, row),
      params: row.params ?? {},
      best,
      metrics: (best && summary.metrics?.[best]) || {},
    };
  });
  return { items, nextCursor };
}

function notFound(runId: string): ApiError {
  return new ApiError(404, 'RUN_NOT_FOUND', `No pipeline run with id "${runId}": GET /v1/runs lists runs.`);
}

export function trackedRunView(deps: ApiDeps, run: TrackedRun) {
  return {
    ...run,
    startedAt: isoRequired(run.startedAt),
    endedAt: iso(run.endedAt),
    artifactsRemovedAt: iso(run.artifactsRemovedAt),
    links: {
      ...runLinks(deps, run.runId),
      spec: `/v1/runs/${encodeURIComponent(run.runId)}/spec`,
      importance: `/v1/runs/${encodeURIComponent(run.runId)}/importance`,
      ...(run.rerunOf ? { rerunOf: `/v1/runs/${encodeURIComponent(run.rerunOf)}/tracking` } : {}),
    },
  };
}

export async function getTrackedRun(deps: ApiDeps, runId: string) {
  const run = await trackedRun(deps.db, runId);
  if (!run) throw notFound(runId);
  return trackedRunView(deps, run);
}

export async function getResolvedSpec(deps: ApiDeps, runId: string) {
  const run = await trackedRun(deps.db, runId);
  if (!run) throw notFound(runId);
  const spec = run.resolvedSpecHash ? await resolvedSpec(deps.db, run.resolvedSpecHash) : undefined;
  if (!run.resolvedSpecHash || !spec) {
    throw new ApiError(404, 'SPEC_NOT_RECORDED', `Run ${runId} has no recorded resolved spec (its spec never loaded).`);
  }
  return { runId, hash: run.resolvedSpecHash, spec };
}

export async function getImportance(deps: ApiDeps, runId: string) {
  const run = await trackedRun(deps.db, runId);
  if (!run) throw notFound(runId);
  return {
    runId,
    best: run.best,
    candidates: run.candidates.map((c) => ({ candidate: c.candidate, importance: c.importance })),
  };
}

export async function compareTrackedRuns(deps: ApiDeps, ids: string[]) {
  const comparison = await compareRuns(deps.db, ids);
  const missing = ids.filter((id) => !comparison.runs.some((r) => r.runId === id));
  if (missing.length > 0) {
    throw new ApiError(404, 'RUN_NOT_FOUND', `No pipeline run with id ${missing.map((m) => `"${m}"`).join(', ')}.`, {
      missing,
    });
  }
  return {
    ...comparison,
    runs: comparison.runs.map((r) => trackedRunView(deps, r)),
    curves: Object.fromEntries(
      Object.entries(comparison.curves).map(([id, c]) => [
        id,
        {
          candidate: c.candidate,
          points: c.points.map((p) => ({
            epoch: p.epoch,
            attempt: p.attempt,
            loss: p.loss,
            valLoss: p.valLoss,
            metrics: p.metrics,
          })),
        },
      ]),
    ),
  };
}

/**
 * Starts a run that repeats another: the same stored spec version, the same declared parameters (overrides are
 * applied on top and checked against the declarations) and the same data version, which the ingest step reads from
 * the lake instead of the spec's source. The row (with the pinned data version) is written before the workflow
 * starts, so ingest always finds it.
 */
export async function rerun(
  deps: ApiDeps,
  metrics: ApiMetrics,
  input: { runId: string; params?: Record<string, unknown>; dataVersion?: string; principal: Principal },
) {
  const source = await trackedRun(deps.db, input.runId);
  if (!source) throw notFound(input.runId);
  const dataVersion = input.dataVersion ?? source.dataVersion;
  if (!dataVersion) {
    throw new ApiError(
      409,
      'NO_DATA_VERSION',
      `Run ${input.runId} never recorded a data version (it did not get past ingest): give body.dataVersion.`,
    );
  }
  // Only data this pipeline already trained on: a re-run never reads another pipeline's data.
  const usedByPipeline = await deps
    .db('pipeline_runs')
    .where({ pipeline: source.pipeline, data_version: dataVersion })
    .first('run_id');
  if (!DATA_VERSION.test(dataVersion) || !usedByPipeline || !(await findLakeObject(deps.db, dataVersion))) {
    throw new ApiError(
      409,
      'DATA_VERSION_NOT_IN_LAKE',
      `Data version ${dataVersion} is not in the data lake for pipeline ${source.pipeline}: no run of it ingested ` +
        'these bytes (GET /v1/runs/{id}/tracking shows the data version of a run).',
      { dataVersion },
    );
  }
  const overrides = input.params ?? {};
  const loaded = await loadPipelineSpec(deps.db, {
    pipeline: source.pipeline,
    specHash: source.specHash,
    params: { ...source.params, ...overrides },
  });
  const runId = newRunId(source.pipeline);
  await recordRunStart(deps.db, {
    runId,
    pipeline: source.pipeline,
    specHash: loaded.specHash,
    specVersion: loaded.specVersion,
    startedBy: input.principal.id,
    trigger: 'rerun',
    params: loaded.parameters,
  });
  await deps.db('pipeline_runs').where({ run_id: runId }).update({
    rerun_of: source.runId,
    pinned_data_version: dataVersion,
  });
  try {
    await deps.temporal.workflow.start<typeof mlPipeline>('mlPipeline', {
      taskQueue: deps.settings.taskQueue,
      workflowId: runId,
      args: [
        {
          pipeline: source.pipeline,
          params: loaded.parameters,
          specHash: loaded.specHash,
          trigger: { kind: 'rerun', by: input.principal.id, rerunOf: source.runId },
        },
      ],
      typedSearchAttributes: runSearchAttributes({
        pipeline: source.pipeline,
        model: modelNameOf(loaded.spec),
        trigger: 'rerun',
      }),
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    metrics.runsStarted.inc({ pipeline: source.pipeline, result: 'failed' });
    await updateRun(deps.db, {
      runId,
      status: 'failed',
      error: 'The re-run could not be started: Temporal did not accept it.',
      ended: true,
    }).catch(() => undefined);
    throw err;
  }
  metrics.runsStarted.inc({ pipeline: source.pipeline, result: 'started' });
  return {
    runId,
    rerunOf: source.runId,
    pipeline: source.pipeline,
    specHash: loaded.specHash,
    dataVersion,
    params: loaded.parameters,
    status: 'running' as const,
    links: runLinks(deps, runId),
  };
}

export async function getLineage(
  deps: ApiDeps,
  input: { kind: NodeKind; id: string; direction: 'up' | 'down' | 'both'; depth: number },
) {
  try {
    const graph = await lineageGraph(deps.db, input);
    return { ...graph, nodes: graph.nodes.map((n) => ({ ...n, attributes: jsonSafe(n.attributes) })) };
  } catch (err) {
    if (err instanceof LineageNotFoundError) throw new ApiError(404, 'LINEAGE_NODE_NOT_FOUND', err.message);
    throw err;
  }
}

/** Dates as ISO strings, as everywhere else in the API. */
function jsonSafe(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]));
}

/** Removes ABT tables, checkpoints and artefacts of old runs (admin; audited); see lib/tracking/retention.ts. */
export async function runRetention(
  deps: ApiDeps,
  input: { olderThanDays: number; pipeline?: string; dryRun: boolean; limit: number; principal: Principal },
) {
  if (!deps.store) throw new ApiError(503, 'STORE_UNAVAILABLE', 'The artifact store is not configured for this API.');
  const endedBefore = new Date(Date.now() - input.olderThanDays * 86_400_000);
  const report = await applyRetention(
    deps.db,
    deps.store,
    { endedBefore, pipeline: input.pipeline, limit: input.limit },
    { dryRun: input.dryRun, checkpointPrefix: (runId) => `${runKey(runId, 'checkpoints')}/` },
  );
  if (!input.dryRun) {
    await recordAudit(deps.db, {
      actor: input.principal.id,
      action: 'retention',
      target: input.pipeline ? `pipeline:${input.pipeline}` : 'runs',
      reason: `runs ended more than ${input.olderThanDays} days ago`,
      details: { runs: report.runs.map((r) => r.runId), freed: report.freed, kept: report.kept.length },
    });
  }
  return {
    ...report,
    endedBefore: report.endedBefore.toISOString(),
    runs: report.runs.map((r) => ({ ...r, endedAt: isoRequired(r.endedAt) })),
  };
}
