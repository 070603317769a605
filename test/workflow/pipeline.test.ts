import { randomBytes, randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { signDecision } from '../../lib/governance/approval';
import type { PipelineSpec } from '../../lib/pipeline/spec';
import { approveUpdate, rejectUpdate, statusQuery } from '../../workflows/pipeline/messages';
import { mlPipeline } from '../../workflows/pipeline/workflow';
import { createTimeSkippingEnv } from '../helpers/time-skipping';
import { evaluateOut, fakeActivities, testSpec, type Calls } from './pipeline-fixtures';

/** The API's signing key in these tests: the workflow fetches its public half through approvalVerificationKeys. */
const SIGNER = { id: 'test-signer', privateKeyHex: randomBytes(32).toString('hex') };

/** A decision as the API sends it. */
function signed(runId: string, decision: 'approved' | 'rejected', by: string, reason: string) {
  const { decision: _kind, ...request } = signDecision(
    { runId, decision, by, reason, at: new Date().toISOString() },
    SIGNER,
  );
  return request;
}

describe('mlPipeline workflow (mocked activities, time-skipping server)', () => {
  // One test server per test: time skipping is global to a server, and a workflow left behind by one test (a monitor,
  // a run waiting on a timer) must not hold the clock for the next.
  let env: TestWorkflowEnvironment;
  beforeEach(async () => {
    env = await createTimeSkippingEnv();
  });
  afterEach(async () => {
    await env?.teardown();
  });

  async function withWorker<T>(
    spec: PipelineSpec,
    calls: Calls,
    overrides: Record<string, unknown>,
    body: (queue: string) => Promise<T>,
  ) {
    const taskQueue = `wf-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../../workflows'),
      activities: fakeActivities({ spec, queue: taskQueue, calls, signer: SIGNER, overrides }),
    });
    return worker.runUntil(body(taskQueue));
  }

  /** Waits at the approval step, then moves the test server's clock past the deadline explicitly. */
  async function passApprovalDeadline(taskQueue: string, timeout: string) {
    const handle = await env.client.workflow.start(mlPipeline, {
      taskQueue,
      workflowId: `run-${randomUUID()}`,
      args: [{ pipeline: 'churn' }],
    });
    await waitForApproval(handle);
    const { approval } = await handle.query(statusQuery);
    const deadline = Date.parse(approval.deadline ?? '');
    const skip = deadline - (await env.currentTimeMs()) + 60_000;
    expect(skip).toBeGreaterThan(timeout === '2d' ? 47 * 3_600_000 : 59 * 60_000);
    await env.sleep(skip);
    return handle.result();
  }

  async function waitForApproval(handle: { query: (q: typeof statusQuery) => Promise<{ status: string }> }) {
    for (let i = 0; i < 200; i += 1) {
      if ((await handle.query(statusQuery)).status === 'waiting_approval') return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the run never reached waiting_approval');
  }

  it('runs phase 0 → 1, waits, and on approval promotes and deploys to production', async () => {
    const calls: Calls = [];
    const spec = testSpec();
    const result = await withWorker(spec, calls, {}, async (taskQueue) => {
      const handle = await env.client.workflow.start(mlPipeline, {
        taskQueue,
        workflowId: `run-${randomUUID()}`,
        args: [{ pipeline: 'churn' }],
      });
      await waitForApproval(handle);
      const status = await handle.query(statusQuery);
      expect(status).toMatchObject({ phase: 'staging', best: 'mlp', modelVersion: { version: 3 } });
      expect(status.metrics.mlp?.f1_macro).toBe(0.85);
      await expect(
        handle.executeUpdate(approveUpdate, { args: [signed(handle.workflowId, 'approved', 'mallory', 'looks fine')] }),
      ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/mallory is not an approver/) } });
      const decision = await handle.executeUpdate(approveUpdate, {
        args: [signed(handle.workflowId, 'approved', 'alice', 'metrics ok')],
      });
      expect(decision).toEqual({ decision: 'approved', model: 'churn', version: 3 });
      const result = await handle.result();
      // The monitor outlives the run (ABANDON); stop it so it does not hold the time-skipping server.
      const monitor = env.client.workflow.getHandle(`monitor-${handle.workflowId}`);
      expect((await monitor.describe()).status.name).toBe('RUNNING');
      await monitor.terminate('test finished');
      return result;
    });
    expect(result).toMatchObject({ outcome: 'succeeded', version: 3, best: 'mlp' });
    const names = calls.map((c) => c.name);
    const order = [
      'ingestRawData',
      'validateDataset',
      'fitFeatures',
      'buildAnalyticBaseTable',
      'writeRunReport',
      'registerModelVersion',
      'smokeTestDeployment',
      'promoteModelVersion',
    ];
    expect(order.map((n) => names.indexOf(n))).toEqual([...order.map((n) => names.indexOf(n))].sort((a, b) => a - b));
    expect(names.filter((n) => n === 'trainCandidate')).toHaveLength(2);
    const deploys = calls
      .filter((c) => c.name === 'deployModelVersion')
      .map((c) => c.input as { slot: string; actor: string });
    expect(deploys.map((d) => d.slot)).toEqual(['staging', 'production']);
    expect(deploys[1]?.actor).toBe('alice');
    expect(calls.find((c) => c.name === 'promoteModelVersion')?.input).toMatchObject({
      actor: 'alice',
      reason: 'metrics ok',
    });
    expect(names).not.toContain('archiveModelVersion');
  });

  it('on rejection archives the version with the reason and never reaches production', async () => {
    const calls: Calls = [];
    const result = await withWorker(testSpec(), calls, {}, async (taskQueue) => {
      const handle = await env.client.workflow.start(mlPipeline, {
        taskQueue,
        workflowId: `run-${randomUUID()}`,
        args: [{ pipeline: 'churn' }],
      });
      await waitForApproval(handle);
      await handle.executeUpdate(rejectUpdate, {
        args: [signed(handle.workflowId, 'rejected', 'alice', 'recall too low on segment B')],
      });
      return handle.result();
    });
    expect(result.outcome).toBe('rejected');
    expect(result.message).toContain('recall too low on segment B');
    expect(calls.find((c) => c.name === 'archiveModelVersion')?.input).toMatchObject({
      actor: 'alice',
      reason: 'recall too low on segment B',
    });
    expect(calls.map((c) => c.name)).not.toContain('promoteModelVersion');
    const slots = calls.filter((c) => c.name === 'deployModelVersion').map((c) => (c.input as { slot: string }).slot);
    expect(slots).toEqual(['staging']);
  });

  it('rejects on approval timeout by default, and says so', async () => {
    const calls: Calls = [];
    const result = await withWorker(testSpec(), calls, {}, (taskQueue) => passApprovalDeadline(taskQueue, '2d'));
    expect(result.outcome).toBe('rejected');
    expect(result.message).toMatch(/rejected by system:approval-timeout: No decision within 2d/);
    expect(calls.map((c) => c.name)).not.toContain('promoteModelVersion');
  });

  it('rejects on timeout even when a spec stored before the rule says onTimeout: approve', async () => {
    const calls: Calls = [];
    const spec = testSpec({
      approval: { approvers: [], timeout: '1h', onTimeout: 'approve' },
      monitoring: { enabled: false },
    });
    const result = await withWorker(spec, calls, {}, (taskQueue) => passApprovalDeadline(taskQueue, '1h'));
    expect(result.outcome).toBe('rejected');
    expect(calls.map((c) => c.name)).not.toContain('promoteModelVersion');
  });

  it('passes the signed decision to the production steps, which check it again', async () => {
    const calls: Calls = [];
    await withWorker(testSpec({ monitoring: { enabled: false } }), calls, {}, async (taskQueue) => {
      const handle = await env.client.workflow.start(mlPipeline, {
        taskQueue,
        workflowId: `run-${randomUUID()}`,
        args: [{ pipeline: 'churn', trigger: { kind: 'api', by: 'oscar' } }],
      });
      await waitForApproval(handle);
      expect((await handle.query(statusQuery)).approval).toMatchObject({ fourEyes: true, startedBy: 'oscar' });
      await handle.executeUpdate(approveUpdate, { args: [signed(handle.workflowId, 'approved', 'alice', 'ok')] });
      return handle.result();
    });
    const promote = calls.find((c) => c.name === 'promoteModelVersion')?.input as { decision: Record<string, unknown> };
    expect(promote.decision).toMatchObject({ by: 'alice', source: 'human', signer: SIGNER.id });
    expect(promote.decision.signature).toMatch(/^[0-9a-f]{128}$/);
  });

  it('fails with the validation summary when the data is bad, and registers nothing', async () => {
    const calls: Calls = [];
    const summary = 'Validation failed: 2 hard checks failed: column "churned" missing in 3 rows (lines 4, 9, 17)';
    const overrides = {
      validateDataset: async () => {
        calls.push({ name: 'validateDataset', input: {} });
        throw ApplicationFailure.create({ type: 'DataValidationFailed', message: summary, nonRetryable: true });
      },
    };
    const err = await withWorker(testSpec(), calls, overrides, async (taskQueue) =>
      env.client.workflow
        .execute(mlPipeline, { taskQueue, workflowId: `run-${randomUUID()}`, args: [{ pipeline: 'churn' }] })
        .then(
          () => undefined,
          (e: unknown) => e,
        ),
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause?.cause as ApplicationFailure;
    expect(cause.type).toBe('DataValidationFailed');
    expect(cause.message).toBe(summary);
    expect(calls.filter((c) => c.name === 'validateDataset')).toHaveLength(1);
    expect(calls.map((c) => c.name)).not.toContain('registerModelVersion');
    const failed = calls
      .filter((c) => c.name === 'recordRunStatus')
      .map((c) => c.input as { status?: string; error?: string });
    expect(failed.at(-1)).toMatchObject({ status: 'failed' });
    expect(failed.at(-1)?.error).toBe(summary);
  });

  it('fails the run (not just its workflow task) when no candidate produced the primary metric', async () => {
    const calls: Calls = [];
    const overrides = {
      // Every candidate diverged: its metrics are not finite.
      evaluateCandidate: async (i: { candidate: string }) => {
        calls.push({ name: 'evaluateCandidate', input: i });
        return { ...evaluateOut(i.candidate, 0), metrics: { f1_macro: Number.NaN, accuracy: Number.NaN } };
      },
    };
    const err = await withWorker(testSpec(), calls, overrides, async (taskQueue) =>
      env.client.workflow
        .execute(mlPipeline, { taskQueue, workflowId: `run-${randomUUID()}`, args: [{ pipeline: 'churn' }] })
        .then(
          () => undefined,
          (e: unknown) => e,
        ),
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('NoUsableCandidate');
    expect(cause.message).toMatch(/No candidate produced the primary metric "f1_macro"/);
    const recorded = calls.filter((c) => c.name === 'recordRunStatus').map((c) => c.input as { status?: string });
    expect(recorded.at(-1)).toMatchObject({ status: 'failed' });
    expect(calls.map((c) => c.name)).toContain('notify');
  });

  it('stops at the gate when the best candidate is below a threshold', async () => {
    const calls: Calls = [];
    const spec = testSpec({
      evaluation: { primaryMetric: 'f1_macro', thresholds: { accuracy: { min: 0.99 } }, minImprovement: 0 },
    });
    const result = await withWorker(spec, calls, {}, async (taskQueue) =>
      env.client.workflow.execute(mlPipeline, {
        taskQueue,
        workflowId: `run-${randomUUID()}`,
        args: [{ pipeline: 'churn' }],
      }),
    );
    expect(result.outcome).toBe('gate_failed');
    expect(result.message).toMatch(/accuracy=0.9 \(needs >= 0.99\)/);
    expect(calls.map((c) => c.name)).not.toContain('registerModelVersion');
  });

  it('stops at the gate when the candidate does not beat production by the margin', async () => {
    const calls: Calls = [];
    const spec = testSpec({ evaluation: { primaryMetric: 'f1_macro', thresholds: {}, minImprovement: 0.02 } });
    const overrides = {
      evaluateProductionModel: async () => ({ version: 2, versionId: 7, metrics: { f1_macro: 0.84 }, note: 'v2' }),
    };
    const result = await withWorker(spec, calls, overrides, async (taskQueue) =>
      env.client.workflow.execute(mlPipeline, {
        taskQueue,
        workflowId: `run-${randomUUID()}`,
        args: [{ pipeline: 'churn' }],
      }),
    );
    expect(result.outcome).toBe('gate_failed');
    expect(result.message).toContain('vs production v2');
  });
});
