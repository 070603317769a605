import { ApplicationFailure } from '@temporalio/workflow';
import type {
  AbtOutput,
  BaselineOutput,
  EvaluateOutput,
  FeaturesOutput,
  IngestOutput,
  TrainOutput,
  ValidateOutput,
} from '../../activities/pipeline-io';
import { dataActivities, ingestAs, lightAs, trainingActivities } from './activities';
import type { PipelineSpec } from '../../lib/pipeline/spec';
import { chooseBest, metricDirection, type CandidateScore } from './policy';
import type { RunContext } from './run-context';

/**
 * No usable candidate (every one diverged, or the gate's metric is not one the task produces) fails the run with
 * the reason. A plain Error would fail only the workflow task, retried forever: a run stuck in "running".
 */
function chooseOrFail(...args: Parameters<typeof chooseBest>): CandidateScore {
  try {
    return chooseBest(...args);
  } catch (err) {
    throw ApplicationFailure.nonRetryable((err as Error).message, 'NoUsableCandidate');
  }
}

export interface DevOutcome {
  raw: IngestOutput;
  validation: ValidateOutput;
  features: FeaturesOutput;
  abt: AbtOutput;
  best: CandidateScore;
  bestTrained: TrainOutput;
  bestEvaluation: EvaluateOutput;
  direction: 'max' | 'min';
}

function describeSource(source: PipelineSpec['data']['source']): string {
  switch (source.kind) {
    case 'file':
      return `file ${source.path}`;
    case 's3':
      return `s3 ${source.key}`;
    case 'postgres':
      return source.table ? `table ${source.table}` : 'a PostgreSQL query';
    default:
      return `${source.kind} source`;
  }
}

function sizeOf(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

function trainSummary(candidate: PipelineSpec['candidates'][number], index: number, of: number): string {
  const epochs = (candidate.hyperparameters as { epochs?: number } | undefined)?.epochs;
  const parts = [`${index + 1} of ${of}`, candidate.kind, epochs ? `${epochs} epochs` : undefined];
  return `train ${candidate.name} (${parts.filter(Boolean).join(', ')})`;
}

/** Phase 0: ingest → validate → features → ABT → train candidates in parallel → evaluate → choose → report. */
export async function devPhase(ctx: RunContext): Promise<DevOutcome> {
  const { runId, state, enter, summary } = ctx;
  const { spec, specHash, trainingTaskQueue: queue } = ctx.loaded;

  enter('ingest');
  const raw = await ingestAs(summary(() => `ingest ${spec.name}: ${describeSource(spec.data.source)}`)).ingestRawData({
    runId,
    pipeline: spec.name,
    source: spec.data.source,
  });
  state.artifacts.raw = raw.raw.uri;
  if (raw.alreadyInLake) state.cacheHits.push('ingest');
  const data = (text: () => string) => dataActivities(raw.raw.size, summary(text));

  enter('validate');
  const rawSize = () => `${raw.format} ${sizeOf(raw.raw.size)}, sha256 ${raw.raw.sha256.slice(0, 12)}`;
  const validation = await data(() => `validate ${spec.name}: ${rawSize()}`).validateDataset({ runId, spec, raw });
  state.progress.rowsValidated = validation.rowCount;
  state.artifacts.validationReport = validation.report.uri;
  if (validation.cached) state.cacheHits.push('validate');

  enter('features');
  const valid = () => validation.rowCount - validation.quarantinedRows;
  const features = await data(
    () => `fit features of ${spec.name}: ${valid()} valid rows of ${validation.rowCount}`,
  ).fitFeatures({
    runId,
    spec,
    raw,
    validation,
  });
  state.artifacts.transform = features.transform.uri;
  if (features.cached) state.cacheHits.push('features');

  enter('abt');
  const abtSummary = () => `ABT of ${spec.name}: ${valid()} rows x ${features.featureNames.length} model inputs`;
  const abt = await data(abtSummary).buildAnalyticBaseTable({ runId, spec, raw, validation, features });
  state.progress.abtRows = abt.rows;
  state.artifacts.abt = `postgres:${abt.table}`;
  if (abt.cached) state.cacheHits.push('abt');

  enter('train');
  const trained = await Promise.all(
    spec.candidates.map((c, i) =>
      trainingActivities(
        spec,
        queue,
        `train:${c.name}`,
        summary(() => trainSummary(c, i, spec.candidates.length)),
      ).trainCandidate({
        runId,
        spec,
        candidate: c.name,
        abt,
        features,
      }),
    ),
  );

  enter('evaluate');
  const evaluations = await Promise.all(
    trained.map((t) =>
      trainingActivities(
        spec,
        queue,
        `evaluate:${t.candidate}`,
        summary(() => `evaluate ${t.candidate} on the test split (${features.counts.test} rows)`),
      ).evaluateCandidate({
        runId,
        spec,
        candidate: t.candidate,
        model: t.model,
        abt,
        features,
      }),
    ),
  );
  for (const e of evaluations) state.metrics[e.candidate] = e.metrics;
  const direction = metricDirection(spec.evaluation.primaryMetric, spec.evaluation.direction);
  const best = chooseOrFail(evaluations, spec.evaluation.primaryMetric, direction);
  state.best = best.candidate;

  enter('report');
  const report = await lightAs(summary(() => `report ${spec.name}: best ${best.candidate}`)).writeRunReport({
    runId,
    spec,
    specHash,
    raw,
    validation,
    features,
    abt,
    trained,
    evaluations,
    best: best.candidate,
  });
  state.artifacts.reportJson = report.json.uri;
  state.artifacts.reportCsv = report.csv.uri;
  // Optional: results recorded by older workers (histories replayed after an upgrade) carry no HTML/XLSX.
  if (report.html) state.artifacts.reportHtml = report.html.uri;
  if (report.xlsx) state.artifacts.reportXlsx = report.xlsx.uri;

  return {
    raw,
    validation,
    features,
    abt,
    best,
    bestTrained: trained.find((t) => t.candidate === best.candidate) as TrainOutput,
    bestEvaluation: evaluations.find((e) => e.candidate === best.candidate) as EvaluateOutput,
    direction,
  };
}

/** The current production model scored on this run's test split (phase 1's baseline for the gate). */
export function scoreProduction(ctx: RunContext, dev: DevOutcome): Promise<BaselineOutput> {
  const { spec, trainingTaskQueue } = ctx.loaded;
  const text = () => `score the production ${spec.model ?? spec.name} on this run's test split`;
  return trainingActivities(spec, trainingTaskQueue, 'evaluate:production', ctx.summary(text)).evaluateProductionModel({
    runId: ctx.runId,
    spec,
    raw: dev.raw,
    validation: dev.validation,
    features: dev.features,
  });
}
