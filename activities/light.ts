import { loadPipelineSpec as loadStoredSpec } from '../lib/pipeline/store';
import type { VerificationKeys } from '../lib/governance/approval';
import { recordRunStart, updateRun } from '../lib/metadata/runs';
import { recordBestCandidate } from '../lib/tracking/record';
import { recordRunDefinitionOf } from './tracking';
import { renderRunReportHtml, runReportCsv, runReportXlsx, trainingCurvesCsv } from '../lib/reports';
import { storeArtifact, runKey } from './artifacts';
import { buildRunReportData } from './report-data';
import type { ActivityDeps } from './deps';
import type { LoadSpecInput, LoadSpecOutput, ReportInput, ReportOutput, RunStatusInput } from './pipeline-io';
import { permanentFailuresAsNonRetryable } from './failures';
import { runStep } from './step-context';
import { ApplicationFailure } from '@temporalio/activity';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Quick bookkeeping activities run by the orchestration worker. */
export function createLightActivities(deps: ActivityDeps) {
  return {
    async loadPipelineSpec({ pipeline, params, specHash }: LoadSpecInput): Promise<LoadSpecOutput> {
      return permanentFailuresAsNonRetryable(async () => {
        const loaded = await loadStoredSpec(deps.db, { pipeline, specHash, params });
        return {
          ...loaded,
          codeVersion: deps.codeVersion,
          trainingTaskQueue: loaded.spec.training.taskQueue ?? deps.config.taskQueues.training,
        };
      });
    },

    /**
     * The public keys approval decisions must be signed with. Run as a local activity: its result is recorded in
     * the history by this worker, and no client can complete it in the worker's place.
     */
    async approvalVerificationKeys(): Promise<VerificationKeys> {
      const keys = deps.config.governance.approval.verifyKeys;
      if (Object.keys(keys).length === 0) {
        throw ApplicationFailure.create({
          type: 'ApprovalKeysMissing',
          message:
            'This worker has no approval verification keys (APPROVAL_VERIFY_KEYS): it cannot accept any decision. Configure them and restart the worker.',
        });
      }
      return keys;
    },

    async recordRunStatus(input: RunStatusInput): Promise<void> {
      if (input.pipeline && input.specHash) {
        await recordRunStart(deps.db, {
          runId: input.runId,
          pipeline: input.pipeline,
          specHash: input.specHash,
          specVersion: input.specVersion,
          startedBy: input.startedBy,
          trigger: input.trigger ?? 'manual',
          params: input.params ?? {},
        });
        await recordRunDefinitionOf(deps, input);
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
        await recordBestCandidate(deps.db, input.runId, input.best);
        return { json, csv, html, xlsx };
      });
    },
  };
}

export type LightActivities = ReturnType<typeof createLightActivities>;
