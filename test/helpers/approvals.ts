import type { Client, WorkflowHandle } from '@temporalio/client';
import { signDecision } from '../../lib/governance/approval';
import type { AppConfig } from '../../lib/config';
import { approveUpdate, rejectUpdate, statusQuery, type ApprovalResult } from '../../workflows/pipeline/messages';
import { mlPipeline, type PipelineInput, type PipelineResult } from '../../workflows/pipeline/workflow';

/**
 * Sends a decision the way the API does: signed with the API's key (the stack's, in tests). Tests that need to
 * check what happens to unsigned or forged decisions build those themselves.
 */
export async function decideAsApi(
  config: AppConfig,
  handle: WorkflowHandle<typeof mlPipeline>,
  decision: 'approved' | 'rejected',
  by: string,
  reason: string,
): Promise<ApprovalResult> {
  const signer = config.governance.approval.signer;
  if (!signer) throw new Error('no APPROVAL_SIGNING_KEY: run the tests on a stack (npm run stack -- up writes one)');
  const claims = { runId: handle.workflowId, decision, by, reason, at: new Date().toISOString() };
  const { decision: _kind, ...request } = signDecision(claims, signer);
  return handle.executeUpdate(decision === 'approved' ? approveUpdate : rejectUpdate, { args: [request] });
}

/**
 * Starts a run and drives it to its end, approving it (signed, as `approver`) once it waits for approval: what
 * benchmarks and load tests need now that no spec can approve itself on a timer. Returns the result and how long
 * the run waited between reaching approval and the decision (so benches can report it apart).
 */
export async function runApproved(
  client: Client,
  config: AppConfig,
  options: { taskQueue: string; workflowId: string; input: PipelineInput; workflowExecutionTimeout?: number },
  approver = 'bench-approver',
): Promise<{ result: PipelineResult; approvalWaitMs: number }> {
  const handle = await client.workflow.start(mlPipeline, {
    taskQueue: options.taskQueue,
    workflowId: options.workflowId,
    args: [options.input],
    workflowExecutionTimeout: options.workflowExecutionTimeout,
  });
  let approvalWaitMs = 0;
  const approving = (async () => {
    for (;;) {
      const status = await handle.query(statusQuery).catch(() => undefined);
      if (status && !['running', 'waiting_approval'].includes(status.status)) return;
      if (status?.status === 'waiting_approval') {
        const reached = Date.now();
        await decideAsApi(config, handle, 'approved', approver, 'approved by the benchmark');
        approvalWaitMs = Date.now() - reached;
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const result = await handle.result();
  await approving.catch(() => undefined);
  return { result, approvalWaitMs };
}
