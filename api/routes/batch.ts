import { randomUUID } from 'node:crypto';
import { Transform } from 'node:stream';
import { loadBatchConfig, uploadKey } from '../../lib/batch/config';
import { chunkTotals, getBatchJob, listBatchJobs, progressOf } from '../../lib/batch/jobs';
import { getDeployment, getVersion } from '../../lib/registry';
import { batchJobWorkflowId, batchScoring } from '../../workflows/batch/workflow';
import { recordAudit } from '../../lib/audit';
import { temporalUiLink, type ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import { defineRoute } from '../http/route';
import { iso, isoRequired } from '../schemas/common';
import {
  BatchJobList,
  BatchJobParams,
  BatchJobView,
  BatchListQuery,
  BatchParams,
  BatchStartBody,
  BatchScheduleBody,
  BatchScheduleParams,
  BatchScheduleResponse,
  BatchStartResponse,
  UploadHeaders,
  UploadResponse,
} from '../schemas/batch';
import { deleteBatchSchedule, setBatchSchedule } from '../services/batch-schedules';
import { requireModel } from './registry';

// Batch scoring is an operator's job (it reads data and writes outputs); reading job status is for viewers.
const OPERATE = { role: 'operator' } as const;
const READ = { role: 'viewer' } as const;
const tags = ['batch'];

type JobRow = Record<string, unknown> & {
  job_id: string;
  rows_total: string | number | null;
  chunks_total: number | null;
  started_at: Date;
  status: string;
};

async function jobView(deps: ApiDeps, job: JobRow) {
  const totals = await chunkTotals(deps.db, job.job_id);
  const model = job.model as string;
  return {
    jobId: job.job_id,
    model,
    version: (job.version as number | null) ?? null,
    slot: (job.slot as string | null) ?? null,
    status: job.status as 'running' | 'succeeded' | 'failed' | 'cancelled',
    requestedBy: job.requested_by as string,
    trigger: job.trigger as string,
    input: job.input as Record<string, unknown>,
    output: job.output as Record<string, unknown>,
    options: job.options as Record<string, unknown>,
    progress: progressOf(job, totals),
    outputLocation: (job.output_location as string | null) ?? null,
    rejectsLocation: totals.rowsRejected > 0 ? ((job.rejects_location as string | null) ?? null) : null,
    error: (job.error as string | null) ?? null,
    startedAt: isoRequired(job.started_at),
    endedAt: iso(job.ended_at as Date | null),
    links: {
      self: `/v1/models/${encodeURIComponent(model)}/batch-predictions/${encodeURIComponent(job.job_id)}`,
      temporal: temporalUiLink(deps.settings, job.job_id),
    },
  };
}

export function batchRoutes(deps: ApiDeps) {
  const batchConfig = loadBatchConfig();
  return [
    defineRoute({
      operationId: 'uploadBatchInput',
      method: 'post',
      path: '/v1/models/:name/batch-predictions/uploads',
      summary: 'Upload a CSV file to score with a batch job (streamed to the artifact store)',
      description:
        'The request body is the CSV file itself (Content-Type: text/csv), at most BATCH_UPLOAD_MAX_BYTES. ' +
        'The answer names the upload; start a job with input {"kind": "upload", "uploadId": ...}.',
      tags,
      access: OPERATE,
      request: { params: BatchParams, headers: UploadHeaders },
      responses: { 201: UploadResponse },
      errors: [400, 401, 403, 404, 413, 503],
      async handle({ params, req, principal }) {
        await requireModel(deps, params.name);
        if (!deps.store) throw new ApiError(503, 'STORE_UNAVAILABLE', 'This API has no artifact store configured.');
        const uploadId = randomUUID();
        const key = uploadKey(uploadId);
        let bytes = 0;
        let tooLarge = false;
        const limited = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            bytes += chunk.length;
            if (bytes > batchConfig.uploadMaxBytes) {
              tooLarge = true;
              done(new Error('upload too large'));
            } else done(null, chunk);
          },
        });
        req.on('error', (err) => limited.destroy(err));
        try {
          await deps.store.put(key, req.pipe(limited));
        } catch (err) {
          await deps.store.delete(key).catch(() => undefined);
          if (tooLarge) {
            throw new ApiError(
              413,
              'PAYLOAD_TOO_LARGE',
              `The upload is larger than ${batchConfig.uploadMaxBytes} bytes (BATCH_UPLOAD_MAX_BYTES): put the file in S3 under a data prefix and give input {"kind": "s3"}.`,
            );
          }
          throw err;
        }
        await recordAudit(deps.db, {
          actor: principal.id,
          action: 'batch.upload',
          target: `model:${params.name}`,
          details: { uploadId, bytes },
        });
        return { status: 201, body: { uploadId, bytes } };
      },
    }),
    defineRoute({
      operationId: 'startBatchPrediction',
      method: 'post',
      path: '/v1/models/:name/batch-predictions',
      summary: 'Score a whole S3 object or PostgreSQL table with a model version, as a durable job',
      description:
        'The input is split into chunks scored on the training workers (heartbeating; a killed worker resumes at ' +
        'the last finished chunk and no output row is written twice). Rows that break the model input contract ' +
        'go to a rejects CSV with the reason. Poll GET .../batch-predictions/{jobId} for progress.',
      tags,
      access: OPERATE,
      request: { params: BatchParams, body: BatchStartBody },
      responses: { 202: BatchStartResponse },
      errors: [400, 401, 403, 404],
      async handle({ params, body, principal }) {
        await requireModel(deps, params.name);
        if (body.version !== undefined && !(await getVersion(deps.db, params.name, body.version))) {
          throw new ApiError(404, 'VERSION_NOT_FOUND', `Model ${params.name} has no version ${body.version}.`);
        }
        if (body.version === undefined && !(await getDeployment(deps.db, params.name, body.slot ?? 'production'))) {
          throw new ApiError(
            404,
            'MODEL_NOT_DEPLOYED',
            `Model ${params.name} has no version in ${body.slot ?? 'production'}: give "version" or deploy one first.`,
          );
        }
        const jobId = batchJobWorkflowId(params.name, randomUUID());
        await deps.temporal.workflow.start(batchScoring, {
          taskQueue: deps.settings.taskQueue,
          workflowId: jobId,
          args: [
            {
              model: params.name,
              request: body,
              requestedBy: principal.id,
              trigger: 'api',
              trainingQueue: deps.settings.trainingTaskQueue ?? 'mlops-training',
              heartbeatTimeout: deps.settings.batchHeartbeatTimeout,
            },
          ],
        });
        await recordAudit(deps.db, {
          actor: principal.id,
          action: 'batch.start',
          target: `model:${params.name}`,
          details: { jobId, input: body.input, output: body.output, version: body.version, slot: body.slot },
        });
        const self = `/v1/models/${encodeURIComponent(params.name)}/batch-predictions/${encodeURIComponent(jobId)}`;
        return { status: 202, body: { jobId, links: { self, temporal: temporalUiLink(deps.settings, jobId) } } };
      },
    }),
    defineRoute({
      operationId: 'listBatchPredictions',
      method: 'get',
      path: '/v1/models/:name/batch-predictions',
      summary: "A model's batch scoring jobs, newest first, with progress",
      tags,
      access: READ,
      request: { params: BatchParams, query: BatchListQuery },
      responses: { 200: BatchJobList },
      errors: [400, 401, 403, 404],
      async handle({ params, query }) {
        await requireModel(deps, params.name);
        const rows = (await listBatchJobs(deps.db, params.name, query.limit)) as JobRow[];
        const items = [];
        for (const row of rows) items.push(await jobView(deps, row));
        return { status: 200, body: { items } };
      },
    }),
    defineRoute({
      operationId: 'getBatchPrediction',
      method: 'get',
      path: '/v1/models/:name/batch-predictions/:jobId',
      summary: 'A batch scoring job: status, progress (rows done, rows/s, ETA), rejects and outputs',
      tags,
      access: READ,
      request: { params: BatchJobParams },
      responses: { 200: BatchJobView },
      errors: [400, 401, 403, 404],
      async handle({ params }) {
        const job = (await getBatchJob(deps.db, params.name, params.jobId)) as JobRow | undefined;
        if (!job) {
          // Started but not planned yet (the job row is written by the first activity).
          const running = await deps.temporal.workflow
            .getHandle(params.jobId)
            .describe()
            .then((d) => d.type === 'batchScoring' && d.status.name === 'RUNNING')
            .catch(() => false);
          if (running && params.jobId.startsWith(batchJobWorkflowId(params.name, ''))) {
            throw new ApiError(404, 'JOB_PENDING', `Batch job ${params.jobId} is starting: retry in a moment.`);
          }
          throw new ApiError(404, 'JOB_NOT_FOUND', `No batch job ${params.jobId} for model ${params.name}.`);
        }
        return { status: 200, body: await jobView(deps, job) };
      },
    }),
    defineRoute({
      operationId: 'setBatchPredictionSchedule',
      method: 'post',
      path: '/v1/models/:name/batch-predictions/schedules/:schedule',
      summary: 'Create or replace a schedule that starts a batch job (Temporal schedule, overlap SKIP; audited)',
      tags,
      access: OPERATE,
      request: { params: BatchScheduleParams, body: BatchScheduleBody },
      responses: { 200: BatchScheduleResponse },
      errors: [400, 401, 403, 404],
      async handle({ params, body, principal }) {
        await requireModel(deps, params.name);
        const result = await setBatchSchedule(deps, {
          model: params.name,
          name: params.schedule,
          request: body.job,
          interval: body.interval,
          cron: body.cron,
          paused: body.paused,
          principal,
        });
        return { status: 200, body: result };
      },
    }),
    defineRoute({
      operationId: 'deleteBatchPredictionSchedule',
      method: 'delete',
      path: '/v1/models/:name/batch-predictions/schedules/:schedule',
      summary: 'Delete a batch scoring schedule (jobs already started run on; audited)',
      tags,
      access: OPERATE,
      request: { params: BatchScheduleParams },
      responses: { 204: null },
      errors: [400, 401, 403, 404],
      async handle({ params, principal }) {
        await requireModel(deps, params.name);
        await deleteBatchSchedule(deps, params.name, params.schedule, principal);
        return { status: 204, body: undefined };
      },
    }),
  ];
}
