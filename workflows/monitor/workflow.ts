import {
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { MonitorActivities, WindowOutput } from '../../activities/monitor';
import type { LightActivities } from '../../activities/light';
import type { NotifyActivities } from '../../activities/notify';
import { durationMs } from '../pipeline/policy';

export interface MonitorInput {
  pipeline: string;
  /**
   * The deploying run's parameters (and spec version): the monitor watches with the thresholds the version was
   * approved under, and retraining runs it starts inherit the parameters.
   */
  params?: Record<string, unknown>;
  specHash?: string;
  model: string;
  version: number;
  versionId: number;
  /** Carried over continue-as-new. */
  carried?: { windowIndex: number; lastWindowEnd: string; alerts: number; retrainingRunId?: string };
}

export interface MonitorState {
  model: string;
  version: number;
  status: 'monitoring' | 'paused' | 'stopped';
  stoppedReason?: string;
  windowIndex: number;
  lastWindowEnd: string;
  lastWindow?: WindowOutput;
  alerts: number;
  retrainingRunId?: string;
}

export const monitorStateQuery = defineQuery<MonitorState>('monitorState');
export const stopMonitoringSignal = defineSignal<[{ reason: string }]>('stopMonitoring');
export const pauseMonitoringSignal = defineSignal<[{ paused: boolean }]>('pauseMonitoring');
/** Runs a window now instead of at the next interval (operators, tests). */
export const checkNowSignal = defineSignal('checkNow');

const { loadPipelineSpec } = proxyActivities<LightActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 20 },
});
const { runMonitoringWindow, startRetrainingRun } = proxyActivities<MonitorActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '2s', maximumInterval: '1 minute', maximumAttempts: 10 },
});
// Alerts go to the channels an admin configured (lib/notify), retried for 15 minutes; never blocks a window.
const { notify } = proxyActivities<NotifyActivities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '15 minutes',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '10 minutes' },
  summary: 'notify alert raised',
});
// A webhook that is down is retried for up to a day, with backoff, without blocking the monitor.
const { notifyWebhook } = proxyActivities<MonitorActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 50 },
});

/** One per production deployment, named after the run that deployed it (unique in the namespace). */
export function monitorWorkflowId(deployingRunId: string): string {
  return `monitor-${deployingRunId}`;
}

/** Asks a version's monitor to stop (it was superseded); a monitor that is already gone is fine. */
export async function stopMonitor(workflowId: string, reason: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(workflowId).signal(stopMonitoringSignal, { reason });
  } catch {
    // Not running (never started, finished, or terminated): nothing to stop.
  }
}

const WINDOWS_PER_HISTORY = 50;

/**
 * Watches a production version until a newer one replaces it: every interval, drift of the logged inputs and
 * predictions against the training reference and live quality from feedback; a breach raises an alert and, per
 * the spec, starts a retraining run (never a second one while one is in flight) or notifies a webhook.
 */
export async function modelMonitor(input: MonitorInput): Promise<MonitorState> {
  const state: MonitorState = {
    model: input.model,
    version: input.version,
    status: 'monitoring',
    windowIndex: input.carried?.windowIndex ?? 0,
    lastWindowEnd: input.carried?.lastWindowEnd ?? new Date().toISOString(),
    alerts: input.carried?.alerts ?? 0,
    retrainingRunId: input.carried?.retrainingRunId,
  };
  let checkNow = false;
  setHandler(monitorStateQuery, () => state);
  setHandler(stopMonitoringSignal, ({ reason }) => {
    state.status = 'stopped';
    state.stoppedReason = reason;
  });
  setHandler(pauseMonitoringSignal, ({ paused }) => {
    if (state.status !== 'stopped') state.status = paused ? 'paused' : 'monitoring';
  });
  setHandler(checkNowSignal, () => {
    checkNow = true;
  });

  const notifications: Array<Promise<unknown>> = [];
  const { spec } = await loadPipelineSpec({
    pipeline: input.pipeline,
    params: input.params ?? {},
    specHash: input.specHash,
  });
  const interval = durationMs(spec.monitoring.interval);
  for (let windows = 0; windows < WINDOWS_PER_HISTORY; windows += 1) {
    await condition(() => state.status === 'stopped' || (checkNow && state.status === 'monitoring'), interval);
    if (state.status === 'stopped') {
      await Promise.all(notifications);
      return state;
    }
    checkNow = false;
    if (state.status === 'paused') continue;
    const windowEnd = new Date().toISOString();
    // Counted once the window is stored, so that the state never names a window that has no report yet.
    const windowIndex = state.windowIndex + 1;
    const result = await runMonitoringWindow({
      monitorId: workflowInfo().workflowId,
      pipeline: input.pipeline,
      model: input.model,
      versionId: input.versionId,
      windowIndex,
      windowStart: state.lastWindowEnd,
      windowEnd,
      task: spec.task,
      monitoring: spec.monitoring,
    });
    let retrainingRunId = state.retrainingRunId;
    if (result.alert && spec.monitoring.onDrift === 'retrain') {
      const run = await startRetrainingRun({
        pipeline: input.pipeline,
        alertId: result.alert.id,
        params: input.params ?? {},
      });
      retrainingRunId = run.runId;
    }
    // The window becomes visible (query) with everything it caused, never half-handled.
    state.windowIndex = windowIndex;
    state.lastWindowEnd = windowEnd;
    state.lastWindow = result;
    state.retrainingRunId = retrainingRunId;
    if (result.alert) {
      state.alerts += 1;
      // Monitors recorded before alert notifications replay without them (patch 'monitor-alert-notifications').
      if (patched('monitor-alert-notifications')) {
        const { id, kind, message } = result.alert;
        notifications.push(
          notify({
            event: 'alert_raised',
            pipeline: input.pipeline,
            model: input.model,
            version: input.version,
            details: { alertId: id, kind, message, retrainingRunId },
          }).catch(() => undefined),
        );
      }
      if (spec.monitoring.webhookUrl) {
        // Not awaited here: a webhook being retried must not delay the next window.
        notifications.push(
          notifyWebhook({ url: spec.monitoring.webhookUrl, alertId: result.alert.id }).catch(() => undefined),
        );
      }
    }
  }
  // Keep the history bounded (a monitor runs for months), once every notification has been delivered or given up.
  await Promise.all(notifications);
  // A stop that arrived while notifications drained must end the monitor, not be lost in the next history.
  if (state.status === 'stopped' && patched('monitor-stop-before-continue-as-new')) return state;
  return continueAsNew<typeof modelMonitor>({
    ...input,
    carried: {
      windowIndex: state.windowIndex,
      lastWindowEnd: state.lastWindowEnd,
      alerts: state.alerts,
      retrainingRunId: state.retrainingRunId,
    },
  });
}
