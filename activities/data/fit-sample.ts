import {
  cellKey,
  concatTables,
  createRng,
  labelColumnOf,
  selectRows,
  splitDataset,
  type Table,
  type TableSchema,
} from '../../lib/ml';
import { shuffleInPlace } from '../../lib/ml/random';
import type { PipelineSpec } from '../../lib/pipeline/spec';
import type { ActivityDeps } from '../deps';
import type { IngestOutput, ValidateOutput } from '../pipeline-io';
import type { StepContext } from '../step-context';
import { SPLIT_CODES, cleanBatches } from './clean-rows';

/**
 * Transforms are fitted on at most this many training rows (a seeded uniform sample of the training split): the
 * step's memory is bounded whatever the dataset's size, and means, quantiles and category counts of a 200k-row
 * sample are as good as exact for standardisation, bucketing and one-hot vocabularies.
 */
export const FIT_SAMPLE_ROWS = Number(process.env.MLOPS_FIT_SAMPLE_ROWS ?? 200_000);
export const SERVING_SAMPLE_ROWS = 200;

export interface SplitPlan {
  rowCount: number;
  /** Split code per clean row (0 train, 1 validation, 2 test). */
  codes: Uint8Array;
  counts: { train: number; validation: number; test: number };
}

/** Pass 1: only the label of each clean row (as a small integer), for a seeded, stratified split of all rows. */
export async function planSplit(
  deps: ActivityDeps,
  ctx: StepContext,
  input: { spec: PipelineSpec; raw: IngestOutput; validation: ValidateOutput },
): Promise<SplitPlan> {
  const classification = input.spec.task === 'classification';
  const dictionary = new Map<string, number>();
  let labels = new Int32Array(1 << 16);
  let rowCount = 0;
  for await (const { batch, keep } of cleanBatches(deps, input.raw, input.validation)) {
    if (classification) {
      const column = labelColumnOf(batch, input.spec.features.label);
      if (labels.length < rowCount + keep.length) {
        const grown = new Int32Array(Math.max(labels.length * 2, rowCount + keep.length));
        grown.set(labels);
        labels = grown;
      }
      keep.forEach((i, k) => {
        const key = cellKey(column, i) ?? '';
        let code = dictionary.get(key);
        if (code === undefined) dictionary.set(key, (code = dictionary.size));
        labels[rowCount + k] = code;
      });
    }
    rowCount += keep.length;
    ctx.heartbeat({ rowsScanned: rowCount });
  }
  // Stratify on the label values themselves, so the split does not depend on the order classes first appear in.
  const names = [...dictionary.keys()];
  const stratifyBy = classification ? Array.from(labels.subarray(0, rowCount), (c) => names[c] as string) : undefined;
  const split = splitDataset({ rowCount, spec: input.spec.split, labels: stratifyBy });
  const codes = new Uint8Array(rowCount);
  split.validation.forEach((i) => (codes[i] = SPLIT_CODES.validation));
  split.test.forEach((i) => (codes[i] = SPLIT_CODES.test));
  return {
    rowCount,
    codes,
    counts: { train: split.train.length, validation: split.validation.length, test: split.test.length },
  };
}

export interface FitSample {
  /** The sampled training rows followed by the first test rows (serving sample), in source order. */
  table: Table;
  /** Positions in `table` of the training rows. */
  trainRows: Int32Array;
  /** Positions in `table` of the serving-sample test rows, with their clean row ids. */
  testRows: Array<{ position: number; rowId: number }>;
}

function chooseTrainRows(plan: SplitPlan, seed: number): Uint8Array {
  const train = Int32Array.from({ length: plan.counts.train });
  let next = 0;
  plan.codes.forEach((c, i) => {
    if (c === SPLIT_CODES.train) train[next++] = i;
  });
  const chosen = new Uint8Array(plan.rowCount);
  const picked =
    train.length <= FIT_SAMPLE_ROWS ? train : shuffleInPlace(train, createRng(seed)).subarray(0, FIT_SAMPLE_ROWS);
  picked.forEach((i) => (chosen[i] = 1));
  return chosen;
}

/** Pass 2: the rows to fit on (bounded) and the raw test rows the smoke test will send. */
export async function collectFitSample(
  deps: ActivityDeps,
  ctx: StepContext,
  input: { spec: PipelineSpec; raw: IngestOutput; validation: ValidateOutput; plan: SplitPlan },
): Promise<FitSample> {
  const chosen = chooseTrainRows(input.plan, input.spec.split.seed);
  const parts: Table[] = [];
  const trainRows: number[] = [];
  const testRows: Array<{ position: number; rowId: number }> = [];
  let rowId = 0;
  let position = 0;
  for await (const { batch, keep } of cleanBatches(deps, input.raw, input.validation)) {
    const take: number[] = [];
    for (const i of keep) {
      const isTrain = chosen[rowId] === 1;
      const isSampleTest = input.plan.codes[rowId] === SPLIT_CODES.test && testRows.length < SERVING_SAMPLE_ROWS;
      if (isTrain || isSampleTest) {
        if (isTrain) trainRows.push(position);
        else testRows.push({ position, rowId });
        take.push(i);
        position += 1;
      }
      rowId += 1;
    }
    if (take.length) parts.push(selectRows(batch, take));
    ctx.heartbeat({ rowsSampled: position });
  }
  return {
    table: concatTables(parts, input.validation.schema as TableSchema),
    trainRows: Int32Array.from(trainRows),
    testRows,
  };
}
