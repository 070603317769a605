import type {
  AbtOutput,
  BaselineOutput,
  EvaluateOutput,
  FeaturesOutput,
  IngestOutput,
  TrainOutput,
  ValidateOutput,
} from '../../activities/pipeline-io';
import { dataActivities, ingest, light, trainingActivities } from './activities';
import { chooseBest, metricDirection, type CandidateScore } from './policy';
import type { RunContext } from './run-context';

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

/** Phase 0: ingest → validate → features → ABT → train candidates in parallel → evaluate → choose → report. */
export async function devPhase(ctx: RunContext): Promise<DevOutcome> {
  const { runId, state, enter } = ctx;
  const { spec, specHash, trainingTaskQueue: queue } = ctx.loaded;

  enter('ingest');
  const raw = await ingest.ingestRawData({ runId, pipeline: spec.name, source: spec.data.source });
  state.artifacts.raw = raw.raw.uri;
  if (raw.alreadyInLake) state.cacheHits.push('ingest');
  const data = dataActivities(raw.raw.size);

  enter('validate');
  const validation = await data.validateDataset({ runId, spec, raw });
  state.progress.rowsValidated = validation.rowCount;
  state.artifacts.validationReport = validation.report.uri;
  if (validation.cached) state.cacheHits.push('validate');

  enter('features');
  const features = await data.fitFeatures({ runId, spec, raw, validation });
  state.artifacts.transform = features.transform.uri;
  if (features.cached) state.cacheHits.push('features');

  enter('abt');
  const abt = await data.buildAnalyticBaseTable({ runId, spec, raw, validation, features });
  state.progress.abtRows = abt.rows;
  state.artifacts.abt = `postgres:${abt.table}`;
  if (abt.cached) state.cacheHits.push('abt');

  enter('train');
  const trained = await Promise.all(
    spec.candidates.map((c) =>
      trainingActivities(spec, queue, `train:${c.name}`).trainCandidate({
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
      trainingActivities(spec, queue, `evaluate:${t.candidate}`).evaluateCandidate({
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
  const best = chooseBest(evaluations, spec.evaluation.primaryMetric, direction);
  state.best = best.candidate;

  enter('report');
  const report = await light.writeRunReport({
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
  return trainingActivities(spec, trainingTaskQueue, 'evaluate:production').evaluateProductionModel({
    runId: ctx.runId,
    spec,
    raw: dev.raw,
    validation: dev.validation,
    features: dev.features,
  });
}
