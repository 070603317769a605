import { loadPipelineSpec as loadSpecFile } from '../lib/pipeline/load';
import { recordRunStart, updateRun } from '../lib/metadata/runs';
import { renderRunReportHtml, runReportCsv, runReportXlsx, trainingCurvesCsv } from '../lib/reports';
import { storeArtifact, runKey } from './artifacts';
import { buildRunReportData } from './report-data';
import type { ActivityDeps } from './deps';
import type { LoadSpecInput, LoadSpecOutput, ReportInput, ReportOutput, RunStatusInput } from './pipeline-io';
import { permanentFailuresAsNonRetryable } from './failures';
import { runStep } from './step-context';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Quick bookkeeping activities run by the orchestration worker. */
export function createLightActivities(deps: ActivityDeps) {
  return {
    async loadPipelineSpec({ pipeline, params }: LoadSpecInput): Promise<LoadSpecOutput> {
      return permanentFailuresAsNonRetryable(async () => {
        const loaded = loadSpecFile(pipeline, params);
        return {
          ...loaded,
          codeVersion: deps.codeVersion,
          trainingTaskQueue: loaded.spec.training.taskQueue ?? deps.config.taskQueues.training,
        };
      });
    },

    async recordRunStatus(input: RunStatusInput): Promise<void> {
      if (input.pipeline && input.specHash) {
        await recordRunStart(deps.db, {
          runId: input.runId,
          pipeline: input.pipeline,
          specHash: input.specHash,
          trigger: input.trigger ?? 'manual',
          params: input.params ?? {},
        });
      }
      await updateRun(deps.db, {
        runId: input.runId,
        status: input.status,
        phase: input.phase,
        summary: input.summary,
        error: input.error,
        ended: input.ended,
      });
    },

    async writeRunReport(input: ReportInput): Promise<ReportOutput> {
      return runStep(deps, 'report', async (ctx) => {
        const data = await buildRunReportData(deps, input);
        const put = (name: string, body: string | Buffer, contentType: string) =>
          storeArtifact(deps, ctx, {
            key: runKey(input.runId, 'report', name),
            body,
            name,
            kind: 'report',
            contentType,
          });
        const json = await put('report.json', JSON.stringify(data, null, 2), 'application/json');
        const csv = await put('metrics.csv', runReportCsv(data), 'text/csv');
        await put('training-curves.csv', trainingCurvesCsv(data), 'text/csv');
        const html = await put('report.html', renderRunReportHtml(data), 'text/html');
        const xlsx = await put('report.xlsx', await runReportXlsx(data), XLSX_TYPE);
        return { json, csv, html, xlsx };
      });
    },
  };
}

export type LightActivities = ReturnType<typeof createLightActivities>;
