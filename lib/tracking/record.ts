import type { Db } from '../db';
import { specDocumentHash } from '../pipeline/load';
import type { PipelineSpec } from '../pipeline/spec';
import type { PermutationImportance } from '../ml/importance/permutation';

// The writers of experiment tracking, called by the activities that know each fact when it becomes true: the run
// record (resolved spec, code version, seeds), ingest (data version), training, evaluation and the report (which
// candidate won). Every write is an idempotent upsert keyed by run (+ candidate): a retried activity rewrites its row.

/** Seeds a run's results depend on: the split's, and each candidate's own (kinds without one have none). */
export function seedsOf(spec: PipelineSpec): { split: number; candidates: Record<string, number> } {
  const candidates: Record<string, number> = {};
  for (const c of spec.candidates) {
    const seed = (c.hyperparameters as { seed?: unknown }).seed;
    if (typeof seed === 'number') candidates[c.name ?? c.kind] = seed;
  }
  return { split: spec.split.seed, candidates };
}

/**
 * The resolved spec (stored once per content hash), the code version and the seeds of a run. The run's row must
 * exist (the run record creates it first).
 */
export async function recordRunDefinition(
  db: Db,
  input: { runId: string; spec: PipelineSpec; codeVersion: string },
): Promise<string> {
  const hash = specDocumentHash(input.spec);
  await db('resolved_specs')
    .insert({ hash, pipeline: input.spec.name, content: JSON.stringify(input.spec) })
    .onConflict('hash')
    .ignore();
  await db('pipeline_runs')
    .where({ run_id: input.runId })
    .update({
      resolved_spec_hash: hash,
      code_version: input.codeVersion,
      seeds: JSON.stringify(seedsOf(input.spec)),
    });
  return hash;
}

/** The raw bytes (lake object SHA-256) the run ingested: its data version. */
export async function recordDataVersion(db: Db, runId: string, sha256: string): Promise<void> {
  await db('pipeline_runs').where({ run_id: runId }).update({ data_version: sha256 });
}

/** The data version the API pinned for a re-run (null for every other run). */
export async function pinnedDataVersion(db: Db, runId: string): Promise<string | null> {
  const row = (await db('pipeline_runs').where({ run_id: runId }).first('pinned_data_version')) as
    { pinned_data_version: string | null } | undefined;
  return row?.pinned_data_version ?? null;
}

export interface CandidateTraining {
  runId: string;
  candidate: string;
  kind: string;
  hyperparameters: Record<string, unknown>;
  backend: string;
  codeVersion: string;
  epochsRun: number;
  stoppedEarly: boolean;
  resumedFromEpoch: number;
  attempt: number;
  trainSeconds: number;
  modelArtifactId: number;
}

function jsonOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

export async function recordCandidateTraining(db: Db, t: CandidateTraining): Promise<void> {
  const seed = (t.hyperparameters as { seed?: unknown }).seed;
  const row = {
    run_id: t.runId,
    candidate: t.candidate,
    kind: t.kind,
    hyperparameters: JSON.stringify(t.hyperparameters),
    seed: typeof seed === 'number' ? seed : null,
    backend: t.backend,
    code_version: t.codeVersion,
    epochs_run: t.epochsRun,
    stopped_early: t.stoppedEarly,
    resumed_from_epoch: t.resumedFromEpoch,
    attempt: t.attempt,
    train_seconds: t.trainSeconds,
    model_artifact_id: t.modelArtifactId,
    trained_at: db.fn.now(),
  };
  const { run_id: _r, candidate: _c, ...update } = row;
  await db('run_candidates').insert(row).onConflict(['run_id', 'candidate']).merge(update);
}

export interface CandidateEvaluation {
  runId: string;
  candidate: string;
  kind: string;
  testMetrics: Record<string, number>;
  testRows: number;
  validationMetrics?: Record<string, number>;
  validationRows?: number;
  importance?: PermutationImportance;
  evaluateSeconds: number;
}

export async function recordCandidateEvaluation(db: Db, e: CandidateEvaluation): Promise<void> {
  const update = {
    test_metrics: JSON.stringify(e.testMetrics),
    test_rows: e.testRows,
    validation_metrics: jsonOrNull(e.validationMetrics),
    validation_rows: e.validationRows ?? null,
    importance: jsonOrNull(e.importance),
    evaluate_seconds: e.evaluateSeconds,
    evaluated_at: db.fn.now(),
  };
  await db('run_candidates')
    .insert({ run_id: e.runId, candidate: e.candidate, kind: e.kind, ...update })
    .onConflict(['run_id', 'candidate'])
    .merge(update);
}

/** The candidate the run chose (the report step knows it first). */
export async function recordBestCandidate(db: Db, runId: string, best: string): Promise<void> {
  await db('run_candidates')
    .where({ run_id: runId })
    .update({ best: db.raw('candidate = ?', [best]) });
}
