// Records modelMonitor histories for the replay suite, on the current workflow code or on the code of an earlier
// commit (`--ref <git ref>`), with stub activities on Temporal's time-skipping server:
//   npx tsx test/replay/recorders/monitor.ts --name monitor-current
//   npx tsx test/replay/recorders/monitor.ts --ref 65b77ce --name v1-monitor
// The run: a few windows (one drifting, which starts a retraining run and posts a webhook), a pause and a resume,
// a "check now", then a stop signal.
import { Worker } from '@temporalio/worker';
import { createTimeSkippingEnv } from '../../helpers/time-skipping';
import { testSpec } from '../../workflow/pipeline-fixtures';
import { argument, saveRecordedHistory, workflowSource } from './common';

async function main(): Promise<void> {
  const name = argument('name') ?? 'monitor-current';
  const ref = argument('ref');
  const source = workflowSource(ref);
  const base = testSpec();
  const spec = testSpec({
    monitoring: {
      ...base.monitoring,
      enabled: true,
      interval: '1h',
      onDrift: 'retrain',
      webhookUrl: 'https://hooks.example.com/mlops',
    },
  });
  let window = 0;
  const activities = {
    loadPipelineSpec: async () => ({
      spec,
      specHash: 'recorded',
      file: 'pipelines/churn.yaml',
      codeVersion: 'rec',
      trainingTaskQueue: 'rec',
    }),
    runMonitoringWindow: async (input: { windowIndex: number }) => {
      window += 1;
      const drifting = window === 2;
      return {
        reportId: window,
        windowIndex: input.windowIndex,
        predictions: 300,
        labelled: 0,
        driftedFeatures: drifting ? ['tenure_months'] : [],
        alert: drifting ? { id: 7, kind: 'drift', message: 'drift on tenure_months' } : undefined,
      };
    },
    startRetrainingRun: async () => ({ runId: 'churn-retrain-alert-7', started: true }),
    notifyWebhook: async () => ({ status: 200 }),
    notify: async () => ({ channels: [] }),
  };
  const env = await createTimeSkippingEnv();
  try {
    const taskQueue = `record-${name}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: source.path,
      activities,
    });
    const workflowId = `monitor-record-${name}`;
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('modelMonitor', {
        taskQueue,
        workflowId,
        args: [{ pipeline: 'churn', model: 'churn-classifier', version: 3, versionId: 42 }],
      });
      await env.sleep('3h');
      await handle.signal('pauseMonitoring', { paused: true });
      await env.sleep('2h');
      await handle.signal('pauseMonitoring', { paused: false });
      await handle.signal('checkNow');
      await env.sleep('90m');
      await handle.signal('stopMonitoring', { reason: 'superseded by v4 (recording)' });
      await handle.result();
      saveRecordedHistory(name, workflowId, ref, await handle.fetchHistory());
    });
  } finally {
    await env.teardown();
    source.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
