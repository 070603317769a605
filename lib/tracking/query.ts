import type { Db } from '../db';
import type { PermutationImportance } from '../ml/importance/permutation';
import { trainingCurves, type EpochPoint } from '../metadata/training-epochs';
import type { RunRow } from '../metadata/runs';

// Readers of experiment tracking: one run's record (what it was made of, what each candidate scored) and several
// runs side by side. Everything comes from PostgreSQL, so it outlives the Temporal history of the run.

export interface TrackedCandidate {
  candidate: string;
  kind: string;
  hyperparameters: Record<string, unknown>;
  seed: number | null;
  backend: string | null;
  codeVersion: string | null;
  epochsRun: number | null;
  stoppedEarly: boolean | null;
  resumedFromEpoch: number | null;
  attempt: number | null;
  trainSeconds: number | null;
  evaluateSeconds: number | null;
  validationMetrics: Record<string, number> | null;
  testMetrics: Record<string, number> | null;
  validationRows: number | null;
  testRows: number | null;
  best: boolean;
  importance: PermutationImportance | null;
}

export interface TrackedRun {
  runId: string;
  pipeline: string;
  status: string;
  trigger: string;
  startedBy: string | null;
  startedAt: Date;
  endedAt: Date | null;
  durationSeconds: number | null;
  /** The stored spec version the run pinned (before its parameters were applied). */
  specHash: string;
  specVersion: number | null;
  /** The spec with the run's parameters applied; its content is at resolved_specs (stored once per hash). */
  resolvedSpecHash: string | null;
  codeVersion: string | null;
  /** SHA-256 of the raw bytes the run ingested. */
  dataVersion: string | null;
  seeds: Record<string, unknown>;
  params: Record<string, unknown>;
  rerunOf: string | null;
  artifactsRemovedAt: Date | null;
  best: string | null;
  candidates: TrackedCandidate[];
}

type TrackedRunRow = RunRow & {
  resolved_spec_hash: string | null;
  code_version: string | null;
  data_version: string | null;
  seeds: Record<string, unknown> | null;
  rerun_of: string | null;
  artifacts_removed_at: Date | null;
};

interface CandidateRow {
  run_id: string;
  candidate: string;
  kind: string;
  hyperparameters: Record<string, unknown>;
  seed: string | number | null;
  backend: string | null;
  code_version: string | null;
  epochs_run: number | null;
  stopped_early: boolean | null;
  resumed_from_epoch: number | null;
  attempt: number | null;
  train_seconds: number | null;
  evaluate_seconds: number | null;
  validation_metrics: Record<string, number> | null;
  test_metrics: Record<string, number> | null;
  validation_rows: number | null;
  test_rows: number | null;
  importance: PermutationImportance | null;
  best: boolean;
}

function candidateOf(r: CandidateRow): TrackedCandidate {
  return {
    candidate: r.candidate,
    kind: r.kind,
    hyperparameters: r.hyperparameters ?? {},
    seed: r.seed === null ? null : Number(r.seed),
    backend: r.backend,
    codeVersion: r.code_version,
    epochsRun: r.epochs_run,
    stoppedEarly: r.stopped_early,
    resumedFromEpoch: r.resumed_from_epoch,
    attempt: r.attempt,
    trainSeconds: r.train_seconds,
    evaluateSeconds: r.evaluate_seconds,
    validationMetrics: r.validation_metrics,
    testMetrics: r.test_metrics,
    validationRows: r.validation_rows,
    testRows: r.test_rows,
    best: r.best,
    importance: r.importance,
  };
}

function runOf(row: TrackedRunRow, candidates: TrackedCandidate[]): TrackedRun {
  const summary = (row.summary ?? {}) as { best?: string };
  const ended = row.ended_at ? new Date(row.ended_at) : null;
  return {
    runId: row.run_id,
    pipeline: row.pipeline,
    status: row.status,
    trigger: row.trigger,
    startedBy: row.started_by,
    startedAt: new Date(row.started_at),
    endedAt: ended,
    durationSeconds: ended ? (ended.getTime() - new Date(row.started_at).getTime()) / 1000 : null,
    specHash: row.spec_hash,
    specVersion: row.spec_version,
    resolvedSpecHash: row.resolved_spec_hash,
    codeVersion: row.code_version,
    dataVersion: row.data_version,
    seeds: row.seeds ?? {},
    params: row.params ?? {},
    rerunOf: row.rerun_of,
    artifactsRemovedAt: row.artifacts_removed_at,
    best: summary.best ?? candidates.find((c) => c.best)?.candidate ?? null,
    candidates,
  };
}

/** The tracked records of these runs, in the order asked; runs that do not exist are left out. */
export async function trackedRuns(db: Db, runIds: string[]): Promise<TrackedRun[]> {
  if (runIds.length === 0) return [];
  const [rows, candidates] = await Promise.all([
    db<TrackedRunRow>('pipeline_runs').whereIn('run_id', runIds).select('*') as Promise<TrackedRunRow[]>,
    db<CandidateRow>('run_candidates').whereIn('run_id', runIds).orderBy(['run_id', 'candidate']) as Promise<
      CandidateRow[]
    >,
  ]);
  const byRun = new Map<string, TrackedCandidate[]>();
  for (const c of candidates) byRun.set(c.run_id, [...(byRun.get(c.run_id) ?? []), candidateOf(c)]);
  const found = new Map(rows.map((r) => [r.run_id, runOf(r, byRun.get(r.run_id) ?? [])]));
  return runIds.flatMap((id) => found.get(id) ?? []);
}

export async function trackedRun(db: Db, runId: string): Promise<TrackedRun | undefined> {
  return (await trackedRuns(db, [runId]))[0];
}

/** The resolved spec content stored under this hash. */
export async function resolvedSpec(db: Db, hash: string): Promise<Record<string, unknown> | undefined> {
  const row = (await db('resolved_specs').where({ hash }).first('content')) as
    { content: Record<string, unknown> } | undefined;
  return row?.content;
}

export interface ParamDiff {
  name: string;
  /** The value per run id (undefined: the run has no value for it). */
  values: Record<string, unknown>;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The parameters whose values differ between the runs (a parameter missing in one run differs). */
export function paramsDiff(runs: Array<{ runId: string; params: Record<string, unknown> }>): ParamDiff[] {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  return names.flatMap((name) => {
    const values = Object.fromEntries(runs.map((r) => [r.runId, r.params[name]]));
    const first = runs[0]?.params[name];
    const differs = runs.some((r) => !(name in r.params) || !sameValue(r.params[name], first));
    return differs ? [{ name, values }] : [];
  });
}

/** Hyperparameters of one candidate (same name) that differ between runs, flattened as `candidate.key`. */
export function hyperparameterDiff(runs: TrackedRun[]): ParamDiff[] {
  const flat = runs.map((r) => ({
    runId: r.runId,
    params: Object.fromEntries(
      r.candidates.flatMap((c) => Object.entries(c.hyperparameters).map(([k, v]) => [`${c.candidate}.${k}`, v])),
    ),
  }));
  return paramsDiff(flat);
}

export interface RunComparison {
  runs: TrackedRun[];
  /** Declared parameters whose values differ. */
  params: ParamDiff[];
  /** Candidate hyperparameters whose values differ. */
  hyperparameters: ParamDiff[];
  /** Which of spec, data and code differ between the runs. */
  differs: { spec: boolean; data: boolean; code: boolean };
  /** Every metric name of the chosen candidates: the test metric per run (null where it has none). */
  metrics: Array<{ metric: string; test: Record<string, number | null>; validation: Record<string, number | null> }>;
  /** Training curves of each run's chosen candidate (the latest attempt of each epoch). */
  curves: Record<string, { candidate: string | null; points: EpochPoint[] }>;
}

export async function compareRuns(db: Db, runIds: string[]): Promise<RunComparison> {
  const runs = await trackedRuns(db, runIds);
  const chosen = (r: TrackedRun) =>
    r.candidates.find((c) => c.candidate === r.best) ?? r.candidates.find((c) => c.best);
  const names = [
    ...new Set(
      runs.flatMap((r) => [
        ...Object.keys(chosen(r)?.testMetrics ?? {}),
        ...Object.keys(chosen(r)?.validationMetrics ?? {}),
      ]),
    ),
  ].sort();
  const metrics = names.map((metric) => ({
    metric,
    test: Object.fromEntries(runs.map((r) => [r.runId, chosen(r)?.testMetrics?.[metric] ?? null])),
    validation: Object.fromEntries(runs.map((r) => [r.runId, chosen(r)?.validationMetrics?.[metric] ?? null])),
  }));
  const curves: RunComparison['curves'] = {};
  for (const r of runs) {
    const candidate = chosen(r)?.candidate ?? r.best;
    const all = await trainingCurves(db, r.runId);
    curves[r.runId] = { candidate: candidate ?? null, points: candidate ? (all.get(candidate) ?? []) : [] };
  }
  const distinct = (f: (r: TrackedRun) => unknown) => new Set(runs.map((r) => JSON.stringify(f(r)))).size > 1;
  return {
    runs,
    params: paramsDiff(runs),
    hyperparameters: hyperparameterDiff(runs),
    differs: {
      spec: distinct((r) => r.resolvedSpecHash),
      data: distinct((r) => r.dataVersion),
      code: distinct((r) => r.codeVersion),
    },
    metrics,
    curves,
  };
}
