import { getRun, type RunRow } from '../../lib/metadata/runs';
import { listSteps } from '../../lib/metadata/steps';
import {
  renderFailedRunReportHtml,
  renderRunReportHtml,
  runReportCsv,
  runReportXlsx,
  type FailedRunReportData,
  type RunReportData,
} from '../../lib/reports';
import { temporalUiLink, type ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import { iso, isoRequired } from '../schemas/common';
import { runOutcome } from './run-outcome';
import { getRunValidation } from './run-validation';

export type RunReportFormat = 'html' | 'csv' | 'xlsx' | 'json';

const ENDED_WITHOUT_REPORT = new Set(['failed', 'cancelled', 'gate_failed', 'timed_out']);
const QUARANTINE_SAMPLES = 50;

interface ArtifactRow {
  store_key: string | null;
  deleted_at: Date | null;
}

function reportArtifact(deps: ApiDeps, runId: string, name: string): Promise<ArtifactRow | undefined> {
  return deps
    .db('artifacts')
    .where({ run_id: runId, step: 'report', name })
    .first('store_key', 'deleted_at') as Promise<ArtifactRow | undefined>;
}

/**
 * A run's report in one format. Runs that reached their report step have a stored report.json: the report is rendered
 * from it with the gate result the run recorded afterwards (the report step runs before the gate). Runs that ended
 * before it (failed validation, a failing step, a cancellation) get a report of why they stopped (html and json).
 */
export async function runReportDocument(
  deps: ApiDeps,
  runId: string,
  format: RunReportFormat,
): Promise<string | Buffer> {
  const [json, own, row] = await Promise.all([
    reportArtifact(deps, runId, 'report.json'),
    reportArtifact(deps, runId, `${format === 'csv' ? 'metrics' : 'report'}.${format}`),
    getRun(deps.db, runId),
  ]);
  if (json?.deleted_at || own?.deleted_at) {
    throw new ApiError(
      404,
      'REPORT_REMOVED',
      `The ${format} report of run ${runId} was removed by retention: GET /v1/runs/${runId}/tracking keeps its metrics.`,
    );
  }
  if (!deps.store) throw new ApiError(404, 'REPORT_NOT_FOUND', 'This API has no artifact store configured.');
  const store = deps.store;
  if (json?.store_key) {
    const data = JSON.parse((await store.getBytes(json.store_key)).toString('utf8')) as RunReportData;
    const outcome = row ? await runOutcome(deps, row, []) : undefined;
    if (outcome?.gate) data.gate = outcome.gate;
    if (format === 'html') return renderRunReportHtml(data);
    if (format === 'csv') return runReportCsv(data);
    if (format === 'xlsx') return runReportXlsx(data);
    return JSON.stringify(data, null, 2);
  }
  if (own?.store_key) return store.getBytes(own.store_key);
  if (row && ENDED_WITHOUT_REPORT.has(row.status)) {
    if (format === 'html') return renderFailedRunReportHtml(await failedRunReportData(deps, row));
    if (format === 'json') return JSON.stringify(await failedRunReportData(deps, row), null, 2);
    throw new ApiError(
      404,
      'REPORT_NOT_FOUND',
      `Run ${runId} ended ${row.status} before its report step, so it has no metrics to export as ${format}: GET /v1/runs/${runId}/report.html shows why it stopped.`,
    );
  }
  throw new ApiError(
    404,
    'REPORT_NOT_FOUND',
    `Run ${runId} has no ${format} report: runs write it at their report step (GET /v1/runs/${runId} shows the step).`,
  );
}

export async function failedRunReportData(deps: ApiDeps, row: RunRow): Promise<FailedRunReportData> {
  const steps = await listSteps(deps.db, row.run_id);
  const outcome = await runOutcome(deps, row, steps);
  const validation = outcome.hasValidationReport
    ? await getRunValidation(deps, row.run_id, { offset: 0, limit: QUARANTINE_SAMPLES }).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return undefined;
        throw err;
      })
    : undefined;
  return {
    runId: row.run_id,
    pipeline: row.pipeline,
    status: row.status,
    step: outcome.lastStep,
    reason: outcome.reason,
    specHash: row.spec_hash,
    startedAt: isoRequired(row.started_at),
    endedAt: iso(row.ended_at),
    generatedAt: new Date().toISOString(),
    temporalUiUrl: temporalUiLink(deps.settings, row.run_id),
    steps: steps.map((s) => ({ step: s.step, attempt: s.attempt, status: s.status, error: s.error })),
    ...(outcome.gate ? { gate: outcome.gate } : {}),
    ...(validation
      ? {
          validation: {
            passed: validation.passed,
            rowsRead: validation.rowsRead,
            rowsAccepted: validation.rowsAccepted,
            rowsQuarantined: validation.rowsQuarantined,
            failedChecks: validation.failedChecks,
            quarantine: { samples: validation.quarantine.samples, more: validation.quarantine.nextOffset !== null },
          },
        }
      : {}),
  };
}
