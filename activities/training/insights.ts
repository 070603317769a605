import {
  classificationMetrics,
  columnGroupsOf,
  permutationImportance,
  predict,
  regressionMetrics,
  sampleRows,
  type FittedTransforms,
  type MlModel,
  type PermutationImportance,
} from '../../lib/ml';
import type { PipelineSpec } from '../../lib/pipeline/spec';
import { metricDirection } from '../../workflows/pipeline/policy';
import type { ActivityDeps } from '../deps';
import type { EvaluateInput } from '../pipeline-io';
import type { StepContext } from '../step-context';
import type { AbtSplit } from './abt-reader';
import { flatMetrics } from './metrics';

/** The flat metrics (accuracy, f1_macro, … | rmse, mae, r2) of a model on one split of the ABT. */
export function metricsOn(args: {
  model: MlModel;
  x: Float32Array;
  y: ArrayLike<number>;
  rowCount: number;
  classes: string[];
}): Record<string, number> {
  const prediction = predict({ model: args.model, x: args.x, rowCount: args.rowCount });
  return flatMetrics(
    prediction.task === 'classification'
      ? classificationMetrics({
          yTrue: args.y,
          probabilities: prediction.probabilities,
          numClasses: prediction.numClasses,
          classNames: args.classes,
        })
      : regressionMetrics({ yTrue: args.y, yPred: prediction.values }),
  );
}

type ImportanceSettings = NonNullable<PipelineSpec['evaluation']['importance']>;

function importanceSettings(spec: PipelineSpec): Required<Omit<ImportanceSettings, 'metric'>> & { metric: string } {
  const s = spec.evaluation.importance;
  return {
    enabled: s?.enabled ?? true,
    repeats: s?.repeats ?? 5,
    maxRows: s?.maxRows ?? 5000,
    seed: s?.seed ?? 42,
    metric: s?.metric ?? spec.evaluation.primaryMetric,
  };
}

/**
 * Permutation importance of the raw input columns on the test split (a seeded sample of at most maxRows rows),
 * measured as the drop of the chosen metric; undefined when the spec turns it off or the split is empty.
 */
export async function testSplitImportance(
  deps: ActivityDeps,
  ctx: StepContext,
  input: EvaluateInput,
  model: MlModel,
  test: AbtSplit,
): Promise<PermutationImportance | undefined> {
  const settings = importanceSettings(input.spec);
  if (!settings.enabled || test.rowCount === 0) return undefined;
  const fitted = JSON.parse(
    (await deps.store.getBytes(input.features.transform.key)).toString('utf8'),
  ) as FittedTransforms;
  const rows = sampleRows(test.rowCount, settings.maxRows, settings.seed);
  const width = test.featureCount;
  const x = new Float32Array(rows.length * width);
  const y = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    x.set(test.x.subarray(r * width, (r + 1) * width), i * width);
    y[i] = test.y[r] as number;
  });
  const classes = input.features.classes;
  const score = (features: Float32Array) => {
    const value = metricsOn({ model, x: features, y, rowCount: rows.length, classes })[settings.metric];
    if (value === undefined || !Number.isFinite(value)) {
      throw new Error(
        `evaluation.importance.metric "${settings.metric}" is not a metric of this task: use one the gate knows (README, "Metric names").`,
      );
    }
    return value;
  };
  return permutationImportance({
    x,
    rowCount: rows.length,
    featureCount: width,
    groups: columnGroupsOf(fitted.features),
    score,
    metric: settings.metric,
    direction: metricDirection(
      settings.metric,
      settings.metric === input.spec.evaluation.primaryMetric ? input.spec.evaluation.direction : undefined,
    ),
    repeats: settings.repeats,
    seed: settings.seed,
    onColumn: (done, total) => ctx.heartbeat({ importance: { columnsDone: done, columns: total } }),
  });
}
