import { randomBytes, randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { GuardrailVerdict } from '../../lib/delivery/canary';
import { signDecision } from '../../lib/governance/approval';
import type { PipelineSpec } from '../../lib/pipeline/spec';
import { approveUpdate, statusQuery } from '../../workflows/pipeline/messages';
import { mlPipeline } from '../../workflows/pipeline/workflow';
import { createTimeSkippingEnv } from '../helpers/time-skipping';
import { fakeActivities, testSpec, type Calls } from './pipeline-fixtures';

// The canary strategy of the release phase (workflows/delivery/canary.ts) on the time-skipping server: each step's
// timer is skipped, the guardrail check is a stub that can report an injected regression.

const SIGNER = { id: 'test-signer', privateKeyHex: randomBytes(32).toString('hex') };

const GUARDRAILS = {
  maxErrorRate: 0.02,
  maxLatencyRatio: 1.5,
  maxLatencyIncreaseMs: 50,
  maxAccuracyDrop: 0.05,
  maxRmseIncrease: 0.1,
  maxPredictionPsi: 0.2,
  minRequests: 50,
  minLabelled: 30,
  minLoggedRows: 100,
};

function canarySpec(overrides: Record<string, unknown> = {}): PipelineSpec {
  return testSpec({
    monitoring: { enabled: false },
    deployment: {
      smokeTestRows: 5,
      strategy: {
        kind: 'canary',
        steps: [10, 50],
        stepDuration: '10m',
        guardrails: GUARDRAILS,
        onLowTraffic: 'wait',
        maxWaits: 1,
        ...overrides,
      },
    },
  });
}

const arm = (requests: number, errors: number) => ({
  requests,
  errors,
  errorRate: requests ? errors / requests : null,
  latencyMsP95: 5,
  loggedRows: 0,
  labelled: 0,
  accuracy: null,
  rmse: null,
});

function verdict(kind: GuardrailVerdict['verdict'], reasons: string[] = [], canaryErrors = 0): GuardrailVerdict {
  return {
    verdict: kind,
    reasons,
    skipped: [],
    canary: arm(kind === 'low_traffic' ? 3 : 120, canaryErrors),
    production: arm(1000, 1),
    predictionPsi: null,
  };
}

describe('canary delivery in the pipeline workflow (stub activities, time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeEach(async () => {
    env = await createTimeSkippingEnv();
  });
  afterEach(async () => {
    await env?.teardown();
  });

  async function run(
    spec: PipelineSpec,
    verdicts: GuardrailVerdict[],
    calls: Calls,
    started: Record<string, unknown> = { started: true, model: 'churn', productionVersionId: 41, productionVersion: 2 },
    chosen?: 'direct' | 'canary',
  ) {
    const taskQueue = `canary-${randomUUID()}`;
    let checks = 0;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../../workflows'),
      activities: fakeActivities({
        spec,
        queue: taskQueue,
        calls,
        signer: SIGNER,
        now: () => env.currentTimeMs(),
        overrides: (track) => ({
          startCanary: track('startCanary', () => ({ ...started, since: new Date().toISOString() })),
          setCanaryShare: track('setCanaryShare', () => ({ since: new Date().toISOString() })),
          checkCanaryGuardrails: track('checkCanaryGuardrails', () => verdicts[checks++] ?? verdict('pass')),
          rollbackCanary: track('rollbackCanary', () => undefined),
          completeCanary: track('completeCanary', () => undefined),
        }),
      }),
    });
    return worker.runUntil(async () => {
      const handle = await env.client.workflow.start(mlPipeline, {
        taskQueue,
        workflowId: `run-${randomUUID()}`,
        args: [{ pipeline: 'churn' }],
      });
      for (let i = 0; i < 200 && (await handle.query(statusQuery)).status !== 'waiting_approval'; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const { decision: _kind, ...request } = signDecision(
        {
          runId: handle.workflowId,
          decision: 'approved',
          by: 'alice',
          reason: 'canary it',
          at: new Date().toISOString(),
          ...(chosen ? { strategy: chosen } : {}),
        },
        SIGNER,
      );
      await handle.executeUpdate(approveUpdate, { args: [request] });
      return handle.result().then(
        (result) => ({ result, error: undefined }),
        (error: unknown) => ({ result: undefined, error }),
      );
    });
  }

  it('promotes after every step passed, each step a 10-minute durable timer, and only then', async () => {
    const calls: Calls = [];
    const { result, error } = await run(canarySpec(), [verdict('pass'), verdict('pass')], calls);
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ outcome: 'succeeded', version: 3 });
    const names = calls.map((c) => c.name);
    const order = ['startCanary', 'checkCanaryGuardrails', 'setCanaryShare', 'promoteModelVersion', 'completeCanary'];
    expect(order.map((n) => names.indexOf(n))).toEqual([...order.map((n) => names.indexOf(n))].sort((a, b) => a - b));
    expect(names.filter((n) => n === 'checkCanaryGuardrails')).toHaveLength(2);
    // Nothing is promoted or deployed to production before the last check passed.
    const lastCheck = names.lastIndexOf('checkCanaryGuardrails');
    expect(names.indexOf('promoteModelVersion')).toBeGreaterThan(lastCheck);
    const production = calls.filter(
      (c) => c.name === 'deployModelVersion' && (c.input as { slot: string }).slot === 'production',
    );
    expect(calls.indexOf(production[0] as Calls[number])).toBeGreaterThan(lastCheck);
    expect(calls.find((c) => c.name === 'startCanary')?.input).toMatchObject({
      versionId: 42,
      share: 10,
      decision: { by: 'alice', signer: SIGNER.id },
    });
    expect(calls.find((c) => c.name === 'setCanaryShare')?.input).toMatchObject({ step: 1, share: 50 });
    // The steps are timers on the test server's clock: at least 10 minutes between the start and each check.
    const start = calls.find((c) => c.name === 'startCanary')?.at as number;
    const checks = calls.filter((c) => c.name === 'checkCanaryGuardrails').map((c) => c.at);
    expect((checks[0] as number) - start).toBeGreaterThanOrEqual(10 * 60_000);
    expect((checks[1] as number) - (checks[0] as number)).toBeGreaterThanOrEqual(10 * 60_000);
    expect(names).not.toContain('rollbackCanary');
  });

  it('rolls back on an injected regression at the second step: nothing promoted, reason recorded and notified', async () => {
    const calls: Calls = [];
    const regression = verdict('breach', ['error rate 25.0 % (30 of 120 requests) is above 2.0 %'], 30);
    const { result, error } = await run(canarySpec(), [verdict('pass'), regression], calls);
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ outcome: 'rolled_back', version: 3 });
    expect(result?.message).toMatch(/rolled back at 50 % \(step 2\): error rate 25\.0 %.*Production is unchanged/);
    const names = calls.map((c) => c.name);
    expect(names).not.toContain('promoteModelVersion');
    expect(names).not.toContain('completeCanary');
    expect(calls.filter((c) => c.name === 'deployModelVersion').map((c) => (c.input as { slot: string }).slot)).toEqual(
      ['staging'],
    );
    expect(calls.find((c) => c.name === 'rollbackCanary')?.input).toMatchObject({
      versionId: 42,
      modelName: 'churn',
      reason: 'error rate 25.0 % (30 of 120 requests) is above 2.0 %',
      details: { step: 1, share: 50, canary: { errors: 30 } },
    });
    const notified = calls.filter((c) => c.name === 'notify').map((c) => c.input as { event: string });
    expect(notified).toContainEqual(
      expect.objectContaining({
        event: 'canary_rolled_back',
        model: 'churn',
        version: 3,
        details: expect.objectContaining({ reason: expect.stringMatching(/error rate 25\.0 %/) }),
      }),
    );
    const failed = calls.filter((c) => c.name === 'recordRunStatus' && (c.input as { ended?: boolean }).ended)[0]
      ?.input as { status: string; error: string };
    expect(failed).toMatchObject({
      status: 'rolled_back',
      summary: { outcome: 'rolled_back', message: expect.stringMatching(/canary of churn v3 was rolled back/) },
    });
    // The run ended as rolled back, not failed: no run_failed notification.
    expect(notified.map((n) => n.event)).not.toContain('run_failed');
  });

  it('waits once more on a step with too little traffic, then rolls back saying so', async () => {
    const calls: Calls = [];
    const low = verdict('low_traffic', ['only 3 canary request(s) in the step (guardrails need 50)']);
    const { result } = await run(canarySpec(), [low, low], calls);
    expect(result).toMatchObject({ outcome: 'rolled_back' });
    expect(calls.filter((c) => c.name === 'checkCanaryGuardrails')).toHaveLength(2);
    expect(calls.find((c) => c.name === 'rollbackCanary')?.input).toMatchObject({
      reason: 'only 3 canary request(s) in the step (guardrails need 50) after 2 step durations',
      details: { step: 0, share: 10 },
    });
    expect(calls.map((c) => c.name)).not.toContain('setCanaryShare');
  });

  it('promotes directly when there is no production version to compare with, and on specs without a strategy', async () => {
    const calls: Calls = [];
    const none = { started: false, reason: 'churn has no production version to compare with' };
    const { result } = await run(canarySpec(), [], calls, none);
    expect(result?.outcome).toBe('succeeded');
    const names = calls.map((c) => c.name);
    expect(names).toContain('startCanary');
    expect(names).not.toContain('checkCanaryGuardrails');
    expect(names).not.toContain('completeCanary');
    expect(names).toContain('promoteModelVersion');

    const direct: Calls = [];
    const { result: plain } = await run(testSpec({ monitoring: { enabled: false } }), [], direct);
    expect(plain?.outcome).toBe('succeeded');
    expect(direct.map((c) => c.name)).not.toContain('startCanary');
    expect(direct.map((c) => c.name)).toContain('promoteModelVersion');
  });

  it("follows the approver's signed choice: a canary with the default plan for a direct spec, direct for a canary spec", async () => {
    const calls: Calls = [];
    const { result } = await run(testSpec({ monitoring: { enabled: false } }), [], calls, undefined, 'canary');
    expect(result?.outcome).toBe('succeeded');
    expect(calls.find((c) => c.name === 'startCanary')?.input).toMatchObject({
      share: 10,
      decision: { strategy: 'canary' },
      plan: { steps: [10, 50], stepDuration: '10m', guardrails: { maxErrorRate: 0.02 } },
    });
    expect(calls.filter((c) => c.name === 'checkCanaryGuardrails')).toHaveLength(2);
    expect(calls.find((c) => c.name === 'promoteModelVersion')?.input).toMatchObject({
      decision: { strategy: 'canary' },
    });

    const direct: Calls = [];
    const { result: plain } = await run(canarySpec(), [], direct, undefined, 'direct');
    expect(plain?.outcome).toBe('succeeded');
    expect(direct.map((c) => c.name)).not.toContain('startCanary');
    expect(direct.map((c) => c.name)).toContain('promoteModelVersion');
  });
});
