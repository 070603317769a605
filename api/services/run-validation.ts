import { createInterface } from 'node:readline';
import type { CheckResult, QuarantinedRow, ValidationReport } from '../../lib/ml';
import { summarize } from '../../lib/ml/validation/report';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import type { RunValidation } from '../schemas/run-failures';

interface StoredArtifactRow {
  store_key: string | null;
  deleted_at: Date | null;
}

/** The validation report.json and quarantine.jsonl a run's validate step stored (also when validation failed). */
async function validationArtifacts(deps: ApiDeps, runId: string) {
  const latest = (kind: string) =>
    deps
      .db('artifacts')
      .where({ run_id: runId, step: 'validate', kind })
      .orderBy('id', 'desc')
      .first('store_key', 'deleted_at') as Promise<StoredArtifactRow | undefined>;
  const [report, quarantine] = await Promise.all([latest('validation_report'), latest('quarantine')]);
  return { report, quarantine };
}

/** The validation report of a run, or undefined when the run never validated data (or retention removed it). */
export async function readValidationReport(deps: ApiDeps, runId: string): Promise<ValidationReport | undefined> {
  const { report } = await validationArtifacts(deps, runId);
  if (!report?.store_key || report.deleted_at || !deps.store) return undefined;
  return JSON.parse((await deps.store.getBytes(report.store_key)).toString('utf8')) as ValidationReport;
}

/** A page of the quarantined rows of a run (none when no row was quarantined or retention removed the file). */
export async function quarantinedRows(
  deps: ApiDeps,
  runId: string,
  page: { offset: number; limit: number },
): Promise<{ rows: QuarantinedRow[]; more: boolean }> {
  const { quarantine } = await validationArtifacts(deps, runId);
  if (!quarantine?.store_key || quarantine.deleted_at) return { rows: [], more: false };
  return quarantinePage(deps, quarantine.store_key, page);
}

/** Failed checks in the order the summary lists them: dataset errors, then row checks, then warnings. */
export function failedChecksOf(report: Pick<ValidationReport, 'checks'>): CheckResult[] {
  const failed = report.checks.filter((c) => !c.passed);
  const rank = (c: CheckResult) => (c.severity === 'warn' ? 1 : 0);
  return [...failed].sort((a, b) => rank(a) - rank(b));
}

/** The report's summary listing every failed check (the stored one, also the run's error, lists the first five). */
export function fullValidationSummary(report: ValidationReport): string {
  // A stored report without the fields the summary needs (written by other code) keeps its own summary.
  if (!Array.isArray(report.schema?.columns) || !Array.isArray(report.checks)) return report.summary;
  return summarize(report, Number.POSITIVE_INFINITY);
}

/** Rows `offset` .. `offset + limit - 1` of the quarantine file, read as a stream and closed as soon as they are in. */
async function quarantinePage(
  deps: ApiDeps,
  key: string,
  page: { offset: number; limit: number },
): Promise<{ rows: QuarantinedRow[]; more: boolean }> {
  const store = deps.store;
  if (!store) return { rows: [], more: false };
  const stream = await store.get(key);
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  const rows: QuarantinedRow[] = [];
  let index = 0;
  let more = false;
  try {
    for await (const line of lines) {
      if (!line) continue;
      if (index >= page.offset + page.limit) {
        more = true;
        break;
      }
      if (index >= page.offset) rows.push(JSON.parse(line) as QuarantinedRow);
      index += 1;
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  return { rows, more };
}

/**
 * What validation found in a run's data, failed or passed: every failed check with its failing samples (source line
 * and value), and a page of the quarantined rows with their line numbers and reasons.
 */
export async function getRunValidation(
  deps: ApiDeps,
  runId: string,
  page: { offset: number; limit: number },
): Promise<RunValidation> {
  const run = await deps.db('pipeline_runs').where({ run_id: runId }).first('run_id');
  if (!run) throw new ApiError(404, 'RUN_NOT_FOUND', `No pipeline run with id "${runId}": GET /v1/runs lists runs.`);
  const artifacts = await validationArtifacts(deps, runId);
  if (artifacts.report?.deleted_at) {
    throw new ApiError(
      404,
      'VALIDATION_REPORT_REMOVED',
      `The validation report of run ${runId} was removed by retention: GET /v1/runs/${runId}/tracking keeps its metrics.`,
    );
  }
  const report = await readValidationReport(deps, runId);
  if (!report) {
    throw new ApiError(
      404,
      'VALIDATION_REPORT_NOT_FOUND',
      `Run ${runId} has no validation report: it ends before or at its validate step without one (GET /v1/runs/${runId} shows its steps and error).`,
    );
  }
  const quarantineKey = artifacts.quarantine?.deleted_at ? null : (artifacts.quarantine?.store_key ?? null);
  const quarantined = quarantineKey ? await quarantinePage(deps, quarantineKey, page) : { rows: [], more: false };
  const failedChecks = failedChecksOf(report);
  const next = quarantined.more ? page.offset + quarantined.rows.length : null;
  return {
    runId,
    passed: report.passed,
    summary: fullValidationSummary(report),
    rowsRead: report.rowsRead,
    rowsAccepted: report.rowsAccepted,
    rowsQuarantined: report.rowsQuarantined,
    checks: { total: report.checks.length, failed: failedChecks.length },
    failedChecks: failedChecks.map((c) => ({
      id: c.id,
      kind: c.kind,
      column: c.column,
      severity: c.severity,
      failedCount: c.failedCount,
      expected: c.expected ?? null,
      observed: c.observed ?? null,
      message: c.message,
      samples: c.samples.map((s) => ({ line: s.line, value: s.value ?? null })),
    })),
    quarantine: {
      rows: report.rowsQuarantined,
      available: quarantineKey !== null,
      offset: page.offset,
      samples: quarantined.rows.map((r) => ({ line: r.line, row: r.row, reasons: r.reasons })),
      nextOffset: next,
    },
  };
}
