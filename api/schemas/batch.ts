import { z } from 'zod';
import { BatchJobRequest } from '../../lib/batch/spec';
import { Duration, Identifier, Links, ModelName, NullableTimestamp, Timestamp } from './common';

export const BatchParams = z.object({ name: ModelName });
export const BatchJobParams = z.object({ name: ModelName, jobId: z.string().min(1).max(200) });
export const BatchListQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export const BatchStartBody = BatchJobRequest;

export const BatchStartResponse = z.object({
  jobId: z.string().describe('The job id (its Temporal workflow id)'),
  links: Links,
});

const Progress = z.object({
  rowsTotal: z.number().int().nullable().describe('Input rows (known once the input is split into chunks)'),
  rowsDone: z.number().int(),
  rowsScored: z.number().int(),
  rowsRejected: z.number().int().describe('Rows that broke the input contract or got no finite prediction'),
  chunksTotal: z.number().int().nullable(),
  chunksDone: z.number().int(),
  rowsPerSecond: z.number().nullable(),
  etaSeconds: z.number().int().nullable(),
  percent: z.number().nullable(),
});

export const BatchJobView = z.object({
  jobId: z.string(),
  model: z.string(),
  version: z.number().int().nullable(),
  slot: z.string().nullable(),
  status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  requestedBy: z.string(),
  trigger: z.string(),
  input: z.record(z.string(), z.unknown()),
  output: z.record(z.string(), z.unknown()),
  options: z.record(z.string(), z.unknown()),
  progress: Progress,
  outputLocation: z.string().nullable(),
  rejectsLocation: z.string().nullable().describe('S3 folder of rejects CSVs (row_number, reason, row)'),
  error: z.string().nullable(),
  startedAt: Timestamp,
  endedAt: NullableTimestamp,
  links: Links,
});
export const BatchJobList = z.object({ items: z.array(BatchJobView) });

export const UploadHeaders = z.object({
  'content-type': z
    .string()
    .regex(/^(text\/csv|application\/octet-stream)\b/i, 'send the file as text/csv')
    .describe('text/csv'),
});
export const UploadResponse = z.object({
  uploadId: z.uuid().describe('Give it as input {"kind": "upload", "uploadId": ...}'),
  bytes: z.number().int(),
});

export const BatchScheduleParams = z.object({ name: ModelName, schedule: Identifier.describe('Schedule name') });
export const BatchScheduleBody = z
  .object({
    job: BatchJobRequest.describe('The job each run starts (as POST .../batch-predictions takes it)'),
    interval: Duration.optional().describe("How often, e.g. '1h', '1d'"),
    cron: z.string().min(9).max(200).optional().describe('Cron expression in UTC'),
    paused: z.boolean().default(false),
  })
  .refine((b) => Boolean(b.interval) !== Boolean(b.cron), { message: 'give exactly one of interval or cron' });
export const BatchScheduleResponse = z.object({
  scheduleId: z.string(),
  model: z.string(),
  interval: z.string().nullable(),
  cron: z.string().nullable(),
  paused: z.boolean(),
  nextRunTimes: z.array(Timestamp),
});
