import { recordAudit } from '../audit';
import type { Db } from '../db';
import { getProductionVersion, getVersion } from '../registry';
import { figuresOf, histogramQuantile, type ComparisonSums } from './compare';

// The live route of a model beside production: which version shadows it. Every change is a deployment_events row
// and an audit row.

export class DeliveryError extends Error {
  constructor(
    readonly code: 'VERSION_NOT_FOUND' | 'NO_PRODUCTION' | 'SAME_AS_PRODUCTION' | 'NO_SHADOW' | 'ROUTE_BUSY',
    message: string,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export async function startShadow(
  db: Db,
  input: { model: string; version: number; actor: string; reason: string },
): Promise<{ versionId: number; productionVersion: number }> {
  const candidate = await getVersion(db, input.model, input.version);
  if (!candidate) throw new DeliveryError('VERSION_NOT_FOUND', `Model ${input.model} has no version ${input.version}.`);
  const production = await getProductionVersion(db, input.model);
  if (!production) {
    throw new DeliveryError('NO_PRODUCTION', `Model ${input.model} has no production version to shadow.`);
  }
  if (production.id === candidate.id) {
    throw new DeliveryError('SAME_AS_PRODUCTION', `Version ${input.version} is production: shadow another version.`);
  }
  await db.transaction(async (trx) => {
    const current = await trx('deployment_routes').where({ model: input.model }).forUpdate().first();
    if (current && current.mode !== 'shadow') {
      throw new DeliveryError(
        'ROUTE_BUSY',
        `Model ${input.model} is in a ${current.mode} rollout: wait for it to end.`,
      );
    }
    await trx('deployment_routes')
      .insert({
        model: input.model,
        mode: 'shadow',
        candidate_version_id: candidate.id,
        production_version_id: production.id,
        started_by: input.actor,
        reason: input.reason,
      })
      .onConflict('model')
      .merge(['candidate_version_id', 'production_version_id', 'started_by', 'reason', 'started_at', 'updated_at']);
    await trx('deployment_events').insert({
      model: input.model,
      kind: 'shadow_started',
      candidate_version_id: candidate.id,
      production_version_id: production.id,
      actor: input.actor,
      reason: input.reason,
    });
  });
  await recordAudit(db, {
    actor: input.actor,
    action: 'shadow.start',
    target: `model:${input.model}`,
    reason: input.reason,
    details: { version: input.version, productionVersion: production.version },
  });
  return { versionId: candidate.id, productionVersion: production.version };
}

export async function stopShadow(db: Db, input: { model: string; actor: string; reason: string }): Promise<void> {
  const stopped = await db.transaction(async (trx) => {
    const current = await trx('deployment_routes').where({ model: input.model, mode: 'shadow' }).forUpdate().first();
    if (!current) return undefined;
    await trx('deployment_routes').where({ model: input.model }).delete();
    await trx('deployment_events').insert({
      model: input.model,
      kind: 'shadow_stopped',
      candidate_version_id: current.candidate_version_id,
      production_version_id: current.production_version_id,
      actor: input.actor,
      reason: input.reason,
    });
    return current;
  });
  if (!stopped) throw new DeliveryError('NO_SHADOW', `Model ${input.model} has no shadow version.`);
  await recordAudit(db, {
    actor: input.actor,
    action: 'shadow.stop',
    target: `model:${input.model}`,
    reason: input.reason,
    details: { versionId: Number(stopped.candidate_version_id) },
  });
}

type WindowRow = Record<string, unknown> & { window_start: Date };

function sumsOf(r: Record<string, unknown>): ComparisonSums {
  return {
    comparedRows: Number(r.compared_rows),
    agreements: Number(r.agreements),
    deltaSum: Number(r.delta_sum),
    deltaAbsSum: Number(r.delta_abs_sum),
    deltaSqSum: Number(r.delta_sq_sum),
    deltaAbsMax: Number(r.delta_abs_max),
  };
}

const finite = (v: number | null) => (v === null || Number.isFinite(v) ? v : null);

/** Per-window comparison figures of a model's shadow versions, newest first, and live quality where labelled. */
export async function shadowReport(db: Db, input: { model: string; since: Date }) {
  const route = await db('deployment_routes as r')
    .leftJoin('model_versions as c', 'c.id', 'r.candidate_version_id')
    .leftJoin('model_versions as p', 'p.id', 'r.production_version_id')
    .where({ 'r.model': input.model, 'r.mode': 'shadow' })
    .first('r.*', 'c.version as candidate_version', 'p.version as production_version');
  const rows = (await db('shadow_windows as w')
    .join('model_versions as s', 's.id', 'w.shadow_version_id')
    .join('model_versions as p', 'p.id', 'w.production_version_id')
    .where('w.model', input.model)
    .andWhere('w.window_start', '>=', input.since)
    .orderBy('w.window_start', 'desc')
    .select('w.*', 's.version as shadow_version', 'p.version as production_version')) as WindowRow[];
  const windows = rows.map((r) => {
    const requests = Number(r.requests);
    const production = (r.production_latency_hist as Array<string | number>).map(Number);
    const shadow = (r.shadow_latency_hist as Array<string | number>).map(Number);
    return {
      windowStart: r.window_start.toISOString(),
      productionVersion: Number(r.production_version),
      shadowVersion: Number(r.shadow_version),
      requests,
      rows: Number(r.rows),
      ...figuresOf(sumsOf(r)),
      comparedRows: Number(r.compared_rows),
      productionLatencyMsMean: requests ? Number(r.production_latency_ms_sum) / requests : null,
      shadowLatencyMsMean: requests ? Number(r.shadow_latency_ms_sum) / requests : null,
      productionLatencyMsP95: finite(histogramQuantile(production, 0.95)),
      shadowLatencyMsP95: finite(histogramQuantile(shadow, 0.95)),
      shadowErrors: Number(r.shadow_errors),
      dropped: Number(r.dropped),
    };
  });
  // Live quality: of the logged rows that got feedback, how often each side's label was right.
  const quality = await db.raw(
    `select sp.version_id, mv.version, count(*)::int as labelled,
            count(*) filter (where (l.outputs->>'prediction') = (f.label #>> '{}'))::int as production_correct,
            count(*) filter (where (sp.outputs->>'prediction') = (f.label #>> '{}'))::int as shadow_correct
       from shadow_predictions sp
       join prediction_log l on l.request_id = sp.request_id and l.row_index = sp.row_index
       join feedback f on f.prediction_id = l.id
       join model_versions mv on mv.id = sp.version_id
      where sp.model = ? and sp.created_at >= ?
      group by sp.version_id, mv.version`,
    [input.model, input.since],
  );
  const liveQuality = (
    quality.rows as Array<{ version: number; labelled: number; production_correct: number; shadow_correct: number }>
  ).map((q) => ({
    shadowVersion: Number(q.version),
    labelledRows: q.labelled,
    productionAccuracy: q.labelled ? q.production_correct / q.labelled : null,
    shadowAccuracy: q.labelled ? q.shadow_correct / q.labelled : null,
  }));
  return {
    model: input.model,
    shadow: route
      ? {
          version: Number(route.candidate_version),
          productionVersion: route.production_version === null ? null : Number(route.production_version),
          startedBy: route.started_by as string,
          startedAt: new Date(route.started_at as string).toISOString(),
          reason: (route.reason as string | null) ?? null,
        }
      : null,
    windows,
    liveQuality,
  };
}
