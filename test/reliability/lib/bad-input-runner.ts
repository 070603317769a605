// Runs corpus cases through the real pipeline and checks what a bad input must leave behind: the expected failure type
// and message, a failed run row, no model version, the raw bytes still in the lake, and no retries of a permanent error.
import { randomUUID } from 'node:crypto';
import { isGrpcServiceError, type ApplicationFailure, type WorkflowHandle } from '@temporalio/client';
import { SpecError } from '../../../lib/pipeline/load';
import { statusQuery } from '../../../workflows/pipeline/messages';
import type { mlPipeline } from '../../../workflows/pipeline/workflow';
import { lakeKey } from '../../../activities/data/ingest';
import { sha256Hex } from '../../../lib/store';
import { isFailing, type FailingExpectation, type PassingExpectation, type PreparedCase } from '../../fixtures/corpus';
import type { PipelineHarness } from '../../helpers/pipeline-harness';

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
  /** Set when the check fails because of a documented product defect: reported, but not counted as a failure. */
  known?: string;
}

export interface CaseOutcome {
  id: string;
  group: string;
  expected: string;
  /** The failure type, or the run's outcome when it did not fail. */
  got: string;
  message: string;
  checks: Check[];
  passed: boolean;
  knownBug?: string;
  seconds: number;
}

type Settled = { ok: true; outcome: string } | { ok: false; type: string; message: string };

function rootCause(err: unknown): ApplicationFailure | undefined {
  let cause = (err as { cause?: unknown }).cause as ApplicationFailure | undefined;
  while (cause?.cause) cause = cause.cause as ApplicationFailure;
  return cause;
}

/** Approves the run once it waits for approval (a valid case gets that far), as the API would: signed. */
/** gRPC status UNAVAILABLE (14): the client could not reach the Temporal server (it is down or restarting). */
const GRPC_UNAVAILABLE = 14;

export function serverUnreachable(err: unknown): boolean {
  if (isGrpcServiceError(err)) return err.code === GRPC_UNAVAILABLE;
  return err instanceof Error && err.cause !== undefined && serverUnreachable(err.cause);
}

/**
 * Approves the run (signed, as the API would) once it waits for approval. A Temporal outage (the fault suite restarts
 * the server) is waited out, as a client would: the query or the decision is asked again once the server answers.
 */
export async function approveWhenWaiting(h: PipelineHarness, handle: WorkflowHandle<typeof mlPipeline>): Promise<void> {
  for (;;) {
    try {
      const status = await handle.query(statusQuery);
      if (!['running', 'waiting_approval'].includes(status.status)) return;
      if (status.status === 'waiting_approval') {
        await h.decide(handle, 'approved', 'corpus-approver', 'corpus case reached approval');
        return;
      }
    } catch (err) {
      if (!serverUnreachable(err)) return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function settle(h: PipelineHarness, p: PreparedCase, workflowId: string, timeoutMs: number): Promise<Settled> {
  if (p.overrides) {
    try {
      await h.variant(p.pipeline, p.overrides);
    } catch (err) {
      // A bad spec is refused when it is applied, before any run starts.
      if (err instanceof SpecError) return { ok: false, type: 'SpecError', message: err.message };
      throw err;
    }
  }
  const handle = await h.start({ pipeline: p.pipeline }, workflowId);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    const approving = approveWhenWaiting(h, handle).catch(() => undefined);
    const result = await Promise.race([handle.result(), timeout]);
    await approving;
    return { ok: true, outcome: result.outcome };
  } catch (err) {
    const cause = rootCause(err);
    if (!cause) throw err;
    return { ok: false, type: cause.type ?? cause.name, message: cause.message };
  } finally {
    clearTimeout(timer);
  }
}

async function failureChecks(
  h: PipelineHarness,
  p: PreparedCase,
  runId: string,
  expect: FailingExpectation,
  got: Settled,
): Promise<Check[]> {
  const db = h.deps.db;
  const message = got.ok ? '' : got.message;
  const checks: Check[] = [
    { name: 'failure type', ok: !got.ok && got.type === expect.fails, detail: got.ok ? got.outcome : got.type },
    ...expect.message.map((re) => ({ name: `message ${re}`, ok: re.test(message) })),
  ];
  const run = await db('pipeline_runs').where({ run_id: runId }).first();
  if (expect.fails === 'SpecError' && !run) {
    // A bad spec is refused when applied: no run starts, so there is no row (an unknown pipeline name fails its run).
    checks.push({ name: 'run row', ok: true, detail: 'none (spec refused before a run)' });
  } else {
    const ok = run?.status === 'failed' && run?.error === message && run?.ended_at !== null;
    checks.push({ name: 'run row failed with the message', ok, detail: `${run?.status}: ${run?.error?.slice(0, 60)}` });
  }
  const versions = await db('model_versions').where({ run_id: runId }).count({ n: '*' }).first();
  checks.push({ name: 'no model version', ok: Number(versions?.n) === 0 });
  const attempts = await db('step_executions').where({ run_id: runId }).max({ n: 'attempt' }).first();
  checks.push({ name: 'not retried', ok: Number(attempts?.n ?? 1) <= 1, detail: `max attempt ${attempts?.n ?? '-'}` });
  const raw = await db('artifacts').where({ run_id: runId, step: 'ingest', name: 'raw' }).first();
  if (expect.ingested && p.data) {
    const sha = sha256Hex(p.data.bytes);
    const stored = await h.deps.store.stat(lakeKey(sha, p.data.format));
    const ok = raw?.sha256 === sha && stored?.sha256 === sha;
    checks.push({ name: 'raw data kept in the lake', ok, detail: raw?.store_key ?? 'no raw artifact' });
  } else {
    checks.push({ name: 'nothing ingested', ok: raw === undefined });
  }
  return checks;
}

async function successChecks(h: PipelineHarness, runId: string, expect: PassingExpectation, got: Settled) {
  const db = h.deps.db;
  const checks: Check[] = [{ name: 'run succeeded', ok: got.ok && got.outcome === 'succeeded' }];
  const versions = await db('model_versions').where({ run_id: runId }).count({ n: '*' }).first();
  checks.push({ name: 'one model version', ok: Number(versions?.n) === 1 });
  const validate = await db('step_executions')
    .where({ run_id: runId, step: 'validate' })
    .whereIn('status', ['succeeded', 'cached'])
    .first();
  const quarantined = Number(validate?.details?.quarantined ?? -1);
  checks.push({
    name: 'quarantined rows',
    ok: quarantined === (expect.quarantined ?? 0),
    detail: `${quarantined} (expected ${expect.quarantined ?? 0})`,
  });
  return checks;
}

/** One case, end to end; never throws for a case that misbehaves (the outcome says what went wrong). */
export async function runCorpusCase(h: PipelineHarness, p: PreparedCase, timeoutMs = 180_000): Promise<CaseOutcome> {
  const started = Date.now();
  const runId = `corpus-${p.case.id}-${randomUUID().slice(0, 8)}`;
  const expect = p.case.expect;
  const expected = isFailing(expect) ? expect.fails : 'succeeded';
  let got: Settled;
  try {
    got = await settle(h, p, runId, timeoutMs);
  } catch (err) {
    got = { ok: false, type: 'harness error', message: err instanceof Error ? err.message : String(err) };
  }
  const checks = isFailing(expect)
    ? await failureChecks(h, p, runId, expect, got)
    : await successChecks(h, runId, expect, got);
  return {
    id: p.case.id,
    group: p.case.group,
    expected,
    got: got.ok ? got.outcome : got.type,
    message: got.ok ? '' : got.message,
    checks,
    passed: checks.every((c) => c.ok),
    knownBug: p.case.knownBug,
    seconds: (Date.now() - started) / 1000,
  };
}
