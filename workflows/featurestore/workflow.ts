import { ApplicationFailure, defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { FeatureStoreActivities } from '../../activities/featurestore';
import type { MaterializationCursor, MaterializationPlan } from '../../lib/featurestore/materialize';

export interface MaterializeViewInput {
  /** The feature view to materialize (its latest version). */
  view: string;
  /** Re-read the whole source instead of the window after the watermark. */
  fullRefresh?: boolean;
  /** Source rows per online-store write and heartbeat (default 5000). */
  batchRows?: number;
  /** A worker silent this long is presumed dead; the window resumes on another from its last cursor. */
  heartbeatTimeout?: string;
}

export interface MaterializeViewResult {
  view: string;
  version: number;
  from?: string;
  to: string;
  rowsRead: number;
  rowsWritten: number;
  skipped?: string;
}

export interface MaterializationStatus {
  phase: 'planning' | 'writing' | 'committing' | 'done' | 'failed';
  plan?: MaterializationPlan;
}

export const materializationStatusQuery = defineQuery<MaterializationStatus>('materializationStatus');

/** One materialization per view at a time from the API; schedules name theirs after the schedule. */
export function materializationWorkflowId(view: string): string {
  return `fs-materialize-${view}`;
}

const light = proxyActivities<FeatureStoreActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '30s', maximumAttempts: 20, nonRetryableErrorTypes: ['FeatureStoreError'] },
});

/**
 * Incremental materialization of one feature view into the online store: plan the window after the watermark,
 * write it in batches (heartbeating a cursor, resumable on another worker), then advance the watermark.
 */
export async function materializeFeatureView(input: MaterializeViewInput): Promise<MaterializeViewResult> {
  const status: MaterializationStatus = { phase: 'planning' };
  setHandler(materializationStatusQuery, () => status);
  const plan = await light.planMaterialization({ view: input.view, fullRefresh: input.fullRefresh });
  status.plan = plan;
  const base = { view: plan.view, version: plan.version, from: plan.from, to: plan.to };
  if (!plan.online) {
    status.phase = 'done';
    return { ...base, rowsRead: 0, rowsWritten: 0, skipped: 'the view is not online (online: false)' };
  }
  const heavy = proxyActivities<FeatureStoreActivities>({
    startToCloseTimeout: '12 hours',
    heartbeatTimeout: input.heartbeatTimeout ?? '60s',
    retry: {
      initialInterval: '1s',
      maximumInterval: '30s',
      maximumAttempts: 50,
      nonRetryableErrorTypes: ['FeatureStoreError'],
    },
  });
  status.phase = 'writing';
  let cursor: MaterializationCursor;
  try {
    cursor = await heavy.materializeFeatureWindow({ plan, batchRows: input.batchRows });
  } catch (err) {
    status.phase = 'failed';
    const message = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    await light.failMaterialization({ error: message });
    throw ApplicationFailure.create({
      type: 'MaterializationFailed',
      message: `Materializing ${plan.view} v${plan.version} (${workflowInfo().workflowId}) failed: ${message}`,
      nonRetryable: true,
    });
  }
  status.phase = 'committing';
  await light.commitMaterialization({ plan, cursor });
  status.phase = 'done';
  return { ...base, rowsRead: cursor.rowsRead, rowsWritten: cursor.rowsWritten };
}
