import { z } from 'zod';
import { Duration, Identifier, Links, NullableTimestamp, PipelineName, Timestamp } from './common';
import { RunParams } from './pipelines';

export const OverlapPolicy = z
  .enum(['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL'])
  .describe('What happens when a run is due while the previous one still runs');

const Cron = z
  .string()
  .trim()
  .regex(
    /^[0-9A-Za-z*/,?#-]+( +[0-9A-Za-z*/,?#-]+){4}$|^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/,
    'a 5-field cron expression such as "0 3 * * 1" or one of @yearly, @monthly, @weekly, @daily, @hourly',
  )
  .describe('Cron expression (UTC)');

export const ScheduleIdParams = z.object({ scheduleId: Identifier.describe('Schedule id') });

export const CreateScheduleBody = z
  .object({
    scheduleId: Identifier.optional().describe('Default: <pipeline>-retrain'),
    pipeline: PipelineName,
    params: RunParams,
    cron: Cron.optional(),
    interval: Duration.optional(),
    overlap: OverlapPolicy.default('SKIP'),
    catchupWindow: Duration.default('1h').describe('Missed runs later than this after an outage are skipped'),
    paused: z.boolean().optional().describe("Default: the spec's schedule.paused, else false"),
    note: z.string().max(500).optional(),
  })
  .refine((b) => !(b.cron && b.interval), { message: 'give cron or interval, not both', path: ['interval'] })
  .describe("cron or interval; when both are absent, the pipeline spec's schedule section is used");

export const UpdateScheduleBody = z
  .object({
    cron: Cron.optional(),
    interval: Duration.optional(),
    params: RunParams.unwrap().optional(),
    overlap: OverlapPolicy.optional(),
    catchupWindow: Duration.optional(),
    note: z.string().max(500).optional(),
  })
  .refine((b) => !(b.cron && b.interval), { message: 'give cron or interval, not both', path: ['interval'] })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'nothing to update', path: [] });

export const PauseBody = z.object({ note: z.string().max(500).optional() }).default({});
export const TriggerBody = z.object({ overlap: OverlapPolicy.optional() }).default({});

const ScheduledRun = z.object({ runId: z.string(), scheduledAt: Timestamp, startedAt: Timestamp });

export const ScheduleSummary = z.object({
  scheduleId: z.string(),
  pipeline: z.string(),
  cron: z.string().nullable(),
  interval: z.string().nullable(),
  paused: z.boolean(),
  note: z.string().nullable(),
  nextRunTimes: z.array(Timestamp),
  recentRuns: z.array(ScheduledRun),
  links: Links,
});
export type ScheduleSummary = z.infer<typeof ScheduleSummary>;

export const ScheduleDetail = ScheduleSummary.extend({
  params: z.record(z.string(), z.unknown()),
  overlap: OverlapPolicy,
  catchupWindowMs: z.number().int(),
  runningRuns: z.array(z.string()),
  actionsTaken: z.number().int(),
  skippedForOverlap: z.number().int(),
  createdAt: Timestamp,
  updatedAt: NullableTimestamp,
});
export type ScheduleDetail = z.infer<typeof ScheduleDetail>;

export const ListSchedulesQuery = z.object({ pipeline: PipelineName.optional() });
export const ListSchedulesResponse = z.object({ items: z.array(ScheduleSummary) });
export const TriggerResponse = z.object({ scheduleId: z.string(), triggered: z.literal(true) });
