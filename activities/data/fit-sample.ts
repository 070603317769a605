import {
  LabelCodeCollector,
  concatTables,
  createRng,
  decodeLabelCodes,
  detachStrings,
  labelColumnOf,
  splitDataset,
  type LabelCodes,
  type Table,
  type TableSchema,
} from '../../lib/ml';
import { readingOptionsOf } from '../../lib/ml/data/reading-spec';
import { shuffleInPlace } from '../../lib/ml/random';
import type { PipelineSpec } from '../../lib/pipeline/spec';
import type { ActivityDeps } from '../deps';
import type { IngestOutput, ValidateOutput } from '../pipeline-io';
import type { StepContext } from '../step-context';
import { SPLIT_CODES, cleanBatches, selectCleanRows } from './clean-rows';

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

interface SplitInput {
  spec: PipelineSpec;
  raw: IngestOutput;
  validation: ValidateOutput;
}

/** The label codes of the clean rows by reading the data (validation results of earlier versions lack them). */
async function readLabelCodes(deps: ActivityDeps, ctx: StepContext, input: SplitInput): Promise<LabelCodes> {
  const collector = new LabelCodeCollector();
  for await (const { batch, keep } of cleanBatches(deps, input.raw, input.validation, {
    reading: readingOptionsOf(input.spec.data),
  })) {
    collector.add(labelColumnOf(batch, input.spec.features.label), keep);
    ctx.heartbeat({ rowsScanned: collector.rows });
  }
  return collector.finish();
}

/**
 * A seeded (stratified) split of every clean row. The labels come from validation (one byte per row), so no pass
 * over the data is needed; without stratification only the number of clean rows matters.
 */
export async function planSplit(deps: ActivityDeps, ctx: StepContext, input: SplitInput): Promise<SplitPlan> {
  const { spec, validation } = input;
  const cleanRows = validation.rowCount - validation.quarantinedRows;
  let labelCodes: LabelCodes | undefined;
  if (spec.task === 'classification' && spec.split.stratify) {
    labelCodes = validation.labelCodes
      ? decodeLabelCodes(await deps.store.getBytes(validation.labelCodes.key))
      : await readLabelCodes(deps, ctx, input);
    if (labelCodes.codes.length !== cleanRows) {
      throw new Error(`label codes cover ${labelCodes.codes.length} rows, validation accepted ${cleanRows}`);
    }
  }
  const split = splitDataset({ rowCount: cleanRows, spec: spec.split, labelCodes });
  const codes = new Uint8Array(cleanRows);
  split.validation.forEach((i) => (codes[i] = SPLIT_CODES.validation));
  split.test.forEach((i) => (codes[i] = SPLIT_CODES.test));
  return {
    rowCount: cleanRows,
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
  const train = new Int32Array(plan.counts.train);
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

/**
 * One pass: the rows to fit on (bounded) and the raw test rows the smoke test will send. Other rows are skipped
 * inside the reader, before their cells are parsed.
 */
export async function collectFitSample(
  deps: ActivityDeps,
  ctx: StepContext,
  input: SplitInput & { plan: SplitPlan },
): Promise<FitSample> {
  const chosen = chooseTrainRows(input.plan, input.spec.split.seed);
  const codes = input.plan.codes;
  let servingRows = 0;
  const keep = (rowId: number): boolean => {
    if (chosen[rowId] === 1) return true;
    if (codes[rowId] !== SPLIT_CODES.test || servingRows >= SERVING_SAMPLE_ROWS) return false;
    servingRows++;
    return true;
  };
  const parts: Table[] = [];
  const reading = readingOptionsOf(input.spec.data);
  const trainRows: number[] = [];
  const testRows: Array<{ position: number; rowId: number }> = [];
  let position = 0;
  for await (const { batch, rowIds } of selectCleanRows(deps, input.raw, input.validation, { keep, reading })) {
    for (const rowId of rowIds) {
      if (chosen[rowId] === 1) trainRows.push(position);
      else testRows.push({ position, rowId });
      position += 1;
    }
    // Kept to the end of the pass: without this, its text cells would keep every chunk of the file in memory.
    parts.push(detachStrings(batch));
    ctx.heartbeat({ rowsSampled: position });
  }
  return {
    table: concatTables(parts, input.validation.schema as TableSchema),
    trainRows: Int32Array.from(trainRows),
    testRows,
  };
}
