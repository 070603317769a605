import type { ScheduleDescription, ScheduleOptions, ScheduleOverlapPolicy } from '@temporalio/client';
import type { z } from 'zod';
import { recordAudit } from '../../lib/audit';
import type { Principal } from '../../lib/auth';
import type { PipelineInput } from '../../workflows/pipeline/workflow';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import { iso, isoRequired } from '../schemas/common';
import type { CreateScheduleBody, ScheduleDetail, UpdateScheduleBody } from '../schemas/schedules';
import { checkedBySdk } from './job-schedules';
import { runSearchAttributes } from './search-attributes';

// The schedule's own memo marks it as a pipeline schedule (set once at creation); the action's memo keeps the
// cron or interval as the user wrote them, because Temporal stores a cron only in compiled calendar form.
interface ScheduleMemo {
  mlopsPipeline: string;
  createdBy: string;
}
interface TimingMemo {
  cron: string | null;
  interval: string | null;
}

type Timing = { cron?: string; interval?: string };

function specFor(timing: Timing): ScheduleOptions['spec'] {
  return timing.cron ? { cronExpressions: [timing.cron] } : { intervals: [{ every: timing.interval as string }] };
}

function audit(
  deps: ApiDeps,
  principal: Principal,
  action: string,
  scheduleId: string,
  details: Record<string, unknown> = {},
) {
  return recordAudit(deps.db, {
    actor: principal.id,
    action: `schedule.${action}`,
    target: `schedule:${scheduleId}`,
    details,
  });
}

export async function createSchedule(
  deps: ApiDeps,
  body: z.output<typeof CreateScheduleBody>,
  principal: Principal,
): Promise<ScheduleDetail> {
  // Unknown pipeline: 404; parameters the spec does not declare, or values that do not fit: 400 naming each.
  const resolved = await deps.pipelines.resolve(body.pipeline, body.params);
  const fromSpec = resolved.schedule;
  const timing: Timing =
    body.cron || body.interval
      ? { cron: body.cron, interval: body.interval }
      : {
          cron: fromSpec?.cron,
          interval: typeof fromSpec?.interval === 'number' ? `${fromSpec.interval}ms` : fromSpec?.interval,
        };
  if (!timing.cron && !timing.interval) {
    throw new ApiError(
      400,
      'VALIDATION_FAILED',
      `Give body.cron or body.interval: pipeline ${body.pipeline} has no schedule section.`,
      {
        issues: [{ path: 'body.cron', message: 'cron or interval required' }],
      },
    );
  }
  const scheduleId = body.scheduleId ?? `${body.pipeline}-retrain`;
  // Scheduled runs use the spec's current version at each run; the four-eyes rule treats the schedule's creator as
  // the starter of every run it starts.
  const input: PipelineInput = {
    pipeline: body.pipeline,
    params: resolved.parameters,
    trigger: { kind: 'schedule', by: `schedule:${scheduleId}`, requestedBy: principal.id },
  };
  const timingMemo: TimingMemo = { cron: timing.cron ?? null, interval: timing.interval ?? null };
  const memo: ScheduleMemo = { mlopsPipeline: body.pipeline, createdBy: principal.id };
  await checkedBySdk(() =>
    deps.temporal.schedule.create({
      scheduleId,
      spec: specFor(timing),
      action: {
        type: 'startWorkflow',
        workflowType: 'mlPipeline',
        // Temporal appends the scheduled time, so every run gets its own id: <scheduleId>-<time>.
        workflowId: scheduleId,
        taskQueue: deps.settings.taskQueue,
        args: [input],
        memo: { mlopsSchedule: timingMemo },
        typedSearchAttributes: runSearchAttributes({
          pipeline: body.pipeline,
          model: resolved.model,
          trigger: 'schedule',
        }),
      },
      policies: { overlap: body.overlap, catchupWindow: body.catchupWindow },
      state: { paused: body.paused ?? fromSpec?.paused ?? false, note: body.note },
      memo: { ...memo },
    }),
  );
  await audit(deps, principal, 'create', scheduleId, { pipeline: body.pipeline, ...timingMemo, overlap: body.overlap });
  return describeSchedule(deps, scheduleId);
}

function pipelineOf(description: ScheduleDescription): string | undefined {
  return (description.memo as Partial<ScheduleMemo> | undefined)?.mlopsPipeline;
}

export function detailOf(description: ScheduleDescription): ScheduleDetail {
  const action = description.action;
  const timing = (action.memo?.mlopsSchedule ?? {}) as Partial<TimingMemo>;
  const input = (action.args?.[0] ?? {}) as Partial<PipelineInput>;
  const scheduleId = description.scheduleId;
  return {
    scheduleId,
    pipeline: pipelineOf(description) ?? input.pipeline ?? 'unknown',
    params: input.params ?? {},
    cron: timing.cron ?? null,
    interval: timing.interval ?? (description.spec.intervals?.[0] ? `${description.spec.intervals[0].every}ms` : null),
    paused: description.state.paused,
    note: description.state.note ?? null,
    overlap: description.policies.overlap as ScheduleDetail['overlap'],
    catchupWindowMs: description.policies.catchupWindow,
    nextRunTimes: description.info.nextActionTimes.map(isoRequired),
    recentRuns: description.info.recentActions.map((a) => ({
      runId: a.action.workflow.workflowId,
      scheduledAt: isoRequired(a.scheduledAt),
      startedAt: isoRequired(a.takenAt),
    })),
    runningRuns: description.info.runningActions.map((a) => a.workflow.workflowId),
    actionsTaken: description.info.numActionsTaken,
    skippedForOverlap: description.info.numActionsSkippedOverlap,
    createdAt: isoRequired(description.info.createdAt),
    updatedAt: iso(description.info.lastUpdatedAt),
    links: { self: `/v1/schedules/${encodeURIComponent(scheduleId)}` },
  };
}

/** Only pipeline schedules are visible through the API; any other schedule in the namespace is a 404. */
export async function describeSchedule(deps: ApiDeps, scheduleId: string): Promise<ScheduleDetail> {
  const description = await deps.temporal.schedule.getHandle(scheduleId).describe();
  if (!pipelineOf(description)) {
    throw new ApiError(
      404,
      'SCHEDULE_NOT_FOUND',
      `No pipeline schedule with id "${scheduleId}": GET /v1/schedules lists them.`,
    );
  }
  return detailOf(description);
}

const LIST_LIMIT = 500;

export async function listSchedules(deps: ApiDeps, filter: { pipeline?: string }): Promise<ScheduleDetail[]> {
  const ids: string[] = [];
  for await (const summary of deps.temporal.schedule.list({ pageSize: 100 })) {
    const pipeline = (summary.memo as Partial<ScheduleMemo> | undefined)?.mlopsPipeline;
    if (pipeline && (!filter.pipeline || pipeline === filter.pipeline)) ids.push(summary.scheduleId);
    if (ids.length >= LIST_LIMIT) break;
  }
  // Listing is eventually consistent; describing each schedule gives its current state.
  const described = await Promise.all(ids.map((id) => describeSchedule(deps, id).catch(() => undefined)));
  return described
    .filter((d): d is ScheduleDetail => d !== undefined)
    .sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

export async function updateSchedule(
  deps: ApiDeps,
  scheduleId: string,
  patch: z.output<typeof UpdateScheduleBody>,
  principal: Principal,
): Promise<ScheduleDetail> {
  const current = await describeSchedule(deps, scheduleId);
  const parameters = patch.params
    ? (await deps.pipelines.resolve(current.pipeline, patch.params)).parameters
    : undefined;
  const handle = deps.temporal.schedule.getHandle(scheduleId);
  await checkedBySdk(() =>
    handle.update((previous) => {
      const timing: Timing = patch.cron || patch.interval ? { cron: patch.cron, interval: patch.interval } : {};
      const input = {
        ...(previous.action.args?.[0] as PipelineInput),
        ...(parameters ? { params: parameters } : {}),
        // The principal who changes what the schedule runs becomes its requester for the four-eyes rule.
        ...(parameters
          ? { trigger: { kind: 'schedule' as const, by: `schedule:${scheduleId}`, requestedBy: principal.id } }
          : {}),
      };
      const previousTiming = (previous.action.memo?.mlopsSchedule ?? {}) as TimingMemo;
      const timingMemo: TimingMemo =
        timing.cron || timing.interval
          ? { cron: timing.cron ?? null, interval: timing.interval ?? null }
          : previousTiming;
      return {
        ...previous,
        spec: timing.cron || timing.interval ? specFor(timing) : previous.spec,
        action: { ...previous.action, args: [input], memo: { ...previous.action.memo, mlopsSchedule: timingMemo } },
        policies: {
          ...previous.policies,
          overlap: patch.overlap ?? previous.policies.overlap,
          catchupWindow: patch.catchupWindow ?? previous.policies.catchupWindow,
        },
        state: { ...previous.state, note: patch.note ?? previous.state.note },
      };
    }),
  );
  await audit(deps, principal, 'update', scheduleId, { ...patch });
  return describeSchedule(deps, scheduleId);
}

export async function setSchedulePaused(
  deps: ApiDeps,
  input: { scheduleId: string; paused: boolean; note?: string; principal: Principal },
): Promise<ScheduleDetail> {
  const current = await describeSchedule(deps, input.scheduleId);
  const handle = deps.temporal.schedule.getHandle(input.scheduleId);
  // Unpausing keeps why the schedule was paused in its note (the audit log has every note too).
  const earlier = !input.paused && current.paused && current.note ? ` (was paused: ${current.note})` : '';
  const note = `${input.note ?? `${input.paused ? 'paused' : 'unpaused'} by ${input.principal.id}`}${earlier}`;
  await (input.paused ? handle.pause(note) : handle.unpause(note));
  await audit(deps, input.principal, input.paused ? 'pause' : 'unpause', input.scheduleId, { note });
  return describeSchedule(deps, input.scheduleId);
}

export async function triggerSchedule(
  deps: ApiDeps,
  input: { scheduleId: string; overlap?: ScheduleOverlapPolicy; principal: Principal },
): Promise<void> {
  const current = await describeSchedule(deps, input.scheduleId);
  await deps.temporal.schedule.getHandle(input.scheduleId).trigger(input.overlap ?? current.overlap);
  await audit(deps, input.principal, 'trigger', input.scheduleId, { overlap: input.overlap ?? current.overlap });
}

export async function deleteSchedule(
  deps: ApiDeps,
  input: { scheduleId: string; principal: Principal },
): Promise<void> {
  await describeSchedule(deps, input.scheduleId);
  await deps.temporal.schedule.getHandle(input.scheduleId).delete();
  await audit(deps, input.principal, 'delete', input.scheduleId);
}
