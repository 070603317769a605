import { createHash } from 'node:crypto';
import { recordAudit } from '../audit';
import type { Db } from '../db';
import { psi } from '../ml/drift/statistics';
import { getProductionVersion, getVersionById, setStage } from '../registry';
import { histogramQuantile } from './compare';
import type { CanaryGuardrails } from './strategy';

// A canary rollout: the candidate answers a share of the production traffic of its model (deployment_routes, mode
// 'canary'), step by step, while the pipeline run compares it with production (serving_stats per arm, the
// prediction log and feedback). Every change is a deployment_events row (idempotent per run and step, so activity
// retries write it once) and an audit row.

export class CanaryError extends Error {
  constructor(
    readonly code: 'ROUTE_BUSY' | 'VERSION_NOT_FOUND',
    message: string,
  ) {
    super(message);
    this.name = 'CanaryError';
  }
}

/**
 * Where a caller key falls in [0, 1): the same key always lands in the same place for a model, in every API
 * process, so a caller stays on one arm while the share stays the same and, as the share grows, callers already on
 * the canary stay there.
 */
export function canaryBucket(model: string, callerKey: string): number {
  const digest = createHash('sha256').update(`${model}\u0000${callerKey}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/** The arm a request goes to: by its caller key where it has one, else at random (per request). */
export function chooseArm(
  model: string,
  sharePercent: number,
  callerKey: string | undefined,
  random: () => number,
): 'canary' | 'production' {
  const point = callerKey ? canaryBucket(model, callerKey) : random();
  return point < sharePercent / 100 ? 'canary' : 'production';
}

export interface CanaryRoute {
  model: string;
  candidateVersionId: number;
  productionVersionId: number | null;
  /** Percent of production traffic (0-100). */
  share: number;
  runId: string | null;
}

export async function getCanaryRoute(db: Db, model: string): Promise<CanaryRoute | undefined> {
  const row = await db('deployment_routes').where({ model, mode: 'canary' }).first();
  if (!row) return undefined;
  return {
    model,
    candidateVersionId: Number(row.candidate_version_id),
    productionVersionId: row.production_version_id === null ? null : Number(row.production_version_id),
    share: Number(row.share),
    runId: row.run_id as string | null,
  };
}

export interface StartCanaryInput {
  runId: string;
  versionId: number;
  /** Percent of traffic of the first step. */
  share: number;
  actor: string;
  reason: string;
  plan: Record<string, unknown>;
}

export type StartCanaryResult =
  | { started: true; model: string; productionVersionId: number; productionVersion: number; since: string }
  | { started: false; reason: string };

/**
 * Opens the canary route at the first step's share. A model with no production version has nothing to compare
 * with: no route is opened and the caller promotes directly. A shadow of the model gives way to the canary; another
 * run's canary is a conflict (ROUTE_BUSY). Idempotent for the same run (an activity retry).
 */
export async function startCanary(db: Db, input: StartCanaryInput): Promise<StartCanaryResult> {
  const candidate = await getVersionById(db, input.versionId).catch(() => undefined);
  if (!candidate) throw new CanaryError('VERSION_NOT_FOUND', `No model version with id ${input.versionId}.`);
  const model = candidate.model_name;
  const production = await getProductionVersion(db, model);
  if (!production) return { started: false, reason: `${model} has no production version to compare with` };
  if (production.id === candidate.id) return { started: false, reason: `v${candidate.version} is already production` };
  const since = await db.transaction(async (trx) => {
    await trx('models').where({ name: model }).forUpdate().first();
    const current = await trx('deployment_routes').where({ model }).forUpdate().first();
    if (current?.mode === 'canary' && current.run_id !== input.runId) {
      throw new CanaryError(
        'ROUTE_BUSY',
        `${model} is in the canary rollout of run ${String(current.run_id)}: wait for it to end, or end it.`,
      );
    }
    if (current?.mode === 'canary') return new Date(current.updated_at as string).toISOString();
    if (current?.mode === 'shadow') {
      await trx('deployment_events').insert({
        model,
        kind: 'shadow_stopped',
        candidate_version_id: current.candidate_version_id,
        production_version_id: current.production_version_id,
        actor: input.actor,
        reason: `replaced by the canary of run ${input.runId}`,
        run_id: input.runId,
      });
      await trx('deployment_routes').where({ model }).delete();
    }
    const [row] = await trx('deployment_routes')
      .insert({
        model,
        mode: 'canary',
        candidate_version_id: candidate.id,
        production_version_id: production.id,
        share: input.share,
        run_id: input.runId,
        started_by: input.actor,
        reason: input.reason,
        plan: JSON.stringify(input.plan),
      })
      .returning('updated_at');
    await trx('deployment_events')
      .insert({
        model,
        kind: 'canary_started',
        candidate_version_id: candidate.id,
        production_version_id: production.id,
        share: input.share,
        actor: input.actor,
        reason: input.reason,
        details: JSON.stringify({ plan: input.plan }),
        run_id: input.runId,
        idempotency_key: `${input.runId}:canary:start`,
      })
      .onConflict('idempotency_key')
      .ignore();
    return new Date(row.updated_at as string).toISOString();
  });
  await recordAudit(db, {
    actor: input.actor,
    action: 'canary.start',
    target: `model:${model}`,
    reason: input.reason,
    details: {
      version: candidate.version,
      productionVersion: production.version,
      share: input.share,
      runId: input.runId,
    },
    idempotencyKey: `${input.runId}:canary:start`,
  });
  return { started: true, model, productionVersionId: production.id, productionVersion: production.version, since };
}

/** Moves the run's canary to the next step's share; returns when that share took effect (the step's window start). */
export async function setCanaryShare(
  db: Db,
  input: { runId: string; model: string; step: number; share: number; actor: string },
): Promise<{ since: string }> {
  return db.transaction(async (trx) => {
    const current = await trx('deployment_routes').where({ model: input.model, mode: 'canary' }).forUpdate().first();
    if (!current || current.run_id !== input.runId) {
      throw new CanaryError(
        'ROUTE_BUSY',
        `${input.model} has no canary of run ${input.runId} any more (ended by hand?).`,
      );
    }
    const inserted = await trx('deployment_events')
      .insert({
        model: input.model,
        kind: 'canary_step',
        candidate_version_id: current.candidate_version_id,
        production_version_id: current.production_version_id,
        share: input.share,
        actor: input.actor,
        details: JSON.stringify({ step: input.step }),
        run_id: input.runId,
        idempotency_key: `${input.runId}:canary:step:${input.step}`,
      })
      .onConflict('idempotency_key')
      .ignore()
      .returning('id');
    if (inserted.length === 0) return { since: new Date(current.updated_at as string).toISOString() };
    const [row] = await trx('deployment_routes')
      .where({ model: input.model })
      .update({ share: input.share, updated_at: trx.fn.now() })
      .returning('updated_at');
    return { since: new Date(row.updated_at as string).toISOString() };
  });
}

export interface ArmFigures {
  requests: number;
  errors: number;
  errorRate: number | null;
  latencyMsP95: number | null;
  loggedRows: number;
  labelled: number;
  /** Classification: share of labelled rows predicted right; regression: RMSE. */
  accuracy: number | null;
  rmse: number | null;
}

export interface GuardrailVerdict {
  verdict: 'pass' | 'breach' | 'low_traffic';
  /** One sentence per breached guardrail (or why there is too little traffic). */
  reasons: string[];
  /** Checks skipped for too little evidence. */
  skipped: string[];
  canary: ArmFigures;
  production: ArmFigures;
  predictionPsi: number | null;
}

type StatsRow = { arm: string; requests: string; errors: string; hist: Array<string | number> | null };

async function armStats(db: Db, model: string, since: Date, versionIds: Record<'canary' | 'production', number>) {
  // serving_stats windows are one minute long: the window holding `since` counts (a little earlier traffic).
  const from = new Date(Math.floor(since.getTime() / 60_000) * 60_000);
  const rows = (
    await db.raw(
      `select arm, sum(requests)::bigint as requests, sum(errors)::bigint as errors,
              (select array_agg(s order by i) from (
                 select i, sum(v)::bigint as s from serving_stats t2, unnest(t2.latency_hist) with ordinality as u(v, i)
                  where t2.model = t.model and t2.arm = t.arm and t2.version_id = t.version_id and t2.window_start >= ?
                  group by i) h) as hist
         from serving_stats t
        where model = ? and window_start >= ? and ((arm = 'canary' and version_id = ?) or (arm = 'production' and version_id = ?))
        group by model, arm, version_id`,
      [from, model, from, versionIds.canary, versionIds.production],
    )
  ).rows as StatsRow[];
  return (arm: 'canary' | 'production') => {
    const r = rows.find((x) => x.arm === arm);
    const requests = Number(r?.requests ?? 0);
    const errors = Number(r?.errors ?? 0);
    const hist = (r?.hist ?? []).map(Number);
    const p95 = histogramQuantile(hist, 0.95);
    return {
      requests,
      errors,
      errorRate: requests ? errors / requests : null,
      latencyMsP95: p95 === null ? null : Number.isFinite(p95) ? p95 : 1e9,
    };
  };
}

async function loggedOutputs(db: Db, model: string, versionId: number, since: Date, limit = 20_000) {
  const rows = (await db('prediction_log as l')
    .leftJoin('feedback as f', 'f.prediction_id', 'l.id')
    .where({ 'l.model': model, 'l.version_id': versionId, 'l.slot': 'production' })
    .andWhere('l.created_at', '>=', since)
    .orderBy('l.id', 'desc')
    .limit(limit)
    .select('l.outputs', 'f.label')) as Array<{ outputs: { prediction: unknown } | null; label: unknown }>;
  return rows.filter((r) => r.outputs && r.outputs.prediction !== undefined && r.outputs.prediction !== null);
}

function quality(rows: Array<{ outputs: { prediction: unknown } | null; label: unknown }>, task: string) {
  const labelled = rows.filter((r) => r.label !== null && r.label !== undefined);
  if (task === 'regression') {
    const sq = labelled.map((r) => (Number(r.outputs?.prediction) - Number(r.label)) ** 2).filter(Number.isFinite);
    return {
      labelled: sq.length,
      accuracy: null,
      rmse: sq.length ? Math.sqrt(sq.reduce((a, b) => a + b, 0) / sq.length) : null,
    };
  }
  const right = labelled.filter((r) => String(r.outputs?.prediction) === String(r.label)).length;
  return { labelled: labelled.length, accuracy: labelled.length ? right / labelled.length : null, rmse: null };
}

/** PSI of two sets of predictions: class shares (classification), or production's deciles (regression). */
export function predictionPsi(production: unknown[], canary: unknown[], task: string): number {
  if (task === 'regression') {
    const ref = production
      .map(Number)
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const cur = canary.map(Number).filter(Number.isFinite);
    const edges = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => ref[Math.floor((d / 10) * (ref.length - 1))] as number);
    const bin = (v: number) => {
      const i = edges.findIndex((e) => v <= e);
      return i === -1 ? edges.length : i;
    };
    const count = (values: number[]) => {
      const c = new Array<number>(edges.length + 1).fill(0);
      for (const v of values) c[bin(v)] = (c[bin(v)] as number) + 1;
      return c;
    };
    return psi({ reference: count(ref), current: count(cur) });
  }
  const labels = [...new Set([...production, ...canary].map(String))].sort();
  const count = (values: unknown[]) => labels.map((l) => values.filter((v) => String(v) === l).length);
  return psi({ reference: count(production), current: count(canary) });
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

/**
 * Checks a canary step against its guardrails, from the step's traffic (`since`): error rate and p95 latency from
 * serving_stats (both arms), live quality from feedback on logged predictions, prediction drift (PSI) between the
 * arms' logged predictions. A guardrail without enough evidence is skipped (and listed); too few canary requests
 * for any verdict is 'low_traffic' (the caller decides: wait, roll back or proceed).
 */
export async function evaluateCanary(
  db: Db,
  input: {
    model: string;
    candidateVersionId: number;
    productionVersionId: number;
    task: string;
    since: string;
    guardrails: CanaryGuardrails;
  },
): Promise<GuardrailVerdict> {
  const g = input.guardrails;
  const since = new Date(input.since);
  const stats = await armStats(db, input.model, since, {
    canary: input.candidateVersionId,
    production: input.productionVersionId,
  });
  const [canaryLog, productionLog] = await Promise.all([
    loggedOutputs(db, input.model, input.candidateVersionId, since),
    loggedOutputs(db, input.model, input.productionVersionId, since),
  ]);
  const figures = (arm: 'canary' | 'production', log: typeof canaryLog): ArmFigures => ({
    ...stats(arm),
    loggedRows: log.length,
    ...quality(log, input.task),
  });
  const canary = figures('canary', canaryLog);
  const production = figures('production', productionLog);
  const reasons: string[] = [];
  const skipped: string[] = [];

  if (canary.errorRate !== null && canary.errorRate > g.maxErrorRate) {
    reasons.push(
      `error rate ${pct(canary.errorRate)} (${canary.errors} of ${canary.requests} requests) is above ${pct(g.maxErrorRate)}`,
    );
  }
  if (canary.latencyMsP95 !== null && production.latencyMsP95 !== null) {
    const limit = Math.max(
      production.latencyMsP95 * g.maxLatencyRatio,
      production.latencyMsP95 + g.maxLatencyIncreaseMs,
    );
    if (canary.latencyMsP95 > limit) {
      reasons.push(
        `p95 latency ${canary.latencyMsP95} ms is above ${limit} ms (production p95 ${production.latencyMsP95} ms)`,
      );
    }
  } else skipped.push('latency: no production traffic in the step to compare with');

  if (canary.labelled >= g.minLabelled && production.labelled >= g.minLabelled) {
    if (
      canary.accuracy !== null &&
      production.accuracy !== null &&
      production.accuracy - canary.accuracy > g.maxAccuracyDrop
    ) {
      reasons.push(
        `live accuracy ${pct(canary.accuracy)} is more than ${pct(g.maxAccuracyDrop)} below production's ${pct(production.accuracy)} (${canary.labelled} labelled rows)`,
      );
    }
    if (canary.rmse !== null && production.rmse !== null && canary.rmse > production.rmse * (1 + g.maxRmseIncrease)) {
      reasons.push(
        `live RMSE ${canary.rmse.toPrecision(4)} is more than ${pct(g.maxRmseIncrease)} above production's ${production.rmse.toPrecision(4)}`,
      );
    }
  } else skipped.push(`live quality: fewer than ${g.minLabelled} labelled predictions per arm`);

  let drift: number | null = null;
  if (canary.loggedRows >= g.minLoggedRows && production.loggedRows >= g.minLoggedRows) {
    drift = predictionPsi(
      productionLog.map((r) => r.outputs?.prediction),
      canaryLog.map((r) => r.outputs?.prediction),
      input.task,
    );
    if (drift > g.maxPredictionPsi) {
      reasons.push(`prediction drift against production: PSI ${drift.toFixed(3)} is above ${g.maxPredictionPsi}`);
    }
  } else skipped.push(`prediction drift: fewer than ${g.minLoggedRows} logged predictions per arm`);

  if (reasons.length > 0) return { verdict: 'breach', reasons, skipped, canary, production, predictionPsi: drift };
  if (canary.requests < g.minRequests) {
    return {
      verdict: 'low_traffic',
      reasons: [`only ${canary.requests} canary request(s) in the step (guardrails need ${g.minRequests})`],
      skipped,
      canary,
      production,
      predictionPsi: drift,
    };
  }
  return { verdict: 'pass', reasons: [], skipped, canary, production, predictionPsi: drift };
}

/** Removes this run's canary route (if it still holds it) and records how the canary ended, once. */
async function endCanaryRoute(
  db: Db,
  event: {
    runId: string;
    model: string;
    versionId: number;
    kind: 'canary_rolled_back' | 'canary_promoted';
    share: number;
    actor: string;
    reason?: string;
    details?: string;
    idempotencyKey: string;
  },
): Promise<void> {
  await db.transaction(async (trx) => {
    const current = await trx('deployment_routes').where({ model: event.model, mode: 'canary' }).forUpdate().first();
    if (current?.run_id === event.runId) await trx('deployment_routes').where({ model: event.model }).delete();
    await trx('deployment_events')
      .insert({
        model: event.model,
        kind: event.kind,
        candidate_version_id: event.versionId,
        production_version_id: current?.production_version_id ?? null,
        share: event.share,
        actor: event.actor,
        ...(event.reason !== undefined ? { reason: event.reason } : {}),
        ...(event.details !== undefined ? { details: event.details } : {}),
        run_id: event.runId,
        idempotency_key: event.idempotencyKey,
      })
      .onConflict('idempotency_key')
      .ignore();
  });
}

/**
 * Ends the run's canary for good: the route is removed (all traffic back on production at once), the candidate is
 * archived with the reason, and a deployment event and an audit row say why. Idempotent per run.
 */
export async function rollbackCanary(
  db: Db,
  input: { runId: string; model: string; versionId: number; reason: string; details: Record<string, unknown> },
): Promise<void> {
  const actor = `pipeline:${input.runId}`;
  const candidate = await getVersionById(db, input.versionId);
  await endCanaryRoute(db, {
    runId: input.runId,
    model: input.model,
    versionId: input.versionId,
    kind: 'canary_rolled_back',
    share: 0,
    actor,
    reason: input.reason,
    details: JSON.stringify(input.details),
    idempotencyKey: `${input.runId}:canary:rollback`,
  });
  await setStage(db, {
    versionId: input.versionId,
    toStage: 'archived',
    actor,
    reason: `canary rolled back: ${input.reason}`,
    idempotencyKey: `${input.runId}:canary:rollback:stage`,
  });
  await recordAudit(db, {
    actor,
    action: 'canary.rollback',
    target: `model:${input.model}`,
    reason: input.reason,
    details: { version: candidate.version, versionId: input.versionId, runId: input.runId, ...input.details },
    idempotencyKey: `${input.runId}:canary:rollback`,
  });
}

/** After a successful canary the version is production (promoted and deployed): the route is removed. */
export async function completeCanary(
  db: Db,
  input: { runId: string; model: string; versionId: number; actor: string },
) {
  await endCanaryRoute(db, {
    runId: input.runId,
    model: input.model,
    versionId: input.versionId,
    kind: 'canary_promoted',
    share: 100,
    actor: input.actor,
    idempotencyKey: `${input.runId}:canary:promoted`,
  });
  await recordAudit(db, {
    actor: input.actor,
    action: 'canary.promote',
    target: `model:${input.model}`,
    reason: 'every canary step passed its guardrails',
    details: { versionId: input.versionId, runId: input.runId },
    idempotencyKey: `${input.runId}:canary:promoted`,
  });
}

/** The model's canary now (null: none) and its latest canary events, newest first (GET /v1/models/{name}/canary). */
export async function canaryStatus(db: Db, model: string, limit = 50) {
  const route = await db('deployment_routes as r')
    .leftJoin('model_versions as c', 'c.id', 'r.candidate_version_id')
    .leftJoin('model_versions as p', 'p.id', 'r.production_version_id')
    .where({ 'r.model': model, 'r.mode': 'canary' })
    .first('r.*', 'c.version as candidate_version', 'p.version as production_version');
  const events = await db('deployment_events as e')
    .leftJoin('model_versions as c', 'c.id', 'e.candidate_version_id')
    .where('e.model', model)
    .andWhere('e.kind', 'like', 'canary_%')
    .orderBy('e.id', 'desc')
    .limit(limit)
    .select('e.kind', 'e.share', 'e.actor', 'e.reason', 'e.run_id', 'e.at', 'e.details', 'c.version as version');
  return {
    model,
    canary: route
      ? {
          version: Number(route.candidate_version),
          productionVersion: route.production_version === null ? null : Number(route.production_version),
          share: Number(route.share),
          runId: (route.run_id as string | null) ?? null,
          startedBy: route.started_by as string,
          startedAt: new Date(route.started_at as string).toISOString(),
          plan: route.plan as Record<string, unknown>,
        }
      : null,
    events: events.map((e) => ({
      kind: e.kind as string,
      version: e.version === null ? null : Number(e.version),
      share: e.share === null ? null : Number(e.share),
      actor: e.actor as string,
      reason: (e.reason as string | null) ?? null,
      runId: (e.run_id as string | null) ?? null,
      at: new Date(e.at as string).toISOString(),
      details: e.details as Record<string, unknown>,
    })),
  };
}
