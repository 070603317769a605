import { condition, defineQuery, defineSignal, getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';

export interface MonitorInput {
  pipeline: string;
  model: string;
  version: number;
  versionId: number;
}

export interface MonitorState {
  model: string;
  version: number;
  status: 'monitoring' | 'stopped';
  stoppedReason?: string;
  startedAt: string;
}

export const monitorStateQuery = defineQuery<MonitorState>('monitorState');
export const stopMonitoringSignal = defineSignal<[{ reason: string }]>('stopMonitoring');

/** One monitor per production deployment, named after the run that deployed it (unique in the namespace). */
export function monitorWorkflowId(deployingRunId: string): string {
  return `monitor-${deployingRunId}`;
}

/** Asks a model version's monitor to stop (it was superseded); a monitor that is already gone is fine. */
export async function stopMonitor(workflowId: string, reason: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(workflowId).signal(stopMonitoringSignal, { reason });
  } catch {
    // Not running (never started, finished, or terminated): nothing to stop.
  }
}

/** One per production deployment: watches the deployed version until a newer one replaces it. */
export async function modelMonitor(input: MonitorInput): Promise<MonitorState> {
  const state: MonitorState = {
    model: input.model,
    version: input.version,
    status: 'monitoring',
    startedAt: new Date().toISOString(),
  };
  setHandler(monitorStateQuery, () => state);
  setHandler(stopMonitoringSignal, ({ reason }) => {
    state.status = 'stopped';
    state.stoppedReason = reason;
  });
  await condition(() => state.status === 'stopped');
  return state;
}
