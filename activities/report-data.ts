import { viewsOfRun } from '../lib/featurestore/usage';
import type { ClassificationMetrics } from '../lib/ml';
import { modelNameOf } from '../lib/pipeline/load';
import type { RunCandidate, RunReportData } from '../lib/reports';
import type { ActivityDeps } from './deps';
import type { ReportInput } from './pipeline-io';

interface StoredEvaluation {
  detailed: Partial<ClassificationMetrics>;
  classes: string[];
  residuals?: Array<{ actual: number; predicted: number }>;
  featureImportance?: RunCandidate['featureImportance'];
  validationMetrics?: RunCandidate['validationMetrics'];
  permutationImportance?: RunCandidate['permutationImportance'];
}

/** Everything the run report shows, from the step outputs and the evaluation artifacts of each candidate. */
export async function buildRunReportData(deps: ActivityDeps, input: ReportInput): Promise<RunReportData> {
  const candidates: RunCandidate[] = [];
  for (const trained of input.trained) {
    const evaluation = input.evaluations.find((e) => e.candidate === trained.candidate);
    const stored = evaluation
      ? (JSON.parse((await deps.store.getBytes(evaluation.evaluation.key)).toString('utf8')) as StoredEvaluation)
      : undefined;
    const classification = input.spec.task === 'classification';
    candidates.push({
      candidate: trained.candidate,
      kind: input.spec.candidates.find((c) => c.name === trained.candidate)?.kind ?? 'unknown',
      best: trained.candidate === input.best,
      epochsRun: trained.epochsRun,
      stoppedEarly: trained.stoppedEarly,
      resumedFromEpoch: trained.resumedFromEpoch,
      backend: trained.backend,
      trainSeconds: trained.trainSeconds,
      metrics: evaluation?.metrics ?? {},
      history: trained.history.map((h) => ({
        epoch: h.epoch,
        loss: h.loss,
        valLoss: h.valLoss,
        valAccuracy: h.valAccuracy,
        valRmse: h.valRmse,
      })),
      ...(classification && stored
        ? {
            classes: stored.classes,
            confusionMatrix: stored.detailed.confusionMatrix,
            perClass: stored.detailed.perClass,
          }
        : {}),
      ...(!classification && stored?.residuals ? { residuals: stored.residuals } : {}),
      ...(stored?.featureImportance ? { featureImportance: stored.featureImportance } : {}),
      ...(stored?.validationMetrics ? { validationMetrics: stored.validationMetrics } : {}),
      ...(stored?.permutationImportance ? { permutationImportance: stored.permutationImportance } : {}),
    });
  }
  const views = await viewsOfRun(deps.db, input.runId);
  const temporalUiUrl = `${deps.config.temporal.uiUrl}/namespaces/${encodeURIComponent(deps.config.temporal.namespace)}/workflows/${encodeURIComponent(input.runId)}`;
  return {
    runId: input.runId,
    pipeline: input.spec.name,
    model: modelNameOf(input.spec),
    task: input.spec.task,
    specHash: input.specHash,
    codeVersion: deps.codeVersion,
    generatedAt: new Date().toISOString(),
    temporalUiUrl,
    data: {
      rawUri: input.raw.raw.uri,
      rawSha256: input.raw.raw.sha256,
      rows: input.validation.rowCount,
      quarantinedRows: input.validation.quarantinedRows,
      validationSummary: input.validation.summary,
      split: input.features.counts,
      features: input.features.featureNames,
      abtTable: input.abt.table,
    },
    ...(views.length > 0
      ? {
          featureViews: views.map((v) => ({
            name: v.name,
            version: v.version,
            hash: v.hash,
            joinKeys: v.joinKeys.map((k) => k.name),
            columns: v.columns.map((c) => c.column),
          })),
        }
      : {}),
    primaryMetric: input.spec.evaluation.primaryMetric,
    best: input.best,
    candidates,
  };
}
