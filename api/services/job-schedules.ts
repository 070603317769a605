import { ScheduleNotFoundError, type ScheduleOptionsAction } from '@temporalio/client';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';

/**
 * Creates or replaces a schedule that starts one workflow (batch scoring, feature materialization): an existing
 * schedule keeps its history and takes the new timing, action and paused state. Returns what the API shows of it.
 */
export async function upsertWorkflowSchedule(
  deps: ApiDeps,
  input: {
    scheduleId: string;
    timing: { cron?: string; interval?: string };
    action: ScheduleOptionsAction;
    paused: boolean;
    note: string;
    memo: Record<string, unknown>;
  },
): Promise<{ paused: boolean; nextRunTimes: string[] }> {
  const { scheduleId, timing, action, paused } = input;
  const spec = timing.cron ? { cronExpressions: [timing.cron] } : { intervals: [{ every: timing.interval as string }] };
  const handle = deps.temporal.schedule.getHandle(scheduleId);
  await checkedBySdk(async () => {
    try {
      await handle.update((previous) => ({ ...previous, spec, action, state: { ...previous.state, paused } }));
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      await deps.temporal.schedule.create({
        scheduleId,
        spec,
        action,
        policies: { overlap: 'SKIP', catchupWindow: '1h' },
        state: { paused, note: input.note },
        memo: input.memo,
      });
    }
  });
  const description = await handle.describe();
  return {
    paused: description.state.paused,
    nextRunTimes: description.info.nextActionTimes.slice(0, 5).map((t) => t.toISOString()),
  };
}

/**
 * The SDK compiles cron strings and durations itself and throws a TypeError for one it cannot read: that is the
 * caller's value, answered 400 with the SDK's words, not a 500.
 */
export async function checkedBySdk<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof TypeError || err instanceof RangeError) {
      throw new ApiError(400, 'INVALID_SCHEDULE', `Temporal cannot use this schedule: ${err.message}.`);
    }
    throw err;
  }
}
