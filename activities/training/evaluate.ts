import { recordLineage } from '../../lib/metadata/artifacts';
import { recordCandidateEvaluation } from '../../lib/tracking/record';
import {
  PREDICTION_COLUMN,
  buildReferenceProfile,
  classificationMetrics,
  predictionTable,
  disposeModel,
  featureImportanceOf,
  labelColumnOf,
  loadModel,
  predict,
  predictRows,
  regressionMetrics,
  selectRows,
  tableRow,
} from '../../lib/ml';
import { readingOptionsOf } from '../../lib/ml/data/reading-spec';
import { modelNameOf } from '../../lib/pipeline/load';
import { getProductionVersion } from '../../lib/registry';
import { loadVerifiedModelBytes } from '../../lib/serving/artifacts';
import { runKey, storeArtifact } from '../artifacts';
import { SPLIT_CODES, cleanBatches } from '../data/clean-rows';
import type { ActivityDeps } from '../deps';
import type { BaselineInput, BaselineOutput, EvaluateInput, EvaluateOutput } from '../pipeline-io';
import type { StepContext } from '../step-context';
import { readAbtSplit } from './abt-reader';
import { metricsOn, testSplitImportance } from './insights';
import { flatMetrics } from './metrics';

export { flatMetrics } from './metrics';

const RESIDUAL_POINTS = 1000;
/** Most important features kept in the evaluation artefact (one-hot columns can number thousands). */
const IMPORTANCE_FEATURES = 100;

/** Evenly spaced (deterministic) actual/predicted pairs for the report's residual charts. */
function residualSample(actual: ArrayLike<number>, predicted: ArrayLike<number>, max: number) {
  const step = Math.max(1, Math.ceil(actual.length / max));
  const points: Array<{ actual: number; predicted: number }> = [];
  for (let i = 0; i < actual.length; i += step)
    points.push({ actual: actual[i] as number, predicted: predicted[i] as number });
  return points;
}

/** Metrics of a candidate on the ABT's test split, plus its offline predictions of the serving sample rows. */
export async function evaluateCandidate(
  deps: ActivityDeps,
  ctx: StepContext,
  input: EvaluateInput,
): Promise<EvaluateOutput> {
  const { spec, abt, features } = input;
  const classification = spec.task === 'classification';
  const started = Date.now();
  const read = (split: 'test' | 'validation') =>
    readAbtSplit(deps.db, { table: abt.table, featureNames: features.featureNames, split, classification });
  const [test, validation] = await Promise.all([read('test'), read('validation')]);
  const model = await loadModel({ bytes: new Uint8Array(await deps.store.getBytes(input.model.key)) });
  try {
    const prediction = predict({ model, x: test.x, rowCount: test.rowCount });
    const detailed =
      prediction.task === 'classification'
        ? classificationMetrics({
            yTrue: test.y,
            probabilities: prediction.probabilities,
            numClasses: prediction.numClasses,
            classNames: features.classes,
          })
        : regressionMetrics({ yTrue: test.y, yPred: prediction.values });
    const sample = JSON.parse((await deps.store.getBytes(features.servingSample.key)).toString('utf8')) as Array<{
      rowId: number;
    }>;
    const position = new Map(Array.from(test.rowIds, (id, i) => [id, i]));
    const offline = sample.flatMap(({ rowId }): Array<Record<string, unknown>> => {
      const i = position.get(rowId);
      if (i === undefined) return [];
      if (prediction.task === 'regression') return [{ rowId, value: prediction.values[i] as number }];
      const k = prediction.numClasses;
      return [
        {
          rowId,
          classIndex: prediction.classIndices[i] as number,
          probabilities: Array.from(prediction.probabilities.subarray(i * k, (i + 1) * k)),
        },
      ];
    });
    const metrics = flatMetrics(detailed);
    // The distribution of this model's test-set predictions: the monitor's reference for prediction drift.
    const predictionProfile = buildReferenceProfile({
      table: predictionTable({ prediction, classes: features.classes }),
      columns: [PREDICTION_COLUMN],
    });
    const residuals =
      prediction.task === 'regression' ? residualSample(test.y, prediction.values, RESIDUAL_POINTS) : undefined;
    // Native importance where the kind measures one; permutation importance (below) covers every kind.
    const featureImportance =
      featureImportanceOf({ model, featureNames: features.featureNames, top: IMPORTANCE_FEATURES }) ?? undefined;
    const validationMetrics =
      validation.rowCount > 0
        ? metricsOn({
            model,
            x: validation.x,
            y: validation.y,
            rowCount: validation.rowCount,
            classes: features.classes,
          })
        : undefined;
    const permutationImportance = await testSplitImportance(deps, ctx, input, model, test);
    const evaluation = await storeArtifact(deps, ctx, {
      key: runKey(ctx.runId, 'evaluation', `${input.candidate}.json`),
      body: JSON.stringify({
        candidate: input.candidate,
        testRows: test.rowCount,
        metrics,
        detailed,
        classes: features.classes,
        offline,
        predictionProfile,
        residuals,
        featureImportance,
        validationMetrics,
        validationRows: validation.rowCount,
        permutationImportance,
      }),
      name: `evaluation:${input.candidate}`,
      kind: 'evaluation',
      contentType: 'application/json',
    });
    await recordLineage(deps.db, {
      fromId: input.model.artifactId,
      toId: evaluation.artifactId,
      relation: 'evaluated_on',
      runId: ctx.runId,
    });
    await recordCandidateEvaluation(deps.db, {
      runId: ctx.runId,
      candidate: input.candidate,
      kind: model.meta.kind,
      testMetrics: metrics,
      testRows: test.rowCount,
      validationMetrics,
      validationRows: validation.rowCount,
      importance: permutationImportance,
      evaluateSeconds: (Date.now() - started) / 1000,
    });
    return { candidate: input.candidate, metrics, evaluation, testRows: test.rowCount, validationMetrics };
  } finally {
    disposeModel(model);
  }
}

/**
 * The current production model scored on this run's test split, through its OWN transforms (it may have been
 * trained on other data): raw test rows in, so the comparison is fair whatever changed in the feature spec.
 */
export async function evaluateProductionModel(
  deps: ActivityDeps,
  ctx: StepContext,
  input: BaselineInput,
): Promise<BaselineOutput> {
  const modelName = modelNameOf(input.spec);
  const production = await getProductionVersion(deps.db, modelName);
  if (!production) return { note: `${modelName} has no production version yet` };
  const model = await loadModel({ bytes: await loadVerifiedModelBytes(deps, production) });
  const splitCodes = new Uint8Array(await deps.store.getBytes(input.features.split.key));
  const classes = input.features.classes;
  const yTrue: number[] = [];
  const probabilities: number[] = [];
  const values: number[] = [];
  let rowId = 0;
  try {
    for await (const { batch, keep } of cleanBatches(deps, input.raw, input.validation, {
      reading: readingOptionsOf(input.spec.data),
    })) {
      const testRows = keep.filter((_, k) => splitCodes[rowId + k] === SPLIT_CODES.test);
      rowId += keep.length;
      if (testRows.length === 0) continue;
      const table = selectRows(batch, testRows);
      const labels = labelColumnOf(table, input.spec.features.label);
      const rows = Array.from({ length: table.rowCount }, (_, i) => tableRow(table, i));
      const { predictions } = predictRows({ model, rows });
      predictions.forEach((p, i) => {
        if ('value' in p) {
          yTrue.push(Number(labels.values[i]));
          values.push(p.value);
        } else {
          yTrue.push(classes.indexOf(String(labels.values[i])));
          // Class order of this run; a class the production model never saw gets probability 0.
          for (const c of classes) probabilities.push(p.probabilities[c] ?? 0);
        }
      });
      ctx.heartbeat({ rowsScored: yTrue.length });
    }
  } finally {
    disposeModel(model);
  }
  const detailed =
    input.spec.task === 'classification'
      ? classificationMetrics({ yTrue, probabilities, numClasses: classes.length, classNames: classes })
      : regressionMetrics({ yTrue, yPred: values });
  return {
    version: production.version,
    versionId: production.id,
    runId: production.run_id,
    metrics: flatMetrics(detailed),
    note: `production v${production.version} scored on ${yTrue.length} test rows of this run`,
  };
}
