import { ApplicationFailure, defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { BatchActivities, BatchPlan, BatchSummary } from '../../activities/batch';
import type { BatchJobRequestInput } from '../../lib/batch/spec';

export interface BatchScoringInput {
  model: string;
  request: BatchJobRequestInput;
  requestedBy: string;
  trigger?: 'api' | 'schedule';
  /** The training task queue: the workers with the model backends score the chunks. */
  trainingQueue: string;
  /** A chunk worker silent this long is presumed dead; its chunk is scored again on another worker. */
  heartbeatTimeout?: string;
}

export interface BatchScoringStatus {
  phase: 'planning' | 'scoring' | 'finishing' | 'done' | 'failed';
  chunks?: number;
  chunksDone: number;
  rowsTotal?: number;
  rowsDone: number;
  rowsRejected: number;
}

export const batchStatusQuery = defineQuery<BatchScoringStatus>('batchStatus');

/** Job ids are workflow ids: one per request, named after the model so the Temporal UI groups them. */
export function batchJobWorkflowId(model: string, suffix: string): string {
  return `batch-${model}-${suffix}`;
}

function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? err.cause.message : err.message;
}

/**
 * Batch scoring: plan (resolve the version, check the input, stage it as chunks), score the chunks on the training
 * queue a few at a time (each heartbeating; a chunk already written is never written again), then finish (totals,
 * rejected-share guardrail, manifest). A worker killed mid-job costs only its unfinished chunks.
 */
export async function batchScoring(input: BatchScoringInput): Promise<BatchSummary> {
  const startedAt = new Date(workflowInfo().startTime).toISOString();
  const status: BatchScoringStatus = { phase: 'planning', chunksDone: 0, rowsDone: 0, rowsRejected: 0 };
  setHandler(batchStatusQuery, () => status);
  const retry = {
    initialInterval: '1s',
    maximumInterval: '30s',
    maximumAttempts: 20,
    nonRetryableErrorTypes: ['BatchJobError'],
  };
  const heavy = proxyActivities<BatchActivities>({
    taskQueue: input.trainingQueue,
    startToCloseTimeout: '6 hours',
    heartbeatTimeout: input.heartbeatTimeout ?? '60s',
    retry,
  });
  const light = proxyActivities<BatchActivities>({
    taskQueue: input.trainingQueue,
    startToCloseTimeout: '10 minutes',
    retry,
  });
  let plan: BatchPlan | undefined;
  try {
    plan = await heavy.planBatchJob({
      model: input.model,
      request: input.request,
      requestedBy: input.requestedBy,
      trigger: input.trigger ?? 'api',
    });
    const planned = plan;
    Object.assign(status, { phase: 'scoring', chunks: plan.chunks, rowsTotal: plan.rowsTotal });
    let next = 0;
    const lane = async () => {
      while (next < planned.chunks) {
        const index = next++;
        const result = await heavy.scoreBatchChunk({ plan: planned, index });
        status.chunksDone += 1;
        status.rowsDone += result.rows;
        status.rowsRejected += result.rejected;
      }
    };
    await Promise.all(Array.from({ length: Math.min(plan.parallelism, Math.max(1, plan.chunks)) }, lane));
    status.phase = 'finishing';
    const summary = await light.finishBatchJob({ plan, startedAt });
    status.phase = 'done';
    return summary;
  } catch (err) {
    status.phase = 'failed';
    const message = messageOf(err);
    await light.failBatchJob({ jobId: workflowInfo().workflowId, error: message });
    throw ApplicationFailure.create({
      type: 'BatchJobFailed',
      message: `Batch job ${workflowInfo().workflowId} (${input.model}) failed: ${message}`,
      nonRetryable: true,
    });
  }
}
