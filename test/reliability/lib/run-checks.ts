// What a run that survived a fault must look like: one model version, no duplicated rows or objects, an ABT with
// exactly the clean rows, and training that resumed after its last checkpoint instead of repeating epochs.
import type { Client } from '@temporalio/client';
import type { Db } from '../../../lib/db';
import type { ArtifactStore } from '../../../lib/store';
import { lakeKey } from '../../../activities/data/ingest';
import type { Check } from './bad-input-runner';

export interface RunEvidence {
  /** Activities that needed more than one attempt, from the workflow history: "type ×attempts". */
  retried: string[];
  /** Failed attempt rows in step_executions (attempts that got far enough to record themselves). */
  failedStepAttempts: number;
  /** Training attempts that started after epoch 1 (resumed from a checkpoint), per candidate. */
  resumed: Record<string, number[]>;
  /** Attempts that kept training after their successor had started (both writing the same checkpoint key). */
  zombies: string[];
  checks: Check[];
}

interface EpochRow {
  candidate: string;
  epoch: number;
  attempt: number;
  checkpointed: boolean;
  at: Date;
}

/** Final attempt of every activity, from the history's ActivityTaskStarted events (written once per activity). */
async function retriedActivities(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, string>();
  const retried: string[] = [];
  for (const event of history.events ?? []) {
    const s = event.activityTaskScheduledEventAttributes;
    // Explicit activity ids (train:mlp) say more than the type; default ids are just sequence numbers.
    if (s)
      scheduled.set(
        String(event.eventId),
        /^\d+$/.test(s.activityId ?? '') ? (s.activityType?.name ?? '?') : (s.activityId ?? '?'),
      );
    const started = event.activityTaskStartedEventAttributes;
    if (started && (started.attempt ?? 1) > 1) {
      retried.push(`${scheduled.get(String(started.scheduledEventId)) ?? '?'} ×${started.attempt}`);
    }
  }
  return retried;
}

async function duplicateCount(db: Db, table: string, runId: string, keys: string[]): Promise<number> {
  const rows = await db(table).where({ run_id: runId }).groupBy(keys).havingRaw('count(*) > 1').select(keys);
  return rows.length;
}

/** Epochs an earlier attempt still finished after a later attempt of the same candidate had begun (a zombie). */
function overlaps(mine: EpochRow[], attempts: number[]): string[] {
  const found: string[] = [];
  for (const later of attempts.slice(1)) {
    const began = Math.min(...mine.filter((r) => r.attempt === later).map((r) => r.at.getTime()));
    const zombie = mine.filter((r) => r.attempt < later && r.at.getTime() > began);
    if (zombie.length > 0) {
      const epochs = zombie.map((r) => r.epoch);
      found.push(
        `attempt ${zombie[0]?.attempt} trained epochs ${Math.min(...epochs)}-${Math.max(...epochs)} after attempt ${later} began`,
      );
    }
  }
  return found;
}

/** Per candidate: epochs a later attempt re-ran although an earlier attempt had checkpointed them. */
function trainingChecks(rows: EpochRow[], epochs: Record<string, number>) {
  const checks: Check[] = [];
  const resumed: Record<string, number[]> = {};
  const zombies: string[] = [];
  for (const [candidate, total] of Object.entries(epochs)) {
    const mine = rows.filter((r) => r.candidate === candidate);
    const attempts = [...new Set(mine.map((r) => r.attempt))].sort((a, b) => a - b);
    const rerun: string[] = [];
    for (const attempt of attempts) {
      const checkpointedBefore = mine.filter((r) => r.attempt < attempt && r.checkpointed).map((r) => r.epoch);
      const last = Math.max(0, ...checkpointedBefore);
      const own = mine.filter((r) => r.attempt === attempt).map((r) => r.epoch);
      rerun.push(...own.filter((e) => e <= last).map((e) => `epoch ${e} in attempt ${attempt}`));
      if (Math.min(...own) > 1) (resumed[candidate] ??= []).push(Math.min(...own) - 1);
    }
    zombies.push(...overlaps(mine, attempts).map((o) => `${candidate}: ${o}`));
    const covered = new Set(mine.map((r) => r.epoch)).size;
    checks.push({
      name: `${candidate}: no checkpointed epoch re-run`,
      ok: rerun.length === 0,
      detail: rerun.join(', '),
    });
    checks.push({ name: `${candidate}: all ${total} epochs trained`, ok: covered === total, detail: `${covered}` });
  }
  return { checks, resumed, zombies };
}

/** Everything the fault suite asserts about one finished run. */
export async function checkRun(args: {
  db: Db;
  store: ArtifactStore;
  client: Client;
  runId: string;
  rawSha256: string;
  /** Epochs per candidate (early stopping off), to check that every epoch was trained exactly once. */
  epochs: Record<string, number>;
}): Promise<RunEvidence> {
  const { db, runId } = args;
  const checks: Check[] = [];
  const versions = await db('model_versions').where({ run_id: runId }).count({ n: '*' }).first();
  checks.push({ name: 'exactly one model version', ok: Number(versions?.n) === 1, detail: String(versions?.n) });
  const duplicates = {
    artifacts: await duplicateCount(db, 'artifacts', runId, ['run_id', 'step', 'name']),
    step_executions: await duplicateCount(db, 'step_executions', runId, ['run_id', 'step', 'attempt']),
    training_epochs: await duplicateCount(db, 'training_epochs', runId, ['run_id', 'candidate', 'epoch', 'attempt']),
    lineage_edges: await duplicateCount(db, 'lineage_edges', runId, ['from_artifact_id', 'to_artifact_id', 'relation']),
  };
  const dupes = Object.entries(duplicates).filter(([, n]) => n > 0);
  checks.push({
    name: 'no duplicate rows',
    ok: dupes.length === 0,
    detail: dupes.map(([t, n]) => `${t}: ${n}`).join(),
  });

  const validate = await db('step_executions')
    .where({ run_id: runId, step: 'validate' })
    .whereIn('status', ['succeeded', 'cached'])
    .first();
  const clean = Number(validate?.details?.rows) - Number(validate?.details?.quarantined);
  const abt = await db('artifacts').where({ run_id: runId, step: 'abt', name: 'abt' }).first();
  const table = String(abt?.uri ?? '').replace(/^postgres:/, '');
  const abtRows = table ? Number((await db.raw(`select count(*) as n from ${table}`)).rows[0]?.n) : -1;
  checks.push({ name: 'ABT rows = clean rows', ok: abtRows === clean && clean > 0, detail: `${abtRows} / ${clean}` });

  const sha = args.rawSha256;
  let lakeObjects = 0;
  for await (const _ of args.store.list(lakeKey(sha, 'csv').replace(/\.csv$/, ''))) lakeObjects += 1;
  checks.push({ name: 'one lake object for the raw hash', ok: lakeObjects === 1, detail: String(lakeObjects) });

  const epochRows: EpochRow[] = await db('training_epochs')
    .where({ run_id: runId })
    .select('candidate', 'epoch', 'attempt', 'checkpointed', 'at');
  const training = trainingChecks(epochRows, args.epochs);
  checks.push(...training.checks);
  const failed = await db('step_executions').where({ run_id: runId, status: 'failed' }).count({ n: '*' }).first();
  return {
    retried: await retriedActivities(args.client, runId),
    failedStepAttempts: Number(failed?.n ?? 0),
    resumed: training.resumed,
    zombies: training.zombies,
    checks,
  };
}
