import type { CellValue, ColumnSchema } from '../data/types';
import type { ModelSignature } from '../signature';
import type { FittedReading } from './reading';
import type { DatetimePart, Task } from './spec';

export const FITTED_TRANSFORMS_VERSION = 1;

/** Fitted state of one feature transform; `fill` is the value that replaces missing or non-finite input. */
export type FittedFeature =
  | { column: string; transform: 'standardize'; fill: number; mean: number; std: number }
  | { column: string; transform: 'minmax'; fill: number; min: number; max: number }
  | { column: string; transform: 'passthrough'; fill: number }
  | { column: string; transform: 'bucketize'; fill: number; boundaries: number[] }
  | { column: string; transform: 'onehot'; fill: string | null; categories: string[] }
  /** One output: the category's index in `categories`, or categories.length for unknown and missing values. */
  | { column: string; transform: 'embedding'; fill: string | null; categories: string[]; dimension: number }
  | { column: string; transform: 'datetime'; fill: number; parts: DatetimePart[]; mean: number[]; std: number[] };

export interface FittedLabel {
  column: string;
  /** Classification: class values in output-unit order (index i ↔ probability i). null for regression. */
  classes: CellValue[] | null;
}

/**
 * Everything needed to turn raw rows into model inputs, as JSON. Training and the prediction service both apply it
 * with applyTransforms, so features are computed by one implementation (no train/serve skew).
 */
export interface FittedTransforms {
  version: typeof FITTED_TRANSFORMS_VERSION;
  task: Task;
  label: FittedLabel;
  /** Input columns and the types used to parse them (also for JSON rows at serving time). */
  inputs: ColumnSchema[];
  features: FittedFeature[];
  featureNames: string[];
  /** The raw inputs as the training rows showed them (types, required, categories, ranges): checked on predict. */
  signature?: ModelSignature;
  /**
   * How raw rows are read before the transforms: declared missing tokens and datetime formats, and the derived
   * columns `inputs` may name, computed from the raw columns in `reading.raw`. Absent: rows carry `inputs` as they are.
   */
  reading?: FittedReading;
}
