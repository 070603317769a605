import { shadowReport } from '../../lib/delivery/routes';
import { monitoringReportData } from '../../lib/monitoring/queries';
import { monitoringReportCsv, monitoringReportXlsx, renderMonitoringReportHtml } from '../../lib/reports';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import { requireModel } from './registry';
import { defineRoute, type RouteDef } from '../http/route';
import { RunReportJson } from '../schemas/run-failures';
import { runReportDocument } from '../services/run-report';
import {
  CsvDocument,
  HtmlDocument,
  MonitoringParams,
  MonitoringQuery,
  ReportParams,
  XlsxDocument,
} from '../schemas/monitoring';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const FORMATS = [
  { ext: 'html', name: 'report.html', contentType: 'text/html; charset=utf-8', schema: HtmlDocument },
  { ext: 'csv', name: 'metrics.csv', contentType: 'text/csv; charset=utf-8', schema: CsvDocument },
  { ext: 'xlsx', name: 'report.xlsx', contentType: XLSX, schema: XlsxDocument },
] as const;

const RUN_REPORT_JSON = {
  ext: 'json',
  name: 'report.json',
  contentType: 'application/json; charset=utf-8',
  schema: RunReportJson,
} as const;

/**
 * The run report (api/services/run-report.ts): rendered from the report.json a run stored at its report step, with the
 * gate result it recorded afterwards; for a run that ended before that step, why it stopped and what validation found.
 */
function runReportRoutes(deps: ApiDeps): RouteDef[] {
  return [...FORMATS, RUN_REPORT_JSON].map((format) =>
    defineRoute({
      operationId: `getRunReport${format.ext[0]?.toUpperCase()}${format.ext.slice(1)}`,
      method: 'get',
      path: `/v1/runs/:runId/report.${format.ext}`,
      summary:
        format.ext === 'html' || format.ext === 'json'
          ? `The run report as ${format.ext.toUpperCase()}: training curves, metrics, the quality gate; for a run that failed, why it stopped, its failed validation checks and quarantined rows`
          : `The run report as ${format.ext.toUpperCase()} (training curves, metrics, confusion matrix or residuals)`,
      tags: ['reports'],
      access: { role: 'viewer' },
      contentType: format.contentType,
      request: { params: ReportParams },
      responses: { 200: format.schema },
      errors: [400, 401, 403, 404],
      async handle({ params }) {
        const body = await runReportDocument(deps, params.runId, format.ext);
        return {
          status: 200,
          body: format.ext === 'xlsx' || typeof body === 'string' ? body : body.toString('utf8'),
          headers: { 'content-disposition': `inline; filename="${params.runId}-${format.name}"` },
        } as never;
      },
    }),
  );
}

/** Monitoring reports are rendered on request from the stored windows, so they always include the latest one. */
function monitoringReportRoutes(deps: ApiDeps): RouteDef[] {
  return FORMATS.map((format) =>
    defineRoute({
      operationId: `getMonitoringReport${format.ext[0]?.toUpperCase()}${format.ext.slice(1)}`,
      method: 'get',
      path: `/v1/models/:name/monitoring/report.${format.ext}`,
      summary: `Drift per feature over time, live quality and alerts of a model version, as ${format.ext.toUpperCase()}`,
      tags: ['reports'],
      access: { role: 'viewer' },
      contentType: format.contentType,
      request: { params: MonitoringParams, query: MonitoringQuery.pick({ version: true }) },
      responses: { 200: format.schema },
      errors: [400, 401, 403, 404],
      async handle({ params, query }) {
        await requireModel(deps, params.name);
        const data = await monitoringReportData(deps.db, { model: params.name, version: query.version });
        if (!data) {
          throw new ApiError(
            404,
            'NO_MONITORING_DATA',
            `Model ${params.name} has no monitoring windows yet${query.version ? ` for version ${query.version}` : ''}: a production version gets them every monitoring interval.`,
          );
        }
        if (format.ext === 'html') {
          const since = new Date(data.windows[0]?.windowStart ?? Date.now() - 86_400_000);
          const shadow = await shadowReport(deps.db, { model: params.name, since });
          data.shadow = shadow.windows
            .filter((w) => w.productionVersion === data.version || w.shadowVersion === data.version)
            .reverse();
        }
        const body =
          format.ext === 'html'
            ? renderMonitoringReportHtml(data)
            : format.ext === 'csv'
              ? monitoringReportCsv(data)
              : await monitoringReportXlsx(data);
        const filename = `${params.name}-v${data.version}-monitoring.${format.ext}`;
        return { status: 200, body, headers: { 'content-disposition': `inline; filename="${filename}"` } } as never;
      },
    }),
  );
}

export function reportRoutes(deps: ApiDeps): RouteDef[] {
  return [...runReportRoutes(deps), ...monitoringReportRoutes(deps)];
}
