import { Context, activityInfo } from '@temporalio/activity';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logging';
import { recordStepEnd, recordStepStart, type StepKey } from '../lib/metadata/steps';
import { asPermanentFailure } from './failures';

export interface StepDeps {
  db: Db;
  log: Logger;
}

export interface StepContext extends StepKey {
  workflowId: string;
  log: Logger;
  heartbeat(details?: unknown): void;
}

/** Who is running: the workflow id is the run id; the attempt is Temporal's (1 on the first try). */
export function currentStep(step: string, log: Logger): StepContext {
  const info = activityInfo();
  const workflowId = info.workflowExecution?.workflowId ?? `standalone-${info.activityId}`;
  return {
    runId: workflowId,
    workflowId,
    step,
    attempt: info.attempt,
    log: log.child({ runId: workflowId, workflowId, step, attempt: info.attempt, activity: info.activityType }),
    heartbeat: (details?: unknown) => Context.current().heartbeat(details),
  };
}

export interface StepOutcome {
  /** The step reused a cached result instead of computing it. */
  cached?: boolean;
  details?: Record<string, unknown>;
}

/**
 * Runs one pipeline step with its execution row: running → succeeded | cached | failed, keyed by
 * run + step + attempt so that a retry adds its own attempt row and a replayed write changes nothing.
 */
export async function runStep<T>(
  deps: StepDeps,
  step: string,
  body: (ctx: StepContext) => Promise<T>,
  describe: (result: T) => StepOutcome = () => ({}),
): Promise<T> {
  const ctx = currentStep(step, deps.log);
  await recordStepStart(deps.db, ctx);
  ctx.log.info('step started');
  const started = Date.now();
  try {
    const result = await body(ctx);
    const outcome = describe(result);
    await recordStepEnd(deps.db, ctx, { status: outcome.cached ? 'cached' : 'succeeded', details: outcome.details });
    ctx.log.info({ durationMs: Date.now() - started, cached: Boolean(outcome.cached) }, 'step finished');
    return result;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await recordStepEnd(deps.db, ctx, { status: 'failed', error: message }).catch((dbErr: unknown) =>
      ctx.log.error({ err: dbErr }, 'could not record the step failure'),
    );
    ctx.log.error({ err, durationMs: Date.now() - started }, 'step failed');
    throw asPermanentFailure(err);
  }
}
