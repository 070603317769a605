import { loadPipelineSpec as loadSpecFile } from '../lib/pipeline/load';
import { recordRunStart, updateRun } from '../lib/metadata/runs';
import { storeArtifact, runKey } from './artifacts';
import type { ActivityDeps } from './deps';
import type { LoadSpecInput, LoadSpecOutput, ReportInput, ReportOutput, RunStatusInput } from './pipeline-io';
import { permanentFailuresAsNonRetryable } from './failures';
import { runStep } from './step-context';

function csvCell(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

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
        const candidates = input.trained.map((t) => {
          const evaluation = input.evaluations.find((e) => e.candidate === t.candidate);
          return {
            candidate: t.candidate,
            best: t.candidate === input.best,
            epochsRun: t.epochsRun,
            stoppedEarly: t.stoppedEarly,
            resumedFromEpoch: t.resumedFromEpoch,
            backend: t.backend,
            trainSeconds: t.trainSeconds,
            model: t.model,
            metrics: evaluation?.metrics ?? {},
            history: t.history,
          };
        });
        const report = {
          runId: input.runId,
          pipeline: input.spec.name,
          task: input.spec.task,
          specHash: input.specHash,
          generatedAt: new Date().toISOString(),
          data: {
            raw: input.raw.raw,
            rows: input.validation.rowCount,
            quarantinedRows: input.validation.quarantinedRows,
            validation: input.validation.summary,
            split: input.features.counts,
            features: input.features.featureNames,
            abt: { table: input.abt.table, rows: input.abt.rows },
          },
          primaryMetric: input.spec.evaluation.primaryMetric,
          best: input.best,
          candidates,
        };
        const metricNames = [...new Set(candidates.flatMap((c) => Object.keys(c.metrics)))].sort();
        const csv = toCsv(
          [
            'candidate',
            'best',
            'epochs_run',
            'stopped_early',
            'resumed_from_epoch',
            'backend',
            'train_seconds',
            ...metricNames,
          ],
          candidates.map((c) => [
            c.candidate,
            c.best,
            c.epochsRun,
            c.stoppedEarly,
            c.resumedFromEpoch,
            c.backend,
            c.trainSeconds.toFixed(2),
            ...metricNames.map((m) => c.metrics[m]),
          ]),
        );
        const json = await storeArtifact(deps, ctx, {
          key: runKey(input.runId, 'report', 'report.json'),
          body: JSON.stringify(report, null, 2),
          name: 'report.json',
          kind: 'report',
          contentType: 'application/json',
        });
        const csvObject = await storeArtifact(deps, ctx, {
          key: runKey(input.runId, 'report', 'metrics.csv'),
          body: csv,
          name: 'metrics.csv',
          kind: 'report',
          contentType: 'text/csv',
        });
        return { json, csv: csvObject };
      });
    },
  };
}

export type LightActivities = ReturnType<typeof createLightActivities>;
