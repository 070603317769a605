import { recordAudit } from '../audit';
import type { Db } from '../db';
import type { FeatureDrift } from '../ml/drift/drift';
import { viewsOfRun } from '../featurestore/usage';
import type { MonitoringReportData } from '../reports/types';

export interface AlertRow {
  id: number;
  model: string;
  version_id: number;
  report_id: number | null;
  kind: 'drift' | 'quality';
  status: 'open' | 'acknowledged';
  message: string;
  details: Record<string, unknown>;
  action: 'retrain' | 'notify';
  retraining_run_id: string | null;
  notification: Record<string, unknown>;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
  created_at: Date;
}

export interface ReportRow {
  id: number;
  monitor_id: string;
  model: string;
  version_id: number;
  version: number;
  window_index: number;
  window_start: Date;
  window_end: Date;
  samples: number;
  drifted: boolean;
  drifted_features: string[];
  feature_drift: FeatureDrift[];
  prediction_drift: FeatureDrift | null;
  live_quality: { metric: string; value: number; labelled: number } | null;
  created_at: Date;
}

export async function latestReports(db: Db, model: string, options: { versionId?: number; limit?: number } = {}) {
  const query = db<ReportRow>('monitoring_reports')
    .where({ model })
    .orderBy('id', 'desc')
    .limit(options.limit ?? 20);
  if (options.versionId !== undefined) void query.where({ version_id: options.versionId });
  return query;
}

export async function listAlerts(
  db: Db,
  filter: { model?: string; status?: string; versionId?: number; limit?: number },
) {
  const query = db('alerts')
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 50);
  if (filter.model) void query.where('model', filter.model);
  if (filter.status) void query.where('status', filter.status);
  if (filter.versionId !== undefined) void query.where('version_id', filter.versionId);
  return (await query) as AlertRow[];
}

export class AlertError extends Error {
  constructor(
    readonly code: 'ALERT_NOT_FOUND' | 'ALERT_ALREADY_ACKNOWLEDGED',
    message: string,
  ) {
    super(message);
    this.name = 'AlertError';
  }
}

/** Marks an alert as seen by a person; audited. A second acknowledgement is refused (it would rewrite who/when). */
export async function acknowledgeAlert(
  db: Db,
  input: { alertId: number; actor: string; reason: string },
): Promise<AlertRow> {
  return db.transaction(async (trx) => {
    const alert = await trx<AlertRow>('alerts').where({ id: input.alertId }).forUpdate().first();
    if (!alert)
      throw new AlertError(
        'ALERT_NOT_FOUND',
        `No alert ${input.alertId}: GET /v1/models/{name}/monitoring lists them.`,
      );
    if (alert.status === 'acknowledged') {
      throw new AlertError(
        'ALERT_ALREADY_ACKNOWLEDGED',
        `Alert ${input.alertId} was already acknowledged by ${alert.acknowledged_by} at ${alert.acknowledged_at?.toISOString()}.`,
      );
    }
    const [updated] = await trx<AlertRow>('alerts')
      .where({ id: input.alertId })
      .update({ status: 'acknowledged', acknowledged_by: input.actor, acknowledged_at: new Date() })
      .returning('*');
    await recordAudit(trx as unknown as Db, {
      actor: input.actor,
      action: 'alert.acknowledge',
      target: `alert:${input.alertId}`,
      reason: input.reason,
      details: { model: alert.model, kind: alert.kind },
    });
    return updated as AlertRow;
  });
}

/** One feature's drift statistics in the flat shape the API and the reports show. */
export function featureDriftView(f: FeatureDrift) {
  return {
    feature: f.feature,
    kind: f.kind,
    psi: f.psi,
    ksStatistic: f.ks?.statistic ?? null,
    ksPValue: f.ks?.pValue ?? null,
    chi2PValue: f.chi2?.pValue ?? null,
    jsDistance: f.jsDistance,
    drifted: f.drifted,
    insufficientData: f.insufficientData,
    reasons: f.reasons,
  };
}

/** The monitoring report of one version (default: the latest monitored one), from the stored windows and alerts. */
export async function monitoringReportData(
  db: Db,
  input: { model: string; version?: number; windows?: number },
): Promise<MonitoringReportData | undefined> {
  const versionQuery = db('monitoring_reports')
    .where({ model: input.model })
    .orderBy('id', 'desc')
    .first('version_id', 'version');
  if (input.version !== undefined) void versionQuery.where({ version: input.version });
  const latest = (await versionQuery) as { version_id: number; version: number } | undefined;
  if (!latest) return undefined;
  const rows = (
    await latestReports(db, input.model, { versionId: latest.version_id, limit: input.windows ?? 200 })
  ).reverse();
  const version = await db('model_versions').where({ id: latest.version_id }).first('lineage', 'run_id');
  // Columns that came from feature views are reported with their view, so drift reads per feature view column.
  const viewOf = new Map<string, string>();
  for (const v of version?.run_id ? await viewsOfRun(db, version.run_id as string) : []) {
    for (const c of v.columns) viewOf.set(c.column, `${v.name} v${v.version}`);
  }
  const alerts = await listAlerts(db, { model: input.model, versionId: latest.version_id, limit: 500 });
  return {
    model: input.model,
    version: latest.version,
    pipeline: String((version?.lineage as { pipeline?: string } | undefined)?.pipeline ?? input.model),
    generatedAt: new Date().toISOString(),
    windows: rows.map((r) => ({
      windowStart: new Date(r.window_start).toISOString(),
      windowEnd: new Date(r.window_end).toISOString(),
      samples: r.samples,
      drifted: r.drifted,
      features: r.feature_drift.map((f) => ({ ...featureDriftView(f), featureView: viewOf.get(f.feature) })),
      prediction: r.prediction_drift
        ? {
            psi: r.prediction_drift.psi,
            jsDistance: r.prediction_drift.jsDistance,
            drifted: r.prediction_drift.drifted,
          }
        : undefined,
      liveQuality: r.live_quality,
    })),
    alerts: alerts.map((a) => ({
      id: Number(a.id),
      kind: a.kind,
      createdAt: new Date(a.created_at).toISOString(),
      status: a.status,
      message: a.message,
      retrainingRunId: a.retraining_run_id,
    })),
  };
}
