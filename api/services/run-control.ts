import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { recordAudit } from '../../lib/audit';
import type { Principal } from '../../lib/auth';
import {
  approveUpdate,
  rejectUpdate,
  statusQuery,
  type ApprovalResult,
  type PipelineStatus,
} from '../../workflows/pipeline/messages';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';

const QUERY_MS = 5_000;
const UPDATE_MS = 30_000;

async function openRunHandle(deps: ApiDeps, runId: string) {
  const handle = deps.temporal.workflow.getHandle(runId);
  try {
    const info = await handle.describe();
    if (info.type !== 'mlPipeline') throw new WorkflowNotFoundError('not a pipeline run', runId, undefined);
    return { handle, status: info.status.name };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new ApiError(404, 'RUN_NOT_FOUND', `No pipeline run with id "${runId}": GET /v1/runs lists runs.`);
    }
    throw err;
  }
}

async function currentState(deps: ApiDeps, runId: string): Promise<PipelineStatus> {
  try {
    return await deps.temporal.connection.withDeadline(Date.now() + QUERY_MS, () =>
      deps.temporal.workflow.getHandle(runId).query(statusQuery),
    );
  } catch (err) {
    deps.log.warn({ runId, err: (err as Error).message }, 'status query failed');
    throw new ApiError(
      503,
      'WORKER_UNAVAILABLE',
      `Run ${runId} did not answer a status query within ${QUERY_MS / 1000}s: is the orchestration worker running?`,
    );
  }
}

export interface DecisionInput {
  runId: string;
  decision: 'approved' | 'rejected';
  reason: string;
  principal: Principal;
}

/**
 * Sends the approve/reject update as the authenticated caller. The workflow's validator has the last word; the
 * checks here only turn the common refusals into precise statuses (409 not waiting, 403 not an approver).
 */
export async function decideRun(
  deps: ApiDeps,
  input: DecisionInput,
): Promise<ApprovalResult & { by: string; reason: string }> {
  const { runId, principal } = input;
  const { handle, status } = await openRunHandle(deps, runId);
  if (status !== 'RUNNING') {
    throw new ApiError(
      409,
      'RUN_NOT_WAITING',
      `Run ${runId} is ${status.toLowerCase()}: only a run waiting for approval can be decided.`,
    );
  }
  const state = await currentState(deps, runId);
  if (state.status !== 'waiting_approval' || state.approval.decision) {
    throw new ApiError(
      409,
      'RUN_NOT_WAITING',
      `Run ${runId} is not waiting for approval (status ${state.status}, step ${state.step}): decide once it reaches the approval step.`,
      { status: state.status, step: state.step },
    );
  }
  if (state.approval.approvers.length > 0 && !state.approval.approvers.includes(principal.id)) {
    throw new ApiError(
      403,
      'NOT_AN_APPROVER',
      `${principal.id} is not an approver of run ${runId}; the pipeline spec allows: ${state.approval.approvers.join(', ')}.`,
      { approvers: state.approval.approvers },
    );
  }
  const update = input.decision === 'approved' ? approveUpdate : rejectUpdate;
  let result: ApprovalResult;
  try {
    result = await deps.temporal.connection.withDeadline(Date.now() + UPDATE_MS, () =>
      handle.executeUpdate(update, { args: [{ by: principal.id, reason: input.reason }] }),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const why = err.cause?.message ?? err.message;
      throw new ApiError(409, 'DECISION_REFUSED', `Run ${runId} refused the decision: ${why}`);
    }
    throw err;
  }
  await recordAudit(deps.db, {
    actor: principal.id,
    action: input.decision === 'approved' ? 'approve' : 'reject',
    target: `run:${runId}`,
    reason: input.reason,
    details: { model: result.model, version: result.version, role: principal.role, via: principal.via },
    idempotencyKey: `run:${runId}:decision`,
  });
  return { ...result, by: principal.id, reason: input.reason };
}

export async function cancelRun(
  deps: ApiDeps,
  input: { runId: string; reason?: string; principal: Principal },
): Promise<void> {
  const { handle, status } = await openRunHandle(deps, input.runId);
  if (status !== 'RUNNING') {
    throw new ApiError(
      409,
      'RUN_NOT_RUNNING',
      `Run ${input.runId} is ${status.toLowerCase()}: only a running run can be cancelled.`,
    );
  }
  await handle.cancel();
  await recordAudit(deps.db, {
    actor: input.principal.id,
    action: 'cancel',
    target: `run:${input.runId}`,
    reason: input.reason ?? null,
    details: { role: input.principal.role, via: input.principal.via },
  });
}
