import type { RunRow } from '../../lib/metadata/runs';
import type { StepRow } from '../../lib/metadata/steps';
import { getStoredSpec } from '../../lib/pipeline/store';
import { resolvedSpec } from '../../lib/tracking/query';
import type { ApiDeps } from '../deps';
import type { GateView } from '../schemas/run-failures';
import { fullValidationSummary, readValidationReport } from './run-validation';

/**
 * Why a finished run ended as it did, from what the workflow already records: the gate result (run summary `gate`,
 * recorded right after the gate is evaluated), the outcome message (summary `message`, recorded at the end), the
 * failure (the run's error) and, for data that failed validation, the stored validation report.
 */
export interface RunOutcome {
  gate: GateView | null;
  /** The whole reason, never truncated: the gate's failed checks, the rejection, every failed validation check. */
  reason: string | null;
  /** The step a failed, cancelled or gate-failed run stopped at (its failed step, the last one it ran, 'gate'). */
  lastStep: string | null;
  /** Whether GET /v1/runs/{id}/validation has a report to show. */
  hasValidationReport: boolean;
}

function gateOf(summary: Record<string, unknown>): GateView | null {
  const gate = summary.gate as Partial<GateView> | undefined;
  if (!gate || typeof gate.passed !== 'boolean' || !Array.isArray(gate.checks)) return null;
  return {
    passed: gate.passed,
    summary: String(gate.summary ?? ''),
    checks: gate.checks.map((c) => ({ check: String(c.check), passed: Boolean(c.passed), detail: String(c.detail) })),
  };
}

export async function runOutcome(deps: ApiDeps, row: RunRow | undefined, steps: StepRow[]): Promise<RunOutcome> {
  if (!row) return { gate: null, reason: null, lastStep: null, hasValidationReport: false };
  const summary = row.summary ?? {};
  const gate = gateOf(summary);
  const failedStep = [...steps].reverse().find((s) => s.status === 'failed');
  const lastStep = failedStep?.step ?? steps.at(-1)?.step ?? null;
  const validated = steps.some((s) => s.step === 'validate');
  const message = typeof summary.message === 'string' ? summary.message : null;
  let reason: string | null = null;
  if (row.status === 'gate_failed') reason = gate?.summary ?? message;
  else if (row.status === 'rejected' || row.status === 'succeeded' || row.status === 'rolled_back') reason = message;
  else if (row.status === 'failed' || row.status === 'cancelled') reason = row.error;
  if (row.status === 'failed' && failedStep?.step === 'validate') {
    const report = await readValidationReport(deps, row.run_id).catch(() => undefined);
    if (report && !report.passed) reason = fullValidationSummary(report);
  }
  const stoppedAt =
    row.status === 'gate_failed'
      ? 'gate'
      : row.status === 'rolled_back'
        ? 'canary'
        : row.status === 'failed' || row.status === 'cancelled'
          ? lastStep
          : null;
  return { gate, reason, lastStep: stoppedAt, hasValidationReport: validated };
}

/**
 * The approvers of a finished run (the live state has them while it is open): from the resolved spec it recorded at
 * its start, else from its stored spec version.
 */
export async function specApprovers(deps: ApiDeps, row: RunRow): Promise<string[]> {
  const resolvedHash = (row as RunRow & { resolved_spec_hash?: string | null }).resolved_spec_hash;
  const spec =
    (resolvedHash ? await resolvedSpec(deps.db, resolvedHash) : undefined) ??
    (await getStoredSpec(deps.db, row.pipeline, row.spec_hash))?.raw;
  const approvers = (spec as { approval?: { approvers?: unknown } } | undefined)?.approval?.approvers;
  return Array.isArray(approvers) ? approvers.map(String) : [];
}
