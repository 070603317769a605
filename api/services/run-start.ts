import { createHash, randomBytes } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Principal } from '../../lib/auth';
import { canonicalJson } from '../../lib/metadata/step-cache';
import { getRun, recordRunStart, updateRun } from '../../lib/metadata/runs';
import { UnknownPipelineError } from '../../lib/pipeline/store';
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
 * Starts mlPipeline with the run id as workflow id, pinned to the pipeline's current spec version. Everything that
 * can be refused is checked, and the run's row written, before the workflow starts: a request either fails with a
 * 4xx and leaves nothing behind, or starts exactly one run that its row describes. With an Idempotency-Key a
 * repeated request (a client retry after a timeout, even one that reached Temporal before the API crashed) finds
 * the same run instead of a second.
 */
export async function startRun(deps: ApiDeps, metrics: ApiMetrics, input: StartRunInput): Promise<StartedRun> {
  let resolved;
  try {
    resolved = await deps.pipelines.resolve(input.pipeline, input.params);
  } catch (err) {
    metrics.runsStarted.inc({
      pipeline: err instanceof UnknownPipelineError ? 'unknown' : input.pipeline,
      result: 'rejected',
    });
    throw err;
  }
  const claim = input.idempotencyKey
    ? await claimRunId(deps, input, input.idempotencyKey)
    : { runId: newRunId(input.pipeline), replay: false };
  // Idempotent: a replayed request (or one whose first attempt crashed before this line) leaves one row.
  await recordRunStart(deps.db, {
    runId: claim.runId,
    pipeline: input.pipeline,
    specHash: resolved.specHash,
    specVersion: resolved.specVersion,
    startedBy: input.principal.id,
    trigger: 'api',
    params: resolved.parameters,
  });
  let alreadyClosed = false;
  try {
    await deps.temporal.workflow.start<typeof mlPipeline>('mlPipeline', {
      taskQueue: deps.settings.taskQueue,
      workflowId: claim.runId,
      args: [
        {
          pipeline: input.pipeline,
          params: resolved.parameters,
          specHash: resolved.specHash,
          trigger: { kind: 'api', by: input.principal.id },
        },
      ],
      typedSearchAttributes: runSearchAttributes({ pipeline: input.pipeline, model: resolved.model, trigger: 'api' }),
      // What the Temporal UI shows as the run's summary and details.
      staticSummary: `${input.pipeline} → ${resolved.model}, started by ${input.principal.id}`,
      staticDetails: runDetails(resolved.specHash, resolved.parameters),
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError && claim.replay)) {
      metrics.runsStarted.inc({ pipeline: input.pipeline, result: 'failed' });
      if (!claim.replay) {
        // The row must not claim a run that never started: it records why (the 503 tells the caller to retry).
        await updateRun(deps.db, {
          runId: claim.runId,
          status: 'failed',
          error: 'The run could not be started: Temporal did not accept it.',
          ended: true,
        }).catch(() => undefined);
      }
      throw err;
    }
    alreadyClosed = true;
  }
  metrics.runsStarted.inc({ pipeline: input.pipeline, result: claim.replay ? 'deduplicated' : 'started' });
  const status =
    claim.replay || alreadyClosed ? ((await getRun(deps.db, claim.runId))?.status ?? 'running') : 'running';
  return { runId: claim.runId, status, deduplicated: claim.replay };
}

/** Markdown for the Temporal UI: the spec version and the parameters the run was started with. */
function runDetails(specHash: string | undefined, parameters: Record<string, unknown>): string {
  const params = Object.entries(parameters).map(([name, value]) => `\`${name}\` = \`${JSON.stringify(value)}\``);
  return [
    `spec version \`${specHash?.slice(0, 12) ?? 'current'}\``,
    params.length ? `parameters: ${params.join(', ')}` : 'default parameters',
  ].join(' · ');
}
