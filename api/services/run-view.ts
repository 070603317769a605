import { WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';
import { listArtifacts } from '../../lib/metadata/artifacts';
import { getRun, type RunRow } from '../../lib/metadata/runs';
import { listSteps } from '../../lib/metadata/steps';
import { statusQuery, type PipelineStatus } from '../../workflows/pipeline/messages';
import { temporalUiLink, type ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import { iso, isoRequired } from '../schemas/common';
import type { RunDetail, RunStatus, RunSummary } from '../schemas/runs';
import { runOutcome, specApprovers } from './run-outcome';
import { MLOPS_PIPELINE } from './search-attributes';

const LIVE_QUERY_MS = 2_000;

export function runLinks(deps: ApiDeps, runId: string): Record<string, string> {
  return { self: `/v1/runs/${encodeURIComponent(runId)}`, temporalUi: temporalUiLink(deps.settings, runId) };
}

export function summaryOf(deps: ApiDeps, row: RunRow): RunSummary {
  return {
    runId: row.run_id,
    pipeline: row.pipeline,
    status: row.status,
    phase: row.phase,
    trigger: row.trigger,
    startedAt: isoRequired(row.started_at),
    endedAt: iso(row.ended_at),
    error: row.error,
    links: runLinks(deps, row.run_id),
  };
}

async function describeRun(deps: ApiDeps, runId: string): Promise<WorkflowExecutionDescription | undefined> {
  try {
    const info = await deps.temporal.workflow.getHandle(runId).describe();
    return info.type === 'mlPipeline' ? info : undefined;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** The workflow's own state; undefined when no worker answers in time (the database view is then shown). */
async function liveState(deps: ApiDeps, runId: string): Promise<PipelineStatus | undefined> {
  try {
    return await deps.temporal.connection.withDeadline(Date.now() + LIVE_QUERY_MS, () =>
      deps.temporal.workflow.getHandle(runId).query(statusQuery),
    );
  } catch (err) {
    deps.log.debug({ runId, err: (err as Error).message }, 'status query failed; using the database view');
    return undefined;
  }
}

/** A run whose workflow was terminated or timed out never wrote its end: Temporal's word wins then. */
function effectiveStatus(recorded: RunStatus, live: PipelineStatus | undefined, temporal?: string): RunStatus {
  if (live) return live.status;
  const open = recorded === 'running' || recorded === 'waiting_approval';
  if (open && temporal === 'TERMINATED') return 'cancelled';
  if (open && temporal === 'CANCELLED') return 'cancelled';
  if (open && temporal === 'TIMED_OUT') return 'timed_out';
  if (open && temporal === 'FAILED') return 'failed';
  return recorded;
}

export async function getRunDetail(deps: ApiDeps, runId: string): Promise<RunDetail> {
  const [row, info] = await Promise.all([getRun(deps.db, runId), describeRun(deps, runId)]);
  if (!row && !info) {
    throw new ApiError(404, 'RUN_NOT_FOUND', `No pipeline run with id "${runId}": GET /v1/runs lists runs.`);
  }
  const live = info?.status.name === 'RUNNING' ? await liveState(deps, runId) : undefined;
  const [steps, artifacts, version] = await Promise.all([
    row ? listSteps(deps.db, runId) : [],
    row ? listArtifacts(deps.db, runId) : [],
    deps.db('model_versions').where({ run_id: runId }).first() as Promise<
      { model_name: string; version: number; id: number } | undefined
    >,
  ]);
  const summary = (row?.summary ?? {}) as { best?: string; metrics?: RunDetail['metrics']; approval?: unknown };
  const [outcome, approvers] = await Promise.all([
    runOutcome(deps, live ? undefined : row, steps),
    row && !live && summary.approval ? specApprovers(deps, row) : [],
  ]);
  const links = detailLinks(deps, runId, {
    validated: outcome.hasValidationReport,
    reported: Boolean(row?.ended_at) || artifacts.some((a) => a.step === 'report'),
  });
  const base: RunSummary = row
    ? summaryOf(deps, row)
    : {
        runId,
        pipeline: live?.pipeline ?? String(info?.typedSearchAttributes.get(MLOPS_PIPELINE) ?? 'unknown'),
        status: 'running',
        phase: live?.phase ?? 'dev',
        trigger: 'schedule',
        startedAt: isoRequired((info as WorkflowExecutionDescription).startTime),
        endedAt: iso(info?.closeTime),
        error: null,
        links: runLinks(deps, runId),
      };
  return {
    ...base,
    status: effectiveStatus(base.status, live, info?.status.name),
    phase: live?.phase ?? base.phase,
    error: live?.error ?? base.error,
    params: row?.params ?? {},
    links,
    step: live?.step ?? outcome.lastStep,
    stepsDone: live?.stepsDone ?? [],
    steps: steps.map((s) => ({
      step: s.step,
      attempt: s.attempt,
      status: s.status,
      startedAt: isoRequired(s.started_at),
      endedAt: iso(s.ended_at),
      error: s.error,
    })),
    progress: live?.progress ?? {},
    metrics: live?.metrics ?? summary.metrics ?? {},
    best: live?.best ?? summary.best ?? null,
    modelVersion:
      live?.modelVersion ??
      (version ? { model: version.model_name, version: version.version, versionId: Number(version.id) } : null),
    approval: live
      ? { ...live.approval, deadline: live.approval.deadline ?? null, decision: live.approval.decision ?? null }
      : summary.approval
        ? {
            required: true,
            approvers,
            deadline: null,
            decision: summary.approval as NonNullable<RunDetail['approval']>['decision'],
          }
        : null,
    artifacts: artifacts.map((a) => ({
      name: a.name,
      kind: a.kind,
      step: a.step,
      uri: a.uri,
      sha256: a.sha256,
      sizeBytes: a.size_bytes === null ? null : Number(a.size_bytes),
    })),
    temporal: info
      ? { workflowId: runId, runId: info.runId, status: info.status.name, uiUrl: temporalUiLink(deps.settings, runId) }
      : null,
    live: live !== undefined,
    gate: outcome.gate,
    reason: live ? null : outcome.reason,
  };
}

/** The run's links, with its validation report and run report when it has them (every ended run has a report). */
function detailLinks(
  deps: ApiDeps,
  runId: string,
  has: { validated: boolean; reported: boolean },
): Record<string, string> {
  const self = `/v1/runs/${encodeURIComponent(runId)}`;
  const links = runLinks(deps, runId);
  if (has.validated) links.validation = `${self}/validation`;
  if (has.reported) {
    links.report = `${self}/report.html`;
    links.reportJson = `${self}/report.json`;
  }
  return links;
}
