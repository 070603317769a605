import {
  AlertError,
  acknowledgeAlert,
  featureDriftView,
  latestReports,
  listAlerts,
  type AlertRow,
} from '../../lib/monitoring/queries';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import { requireModel } from './registry';
import { defineRoute } from '../http/route';
import { iso, isoRequired } from '../schemas/common';
import {
  AcknowledgeBody,
  Alert,
  AlertParams,
  MonitoringParams,
  MonitoringQuery,
  MonitoringResponse,
} from '../schemas/monitoring';

function alertView(a: AlertRow) {
  return {
    alertId: Number(a.id),
    model: a.model,
    versionId: Number(a.version_id),
    kind: a.kind,
    status: a.status,
    message: a.message,
    action: a.action,
    retrainingRunId: a.retraining_run_id,
    acknowledgedBy: a.acknowledged_by,
    acknowledgedAt: iso(a.acknowledged_at),
    createdAt: isoRequired(a.created_at),
    links: {
      acknowledge: `/v1/alerts/${a.id}/acknowledge`,
      ...(a.retraining_run_id ? { retrainingRun: `/v1/runs/${encodeURIComponent(a.retraining_run_id)}` } : {}),
    },
  };
}

export function monitoringRoutes(deps: ApiDeps) {
  return [
    defineRoute({
      operationId: 'getModelMonitoring',
      method: 'get',
      path: '/v1/models/:name/monitoring',
      summary: "A model's latest monitoring windows (drift per feature, prediction drift, live quality) and alerts",
      tags: ['monitoring'],
      access: { role: 'viewer' },
      request: { params: MonitoringParams, query: MonitoringQuery },
      responses: { 200: MonitoringResponse },
      errors: [400, 401, 403, 404],
      async handle({ params, query }) {
        await requireModel(deps, params.name);
        const version =
          query.version === undefined
            ? undefined
            : await deps.db('model_versions').where({ model_name: params.name, version: query.version }).first('id');
        if (query.version !== undefined && !version) {
          throw new ApiError(404, 'VERSION_NOT_FOUND', `Model ${params.name} has no version ${query.version}.`);
        }
        const versionId = version ? Number(version.id) : undefined;
        const [reports, alerts] = await Promise.all([
          latestReports(deps.db, params.name, { versionId, limit: query.limit }),
          listAlerts(deps.db, { model: params.name, versionId, limit: query.limit }),
        ]);
        const base = `/v1/models/${encodeURIComponent(params.name)}/monitoring`;
        return {
          status: 200,
          body: {
            model: params.name,
            windows: reports.map((r) => ({
              reportId: Number(r.id),
              monitorId: r.monitor_id,
              version: r.version,
              windowIndex: r.window_index,
              windowStart: isoRequired(r.window_start),
              windowEnd: isoRequired(r.window_end),
              samples: r.samples,
              drifted: r.drifted,
              driftedFeatures: r.drifted_features,
              features: r.feature_drift.map(featureDriftView),
              prediction: r.prediction_drift
                ? {
                    psi: r.prediction_drift.psi,
                    jsDistance: r.prediction_drift.jsDistance,
                    drifted: r.prediction_drift.drifted,
                  }
                : null,
              liveQuality: r.live_quality,
            })),
            alerts: alerts.map(alertView),
            links: { html: `${base}/report.html`, csv: `${base}/report.csv`, xlsx: `${base}/report.xlsx` },
          },
        };
      },
    }),
    defineRoute({
      operationId: 'acknowledgeAlert',
      method: 'post',
      path: '/v1/alerts/:alertId/acknowledge',
      summary: 'Acknowledge an alert (who, when and why go to the audit log)',
      tags: ['monitoring'],
      access: { role: 'operator' },
      request: { params: AlertParams, body: AcknowledgeBody },
      responses: { 200: Alert },
      errors: [400, 401, 403, 404, 409],
      async handle({ params, body, principal }) {
        try {
          const alert = await acknowledgeAlert(deps.db, {
            alertId: params.alertId,
            actor: principal.id,
            reason: body.reason,
          });
          return { status: 200, body: alertView(alert) };
        } catch (err) {
          if (err instanceof AlertError) {
            throw new ApiError(err.code === 'ALERT_NOT_FOUND' ? 404 : 409, err.code, err.message);
          }
          throw err;
        }
      },
    }),
  ];
}
