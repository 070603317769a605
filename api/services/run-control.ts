import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { recordAudit } from '../../lib/audit';
import { approvalRefusal, signDecision } from '../../lib/governance/approval';
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
  /** Approvals only: the delivery strategy the approver chose (signed with the decision). */
  strategy?: 'direct' | 'canary';
}

/**
 * Sends the approve/reject update as the authenticated caller. The workflow's validator has the last word; the
 * checks here only turn the common refusals into precise statuses (409 not waiting, 403 not an approver).
 */
export async function decideRun(
  deps: ApiDeps,
  input: DecisionInput,
): Promise<ApprovalResult & { by: string; reason: string; strategy?: 'direct' | 'canary' }> {
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
  // The same rule the workflow's validator applies (lib/governance/approval.ts), checked here for a precise 403.
  const refusal = approvalRefusal(
    {
      approvers: state.approval.approvers,
      fourEyes: state.approval.fourEyes ?? false,
      startedBy: state.approval.startedBy,
    },
    { by: principal.id, decision: input.decision },
    runId,
  );
  if (refusal) {
    const code = refusal.type === 'SelfApproval' ? 'SELF_APPROVAL' : 'NOT_AN_APPROVER';
    throw new ApiError(403, code, `${refusal.message}.`, { approvers: state.approval.approvers });
  }
  const signer = deps.settings.approvalSigner;
  if (!signer) {
    throw new ApiError(
      503,
      'APPROVAL_SIGNING_UNAVAILABLE',
      'This API has no approval signing key (APPROVAL_SIGNING_KEY), so it cannot record decisions: ask an operator.',
    );
  }
  const claims = {
    runId,
    decision: input.decision,
    by: principal.id,
    reason: input.reason,
    at: new Date().toISOString(),
    ...(principal.keyId ? { keyId: principal.keyId } : {}),
    ...(input.strategy && input.decision === 'approved' ? { strategy: input.strategy } : {}),
  };
  const { decision: _kind, ...request } = signDecision(claims, signer);
  const update = input.decision === 'approved' ? approveUpdate : rejectUpdate;
  let result: ApprovalResult;
  try {
    result = await deps.temporal.connection.withDeadline(Date.now() + UPDATE_MS, () =>
      handle.executeUpdate(update, { args: [request] }),
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
    keyId: principal.keyId,
    details: {
      model: result.model,
      version: result.version,
      role: principal.role,
      via: principal.via,
      signer: signer.id,
      ...(claims.strategy ? { strategy: claims.strategy } : {}),
    },
    idempotencyKey: `run:${runId}:decision`,
  });
  return {
    ...result,
    by: principal.id,
    reason: input.reason,
    ...(claims.strategy ? { strategy: claims.strategy } : {}),
  };
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
    keyId: input.principal.keyId,
    details: { role: input.principal.role, via: input.principal.via },
  });
}
