import { createHash } from 'node:crypto';
import { ApplicationFailure, Context, activityInfo } from '@temporalio/activity';
import { loadBatchConfig, stagedChunkKey, type BatchConfig } from '../../lib/batch/config';
import { splitCsvIntoChunks } from '../../lib/batch/chunks';
import { readCsvText } from '../../lib/batch/csv';
import { outputNameClash, rejectsCsv, scoredCsv, scoredParquet } from '../../lib/batch/encode';
import {
  chunkTotals,
  completedChunk,
  finishBatchJob,
  recordBatchJob,
  recordBatchSplit,
  type ChunkResult,
} from '../../lib/batch/jobs';
import { chunkRow, commitChunkRows, prepareOutputTable, type ChunkCompletion } from '../../lib/batch/postgres-output';
import { assertInputColumns, passthroughColumns, scoreChunk, type ScoredChunk } from '../../lib/batch/score';
import { BatchJobRequest, type BatchJobRequestInput, type BatchOutputSpec } from '../../lib/batch/spec';
import { MlError } from '../../lib/ml/errors';
import { getDeployment, getVersion, getVersionById, RegistryError } from '../../lib/registry';
import { logPredictions } from '../../lib/serving/prediction-log';
import { openBatchInput } from './input';
import { createModelCache, type ModelCache } from './model-cache';
import type { ActivityDeps } from '../deps';

export interface PlanBatchInput {
  model: string;
  /** Parsed again here: a schedule's stored request may predate the current schema. */
  request: BatchJobRequestInput;
  requestedBy: string;
  trigger: 'api' | 'schedule';
}

/** What every chunk activity needs to know about its job: small (keys and numbers, never data). */
export interface BatchPlan {
  jobId: string;
  model: string;
  versionId: number;
  version: number;
  slot?: 'production' | 'staging';
  chunks: number;
  chunkRows: number;
  rowsTotal: number;
  passthrough: string[];
  output: BatchOutputSpec;
  /** S3 folder of the output parts (S3 outputs) and of the rejects (every output). */
  outputBase: string;
  rejectsBase: string;
  parallelism: number;
  logSampleRate: number;
  maxRejectedRatio: number;
}

export interface BatchSummary {
  jobId: string;
  model: string;
  version: number;
  rowsTotal: number;
  rowsScored: number;
  rowsRejected: number;
  chunks: number;
  outputLocation: string;
  rejectsLocation: string | null;
  seconds: number;
}

/** A request, input or model that is wrong fails the same way on every attempt. */
function permanent(err: unknown): unknown {
  if (err instanceof MlError) {
    return ApplicationFailure.create({
      type: 'BatchJobError',
      message: err.message,
      nonRetryable: true,
      details: [{ code: err.code, ...err.details }],
    });
  }
  if (err instanceof RegistryError) {
    return ApplicationFailure.create({ type: 'BatchJobError', message: err.message, nonRetryable: true });
  }
  return err;
}

function refuse(message: string): never {
  throw ApplicationFailure.create({ type: 'BatchJobError', message, nonRetryable: true });
}

async function guarded<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw permanent(err);
  }
}

function jobIdOfActivity(): string {
  const info = activityInfo();
  return info.workflowExecution?.workflowId ?? `standalone-${info.activityId}`;
}

const part = (index: number) => `part-${String(index).padStart(6, '0')}`;

/** A deterministic request id per (job, chunk): a retried chunk replaces its prediction-log rows. */
function chunkRequestId(jobId: string, index: number): string {
  const h = createHash('sha256').update(`batch:${jobId}:${index}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function outputFolder(model: string, output: BatchOutputSpec, jobId: string, config: BatchConfig): string {
  if (output.kind === 's3') {
    const prefix = output.prefix ? output.prefix.replace(/\/?$/, '/') : `batch-predictions/${model}/`;
    if (!config.outputPrefixes.some((p) => prefix.startsWith(p))) {
      refuse(
        `Output prefix ${prefix} is outside the prefixes batch outputs may be written under (${config.outputPrefixes.join(', ')}).`,
      );
    }
    return `${prefix}${jobId}/`;
  }
  return `batch-predictions/${model}/${jobId}/`;
}

async function resolveVersion(deps: ActivityDeps, model: string, request: BatchJobRequest) {
  if (request.version !== undefined) {
    const row = await getVersion(deps.db, model, request.version);
    if (!row) refuse(`Model ${model} has no version ${request.version}.`);
    return { row, slot: undefined };
  }
  const slot = request.slot ?? 'production';
  const deployment = await getDeployment(deps.db, model, slot);
  if (!deployment) refuse(`Model ${model} has no version deployed in ${slot}: give a version, or deploy one first.`);
  return { row: await getVersionById(deps.db, deployment.model_version_id), slot };
}

/**
 * Batch scoring activities (training worker, where the model backends are). A worker keeps the last loaded
 * versions in memory, so the chunks of a job load the model once.
 */
export function createBatchActivities(deps: ActivityDeps & { batch?: BatchConfig; models?: ModelCache }) {
  const config = deps.batch ?? loadBatchConfig();
  const models = deps.models ?? createModelCache(deps);

  return {
    /** Resolves the version, checks the input against it and stages the input as chunk objects (heartbeating). */
    async planBatchJob(input: PlanBatchInput): Promise<BatchPlan> {
      return guarded(async () => {
        const parsed = BatchJobRequest.safeParse(input.request);
        if (!parsed.success) {
          refuse(
            `Invalid batch request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          );
        }
        const request = parsed.data;
        const jobId = jobIdOfActivity();
        const { row, slot } = await resolveVersion(deps, input.model, request);
        const model = await models.get(row.id);
        const outputBase = outputFolder(input.model, request.output, jobId, config);
        await recordBatchJob(deps.db, {
          jobId,
          model: input.model,
          versionId: row.id,
          version: row.version,
          slot,
          requestedBy: input.requestedBy,
          trigger: input.trigger,
          input: request.input,
          output: request.output,
          options: request.options,
        });
        const opened = await openBatchInput(deps, request.input);
        let chunks = 0;
        let rowsTotal = 0;
        let passthrough: string[] = [];
        try {
          for await (const chunk of splitCsvIntoChunks(opened.stream, request.options.chunkRows)) {
            if (chunk.index === 0) {
              assertInputColumns(model, chunk.header);
              passthrough = passthroughColumns(chunk.header, request.options.passthrough);
              const fitted = model.fitted;
              const shape = {
                passthrough,
                task: fitted?.task ?? 'regression',
                classes: (fitted?.label.classes ?? []).map(String),
              };
              const clash = outputNameClash(shape);
              if (clash)
                refuse(
                  `Input column "${clash}" has the name of an output column: leave it out with options.passthrough.`,
                );
              if (request.output.kind === 'postgres') {
                await prepareOutputTable(deps.db, { table: request.output.table, mode: request.output.mode, shape });
              }
            }
            await deps.store.put(stagedChunkKey(jobId, chunk.index), chunk.text);
            chunks += 1;
            rowsTotal += chunk.rows;
            Context.current().heartbeat({ chunks, rowsTotal });
          }
        } finally {
          opened.stream.destroy();
        }
        await opened.done;
        const outputLocation =
          request.output.kind === 's3'
            ? deps.store.uri(outputBase.replace(/\/$/, ''))
            : `postgres:batch_predictions.${request.output.table}`;
        await recordBatchSplit(deps.db, {
          jobId,
          rowsTotal,
          chunksTotal: chunks,
          outputLocation,
          rejectsLocation: deps.store.uri(`${outputBase}rejects`),
        });
        deps.log.info({ jobId, model: input.model, version: row.version, chunks, rowsTotal }, 'batch job planned');
        return {
          jobId,
          model: input.model,
          versionId: row.id,
          version: row.version,
          slot,
          chunks,
          chunkRows: request.options.chunkRows,
          rowsTotal,
          passthrough,
          output: request.output,
          outputBase,
          rejectsBase: `${outputBase}rejects/`,
          parallelism: request.options.parallelism,
          logSampleRate: request.options.logSampleRate,
          maxRejectedRatio: request.options.maxRejectedRatio,
        };
      });
    },

    /**
     * Scores one chunk and writes it, then marks it done. A chunk already marked done (an attempt that died after
     * writing) is not written again; S3 parts have fixed keys, PostgreSQL rows are replaced in the marking
     * transaction, so no output row is ever doubled.
     */
    async scoreBatchChunk(input: { plan: BatchPlan; index: number }): Promise<ChunkResult> {
      return guarded(async () => {
        const { plan, index } = input;
        const done = await completedChunk(deps.db, plan.jobId, index);
        if (done) return done;
        const started = Date.now();
        const heartbeat = () => Context.current().heartbeat({ index });
        heartbeat();
        const model = await models.get(plan.versionId);
        const text = (await deps.store.getBytes(stagedChunkKey(plan.jobId, index))).toString('utf8');
        const records = await readCsvText(text);
        const firstRow = index * plan.chunkRows + 1;
        const scored = scoreChunk({ model, records, firstRow, passthrough: plan.passthrough });
        heartbeat();
        const rejectsKey = scored.rejects.length > 0 ? `${plan.rejectsBase}${part(index)}.csv` : null;
        if (rejectsKey) await deps.store.put(rejectsKey, rejectsCsv(scored.rejects));
        const completion: ChunkCompletion = {
          jobId: plan.jobId,
          chunkIndex: index,
          firstRow,
          rows: records.count,
          scored: scored.rowNumbers.length,
          rejected: scored.rejects.length,
          attempt: activityInfo().attempt,
          seconds: 0,
          outputKey: null,
          rejectsKey,
        };
        if (plan.output.kind === 's3') {
          const format = plan.output.format;
          completion.outputKey = `${plan.outputBase}${part(index)}.${format}`;
          await deps.store.put(
            completion.outputKey,
            format === 'csv' ? scoredCsv(scored) : await scoredParquet(scored),
          );
          heartbeat();
          completion.seconds = (Date.now() - started) / 1000;
          await deps.db('batch_chunks').insert(chunkRow(completion)).onConflict(['job_id', 'chunk_index']).ignore();
        } else {
          completion.seconds = (Date.now() - started) / 1000;
          await commitChunkRows(deps.config.database.url, { table: plan.output.table, scored, completion });
        }
        if (plan.logSampleRate > 0) await logSample(deps, plan, index, scored);
        return {
          index,
          rows: records.count,
          scored: completion.scored,
          rejected: completion.rejected,
          alreadyDone: false,
        };
      });
    },

    /** Totals, the rejected-share guardrail, a manifest beside S3 outputs, and the staged chunks removed. */
    async finishBatchJob(input: { plan: BatchPlan; startedAt: string }): Promise<BatchSummary> {
      const { plan } = input;
      const totals = await chunkTotals(deps.db, plan.jobId);
      if (totals.chunksDone !== plan.chunks) {
        throw new Error(`Batch job ${plan.jobId}: ${totals.chunksDone} of ${plan.chunks} chunks are marked done`);
      }
      const summary: BatchSummary = {
        jobId: plan.jobId,
        model: plan.model,
        version: plan.version,
        rowsTotal: plan.rowsTotal,
        rowsScored: totals.rowsScored,
        rowsRejected: totals.rowsRejected,
        chunks: plan.chunks,
        outputLocation:
          plan.output.kind === 's3'
            ? deps.store.uri(plan.outputBase.replace(/\/$/, ''))
            : `postgres:batch_predictions.${plan.output.table}`,
        rejectsLocation: totals.rowsRejected > 0 ? deps.store.uri(plan.rejectsBase.replace(/\/$/, '')) : null,
        seconds: (Date.now() - new Date(input.startedAt).getTime()) / 1000,
      };
      const ratio = plan.rowsTotal > 0 ? totals.rowsRejected / plan.rowsTotal : 0;
      const breached = ratio > plan.maxRejectedRatio;
      const error = breached
        ? `${totals.rowsRejected} of ${plan.rowsTotal} rows (${(ratio * 100).toFixed(1)} %) broke the model's input contract, more than options.maxRejectedRatio (${plan.maxRejectedRatio}); see the rejects at ${summary.rejectsLocation}.`
        : undefined;
      if (plan.output.kind === 's3') {
        await deps.store.put(
          `${plan.outputBase}_manifest.json`,
          JSON.stringify({ ...summary, status: breached ? 'failed' : 'succeeded' }, null, 2),
        );
      }
      await removeStaged(deps, plan.jobId);
      await finishBatchJob(deps.db, {
        jobId: plan.jobId,
        status: breached ? 'failed' : 'succeeded',
        totals,
        error,
        summary,
      });
      if (error) refuse(error);
      deps.log.info({ ...summary }, 'batch job finished');
      return summary;
    },

    /** Marks a job failed, unless finishing already recorded why (the rejected-share guardrail). */
    async failBatchJob(input: { jobId: string; error: string }): Promise<void> {
      const job = await deps.db('batch_jobs').where({ job_id: input.jobId }).first('status');
      if (job && job.status !== 'running') return;
      const totals = await chunkTotals(deps.db, input.jobId);
      await removeStaged(deps, input.jobId);
      await finishBatchJob(deps.db, { jobId: input.jobId, status: 'failed', totals, error: input.error, summary: {} });
    },
  };
}

async function removeStaged(deps: ActivityDeps, jobId: string): Promise<void> {
  for await (const object of deps.store.list(`batch-jobs/${jobId}/`)) await deps.store.delete(object.key);
}

/** A sample of the chunk's scored rows into the prediction log (monitoring), replacing an earlier attempt's. */
async function logSample(deps: ActivityDeps, plan: BatchPlan, index: number, scored: ScoredChunk): Promise<void> {
  const step = Math.max(1, Math.round(1 / plan.logSampleRate));
  const k = scored.classes.length;
  const rows: Array<Record<string, unknown>> = [];
  const predictions = [];
  for (let r = 0; r < scored.rowNumbers.length; r += step) {
    rows.push(Object.fromEntries(scored.passthrough.map((c, j) => [c, scored.cells[j]?.[r] ?? null])));
    const prediction = scored.predictions[r] as string | number;
    predictions.push(
      scored.task === 'classification'
        ? {
            prediction,
            probabilities: Object.fromEntries(
              scored.classes.map((c, j) => [c, scored.probabilities[r * k + j] as number]),
            ),
          }
        : { prediction },
    );
  }
  const requestId = chunkRequestId(plan.jobId, index);
  await deps.db('prediction_log').where({ request_id: requestId }).delete();
  await logPredictions(deps.db, {
    model: plan.model,
    slot: plan.slot ?? 'production',
    version: plan.version,
    versionId: plan.versionId,
    requestId,
    rows,
    predictions,
  });
}

export type BatchActivities = ReturnType<typeof createBatchActivities>;
