// Audit rows 7 and 11 (durability): monitor histories of older code keep replaying, a stop is never lost to a
// continue-as-new, and a run's history grows with its steps, not with its training time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { modelMonitor, monitorStateQuery, stopMonitoringSignal } from '../../workflows/monitor/workflow';
import { HISTORIES_DIR } from '../helpers/histories';
import { startPipelineHarness, type PipelineHarness } from '../helpers/pipeline-harness';
import { createTimeSkippingEnv } from '../helpers/time-skipping';
import { testSpec } from '../workflow/pipeline-fixtures';

const EventType = temporal.api.enums.v1.EventType;

describe('security: durability', () => {
  it.each(['v1-monitor.json', 'v2-monitor.json', 'v3-monitor.json'])(
    'row 7: the monitor history %s (first, previous and current monitor code) replays on this code',
    async (file) => {
      const saved = JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')) as {
        workflowId: string;
        history: unknown;
      };
      await Worker.runReplayHistory(
        { workflowsPath: require.resolve('../../workflows') },
        saved.history,
        saved.workflowId,
      );
    },
  );

  describe('row 7: a stop that arrives while the last window of a history drains its notifications', () => {
    let env: TestWorkflowEnvironment;
    beforeAll(async () => {
      env = await createTimeSkippingEnv();
    });
    afterAll(() => env?.teardown());

    it('ends the monitor instead of being carried into a continued history', async () => {
      const taskQueue = `monitor-stop-${randomUUID()}`;
      const spec = testSpec({
        monitoring: {
          enabled: true,
          interval: '1h',
          onDrift: 'notify',
          webhookUrl: 'https://hooks.example/x',
          drift: {},
        },
      });
      let releaseWebhook: () => void = () => undefined;
      const webhookHeld = new Promise<void>((resolve) => (releaseWebhook = resolve));
      let webhookStarted: () => void = () => undefined;
      const webhookCalled = new Promise<void>((resolve) => (webhookStarted = resolve));
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowsPath: require.resolve('../../workflows'),
        activities: {
          loadPipelineSpec: async () => ({ spec, specHash: 'h', file: 'f', codeVersion: 't', trainingTaskQueue: 't' }),
          // The 50th window (the last of a history) raises an alert; its webhook is still being delivered when
          // the stop arrives.
          runMonitoringWindow: async ({ windowIndex }: { windowIndex: number }) => ({
            reportId: windowIndex,
            windowIndex,
            alert: windowIndex === 50 ? { id: 1, kind: 'drift', message: 'drift' } : undefined,
          }),
          startRetrainingRun: async () => ({ runId: 'none', started: false }),
          notify: async () => ({ channels: [] }),
          notifyWebhook: async () => {
            webhookStarted();
            await webhookHeld;
            return { status: 200 };
          },
        },
      });
      await worker.runUntil(async () => {
        const handle = await env.client.workflow.start(modelMonitor, {
          taskQueue,
          workflowId: `monitor-${randomUUID()}`,
          args: [{ pipeline: 'churn', model: 'm', version: 1, versionId: 1 }],
        });
        await env.sleep('50h');
        await webhookCalled;
        await handle.signal(stopMonitoringSignal, { reason: 'superseded' });
        expect((await handle.query(monitorStateQuery)).status).toBe('stopped');
        releaseWebhook();
        const state = await handle.result();
        expect(state).toMatchObject({ status: 'stopped', stoppedReason: 'superseded', windowIndex: 50 });
        expect((await handle.describe()).status.name).toBe('COMPLETED');
      });
    });
  });

  describe('row 11: training progress never enters the workflow history', () => {
    let h: PipelineHarness;
    beforeAll(async () => {
      h = await startPipelineHarness();
    }, 120_000);
    afterAll(() => h?.stop());

    /** Events in a 4-candidate run's history when it reaches approval, with `epochs` epochs per candidate. */
    async function eventsAtApproval(epochs: number): Promise<{ events: number; steps: number; signals: number }> {
      const candidate = (name: string, kind: string) => ({
        name,
        kind,
        hyperparameters: {
          epochs,
          batchSize: 64,
          earlyStopping: false,
          ...(kind.startsWith('mlp') ? { hiddenUnits: [8] } : {}),
        },
      });
      const pipeline = await h.variant(`history-${epochs}`, {
        candidates: [
          candidate('lr-a', 'logistic_regression'),
          candidate('lr-b', 'logistic_regression'),
          candidate('mlp-a', 'mlp_classifier'),
          candidate('mlp-b', 'mlp_classifier'),
        ],
        parameters: [],
        evaluation: { thresholds: {} },
        monitoring: { enabled: false },
      });
      const handle = await h.start({ pipeline });
      await h.waitForStatus(handle, (s) => s.status === 'waiting_approval', 300_000);
      const history = await handle.fetchHistory();
      await handle.terminate('measured');
      const events = history.events ?? [];
      const signals = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).length;
      // Workflow-task events depend on how completions happen to batch (timing), not on training length.
      const workflowTaskEvents = new Set<number>([
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
        EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
      ]);
      const steps = events.filter((e) => !workflowTaskEvents.has(e.eventType ?? 0)).length;
      return { events: events.length, steps, signals };
    }

    it('has as many events after 40 epochs per candidate as after 2: far under the 51,200-event limit for any training time', async () => {
      const short = await eventsAtApproval(2);
      const long = await eventsAtApproval(40);
      expect(short.signals).toBe(0);
      expect(long.signals).toBe(0);
      // The step cache makes the second run's data steps cheaper, never longer: it records no more steps.
      expect(long.steps).toBeLessThanOrEqual(short.steps);
      expect(long.events).toBeLessThan(300);
      // For the record: progress signals every 2 s per candidate, as before, would have added about
      // 4 candidates x 3,600 signals per 2 hours = 14,400 signals, each with its workflow task (4 events):
      // ~57,600 events, over Temporal's 51,200-event history limit.
      process.stdout.write(
        `history at approval: ${short.events} events / ${short.steps} step events (2 epochs), ${long.events} / ${long.steps} (40 epochs); 0 signals\n`,
      );
    }, 600_000);
  });
});
