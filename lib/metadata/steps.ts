import type { Db } from '../db';

export type StepStatus = 'running' | 'succeeded' | 'failed' | 'cached' | 'skipped';

export interface StepKey {
  runId: string;
  step: string;
  attempt: number;
}

export interface StepRow {
  id: number;
  run_id: string;
  step: string;
  attempt: number;
  status: StepStatus;
  started_at: Date;
  ended_at: Date | null;
  error: string | null;
  details: Record<string, unknown>;
}

/**
 * One row per (run, step, attempt): a retried activity adds its own attempt row, a replayed write merges.
 * Earlier attempts still marked running never finished (their worker died): they are closed as failed.
 */
export async function recordStepStart(db: Db, key: StepKey): Promise<void> {
  if (key.attempt > 1) {
    await db('step_executions')
      .where({ run_id: key.runId, step: key.step, status: 'running' })
      .where('attempt', '<', key.attempt)
      .update({
        status: 'failed',
        ended_at: db.fn.now(),
        error: `attempt lost (worker stopped or timed out); attempt ${key.attempt} took over`,
      });
  }
  await db('step_executions')
    .insert({ run_id: key.runId, step: key.step, attempt: key.attempt, status: 'running' })
    .onConflict(['run_id', 'step', 'attempt'])
    .merge({ status: 'running', started_at: db.fn.now(), ended_at: null, error: null });
}

export async function recordStepEnd(
  db: Db,
  key: StepKey,
  outcome: { status: Exclude<StepStatus, 'running'>; error?: string; details?: Record<string, unknown> },
): Promise<void> {
  await db('step_executions')
    .insert({
      run_id: key.runId,
      step: key.step,
      attempt: key.attempt,
      status: outcome.status,
      ended_at: db.fn.now(),
      error: outcome.error ?? null,
      details: JSON.stringify(outcome.details ?? {}),
    })
    .onConflict(['run_id', 'step', 'attempt'])
    .merge(['status', 'ended_at', 'error', 'details']);
}

export async function listSteps(db: Db, runId: string): Promise<StepRow[]> {
  return db<StepRow>('step_executions')
    .where({ run_id: runId })
    .orderBy([{ column: 'started_at' }, { column: 'id' }]);
}
