import { createHash, randomBytes } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Principal } from '../../lib/auth';
import { canonicalJson } from '../../lib/metadata/step-cache';
import { getRun, recordRunStart } from '../../lib/metadata/runs';
import type { mlPipeline } from '../../workflows/pipeline/workflow';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import type { ApiMetrics } from '../http/metrics';
import type { RunStatus } from '../schemas/runs';
import { runSearchAttributes } from './search-attributes';

export interface StartRunInput {
  pipeline: string;
  params: Record<string, unknown>;
  principal: Principal;
  idempotencyKey?: string;
}

export interface StartedRun {
  runId: string;
  status: RunStatus;
  deduplicated: boolean;
}

export function newRunId(pipeline: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${pipeline}-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** The run id an Idempotency-Key stands for; the same key with a different request is a client bug (409). */
async function claimRunId(
  deps: ApiDeps,
  input: StartRunInput,
  key: string,
): Promise<{ runId: string; replay: boolean }> {
  const requestHash = createHash('sha256')
    .update(canonicalJson({ pipeline: input.pipeline, params: input.params }))
    .digest('hex');
  const proposed = newRunId(input.pipeline);
  const scope = { principal: input.principal.id, key };
  await deps
    .db('api_idempotency_keys')
    .insert({ ...scope, request_hash: requestHash, run_id: proposed })
    .onConflict(['principal', 'key'])
    .ignore();
  const row = (await deps.db('api_idempotency_keys').where(scope).first()) as { request_hash: string; run_id: string };
  if (row.request_hash !== requestHash) {
    throw new ApiError(
      409,
      'IDEMPOTENCY_KEY_REUSED',
      `Idempotency-Key "${key}" was already used for a different request (run ${row.run_id}): use a new key for new parameters.`,
      { runId: row.run_id },
    );
  }
  return { runId: row.run_id, replay: row.run_id !== proposed };
}

/**
 * Starts mlPipeline with the run id as workflow id. With an Idempotency-Key a repeated request (a client retry
 * after a timeout, even one that reached Temporal before the API crashed) finds the same run instead of a second.
 */
export async function startRun(deps: ApiDeps, metrics: ApiMetrics, input: StartRunInput): Promise<StartedRun> {
  if (!deps.pipelines.list().includes(input.pipeline)) {
    metrics.runsStarted.inc({ pipeline: 'unknown', result: 'rejected' });
    throw new ApiError(
      404,
      'PIPELINE_NOT_FOUND',
      `No pipeline named "${input.pipeline}": GET /v1/pipelines lists the known ones.`,
      {
        known: deps.pipelines.list(),
      },
    );
  }
  let resolved;
  try {
    resolved = deps.pipelines.resolve(input.pipeline, input.params);
  } catch (err) {
    metrics.runsStarted.inc({ pipeline: input.pipeline, result: 'rejected' });
    throw err;
  }
  const claim = input.idempotencyKey
    ? await claimRunId(deps, input, input.idempotencyKey)
    : { runId: newRunId(input.pipeline), replay: false };
  let alreadyClosed = false;
  try {
    await deps.temporal.workflow.start<typeof mlPipeline>('mlPipeline', {
      taskQueue: deps.settings.taskQueue,
      workflowId: claim.runId,
      args: [{ pipeline: input.pipeline, params: input.params, trigger: { kind: 'api', by: input.principal.id } }],
      typedSearchAttributes: runSearchAttributes({ pipeline: input.pipeline, model: resolved.model, trigger: 'api' }),
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError && claim.replay)) {
      metrics.runsStarted.inc({ pipeline: input.pipeline, result: 'failed' });
      throw err;
    }
    alreadyClosed = true;
  }
  // The workflow records its own row too; both writes merge, so whichever lands first, one row remains.
  await recordRunStart(deps.db, {
    runId: claim.runId,
    pipeline: input.pipeline,
    specHash: resolved.specHash,
    trigger: 'api',
    params: input.params,
  });
  metrics.runsStarted.inc({ pipeline: input.pipeline, result: claim.replay ? 'deduplicated' : 'started' });
  const status =
    claim.replay || alreadyClosed ? ((await getRun(deps.db, claim.runId))?.status ?? 'running') : 'running';
  return { runId: claim.runId, status, deduplicated: claim.replay };
}
