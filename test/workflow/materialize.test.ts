import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { FeatureStoreActivities } from '../../activities/featurestore';
import type { MaterializationPlan } from '../../lib/featurestore/materialize';
import { materializeFeatureView, materializationStatusQuery } from '../../workflows/featurestore/workflow';
import { createTimeSkippingEnv } from '../helpers/time-skipping';

const plan = (over: Partial<MaterializationPlan> = {}): MaterializationPlan => ({
  view: 'customer_profile',
  version: 2,
  hash: 'h',
  online: true,
  from: '2024-01-01T00:00:00.000000Z',
  to: '2024-01-02T00:00:00.000000Z',
  ...over,
});

type Calls = Array<{ name: string; input: unknown }>;

function fakes(calls: Calls, overrides: Partial<FeatureStoreActivities> = {}): FeatureStoreActivities {
  const track =
    <I, O>(name: string, body: (input: I) => Promise<O>) =>
    async (input: I) => {
      calls.push({ name, input });
      return body(input);
    };
  return {
    planMaterialization: track('plan', async () => plan()),
    materializeFeatureWindow: track('write', async () => ({ position: plan().to, rowsRead: 10, rowsWritten: 7 })),
    commitMaterialization: track('commit', async () => undefined),
    failMaterialization: track('fail', async () => undefined),
    ...overrides,
  };
}

describe('materializeFeatureView workflow (mocked activities, time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function run(calls: Calls, overrides: Partial<FeatureStoreActivities> = {}) {
    const taskQueue = `fs-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../../workflows'),
      activities: fakes(calls, overrides),
    });
    return worker.runUntil(async () => {
      const handle = await env.client.workflow.start(materializeFeatureView, {
        taskQueue,
        workflowId: `fs-${randomUUID()}`,
        args: [{ view: 'customer_profile', batchRows: 100 }],
      });
      const result = await handle.result().catch((err: unknown) => err);
      return { result, status: await handle.query(materializationStatusQuery) };
    });
  }

  it('plans, writes the window, then commits the watermark with the cursor', async () => {
    const calls: Calls = [];
    const { result, status } = await run(calls);
    expect(result).toEqual({
      view: 'customer_profile',
      version: 2,
      from: '2024-01-01T00:00:00.000000Z',
      to: '2024-01-02T00:00:00.000000Z',
      rowsRead: 10,
      rowsWritten: 7,
    });
    expect(calls.map((c) => c.name)).toEqual(['plan', 'write', 'commit']);
    expect(calls[1]?.input).toEqual({ plan: plan(), batchRows: 100 });
    expect(calls[2]?.input).toEqual({ plan: plan(), cursor: { position: plan().to, rowsRead: 10, rowsWritten: 7 } });
    expect(status.phase).toBe('done');
  });

  it('skips a view that is not online, writing nothing', async () => {
    const calls: Calls = [];
    const { result } = await run(calls, { planMaterialization: async () => plan({ online: false }) });
    expect(result).toMatchObject({ rowsRead: 0, rowsWritten: 0, skipped: expect.stringContaining('not online') });
    expect(calls.map((c) => c.name)).toEqual([]);
  });

  it('records a permanent failure and never moves the watermark', async () => {
    const calls: Calls = [];
    const { result, status } = await run(calls, {
      materializeFeatureWindow: async () => {
        throw ApplicationFailure.create({ type: 'FeatureStoreError', message: 'no column spend', nonRetryable: true });
      },
    });
    expect(result).toBeInstanceOf(WorkflowFailedError);
    expect(((result as WorkflowFailedError).cause as Error).message).toMatch(
      /customer_profile v2 .* failed: no column spend/,
    );
    expect(calls.map((c) => c.name)).toEqual(['plan', 'fail']);
    expect(calls[1]?.input).toEqual({ error: 'no column spend' });
    expect(status.phase).toBe('failed');
  });
});
