import { ScheduleNotFoundError } from '@temporalio/client';
import { recordAudit } from '../../lib/audit';
import type { Principal } from '../../lib/auth';
import type { BatchJobRequest } from '../../lib/batch/spec';
import { batchScoring, type BatchScoringInput } from '../../workflows/batch/workflow';
import { upsertWorkflowSchedule } from './job-schedules';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';

/** A batch schedule's Temporal id: each scheduled job's id is this plus the scheduled time. */
export function batchScheduleId(model: string, name: string): string {
  return `batch-${model}-${name}`;
}

/**
 * Creates or replaces a Temporal schedule that starts a batch job (overlap SKIP: a job still running when the next
 * one is due makes that one skip). The job resolves `slot` when it starts, so a schedule follows promotions.
 */
export async function setBatchSchedule(
  deps: ApiDeps,
  input: {
    model: string;
    name: string;
    request: BatchJobRequest;
    interval?: string;
    cron?: string;
    paused: boolean;
    principal: Principal;
  },
) {
  const scheduleId = batchScheduleId(input.model, input.name);
  const args: [BatchScoringInput] = [
    {
      model: input.model,
      request: input.request,
      requestedBy: input.principal.id,
      trigger: 'schedule',
      trainingQueue: deps.settings.trainingTaskQueue ?? 'mlops-training',
      heartbeatTimeout: deps.settings.batchHeartbeatTimeout,
    },
  ];
  const action = {
    type: 'startWorkflow' as const,
    workflowType: batchScoring,
    taskQueue: deps.settings.taskQueue,
    workflowId: scheduleId,
    args,
  };
  const shown = await upsertWorkflowSchedule(deps, {
    scheduleId,
    timing: { cron: input.cron, interval: input.interval },
    action,
    paused: input.paused,
    note: `batch scoring with ${input.model}`,
    memo: { mlopsBatchModel: input.model },
  });
  await recordAudit(deps.db, {
    actor: input.principal.id,
    action: 'batch.schedule',
    target: `model:${input.model}`,
    details: { scheduleId, interval: input.interval ?? null, cron: input.cron ?? null, paused: input.paused },
  });
  return {
    scheduleId,
    model: input.model,
    interval: input.interval ?? null,
    cron: input.cron ?? null,
    ...shown,
  };
}

export async function deleteBatchSchedule(deps: ApiDeps, model: string, name: string, principal: Principal) {
  const scheduleId = batchScheduleId(model, name);
  try {
    await deps.temporal.schedule.getHandle(scheduleId).delete();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) {
      throw new ApiError(404, 'SCHEDULE_NOT_FOUND', `No batch schedule ${name} for model ${model}.`);
    }
    throw err;
  }
  await recordAudit(deps.db, {
    actor: principal.id,
    action: 'batch.unschedule',
    target: `model:${model}`,
    details: { scheduleId },
  });
}
