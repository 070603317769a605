import { z } from 'zod';
import { DataError } from '../errors';
import { createRng, shuffleInPlace } from '../random';

export const SplitSpecSchema = z.strictObject({
  /** Shares of the clean rows in the train, validation and test splits; they must sum to 1. */
  ratios: z
    .strictObject({
      train: z.number().min(0).max(1),
      validation: z.number().min(0).max(1),
      test: z.number().min(0).max(1),
    })
    .refine((r) => Math.abs(r.train + r.validation + r.test - 1) < 1e-6, 'split ratios must sum to 1')
    .refine((r) => r.train > 0, 'the train ratio must be positive')
    .default({ train: 0.7, validation: 0.15, test: 0.15 }),
  /** Seeds the shuffle: the same seed and data give the same split on every run. */
  seed: z.number().int().default(42),
  /** Classification: keep class proportions in every split. Ignored when no labels are given. */
  stratify: z.boolean().default(true),
});
export type SplitSpec = z.infer<typeof SplitSpecSchema>;
export type SplitSpecInput = z.input<typeof SplitSpecSchema>;

export interface DatasetSplit {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

/** Row indices per class, classes in code order, from per-row codes 0..classCount-1 (typed arrays only). */
function strataFromCodes(rowCount: number, codes: ArrayLike<number>, classCount: number): Int32Array[] {
  const sizes = new Int32Array(classCount);
  for (let i = 0; i < rowCount; i++) {
    const code = codes[i] as number;
    sizes[code] = (sizes[code] as number) + 1;
  }
  const groups = Array.from(sizes, (size) => new Int32Array(size));
  const filled = new Int32Array(classCount);
  for (let i = 0; i < rowCount; i++) {
    const code = codes[i] as number;
    const at = filled[code] as number;
    (groups[code] as Int32Array)[at] = i;
    filled[code] = at + 1;
  }
  return groups.filter((g) => g.length > 0);
}

function strata(rowCount: number, labels: ArrayLike<number | string> | undefined): Int32Array[] {
  if (!labels) return [Int32Array.from({ length: rowCount }, (_, i) => i)];
  const groups = new Map<string, number[]>();
  for (let i = 0; i < rowCount; i++) {
    const key = String(labels[i]);
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  }
  // Sorted keys: the result must not depend on which class happens to appear first.
  return [...groups.keys()].sort().map((key) => Int32Array.from(groups.get(key) ?? []));
}

/**
 * Deterministic train/validation/test split of `rowCount` rows: the same seed and data give the same indices. With
 * `labels` and `stratify`, each class is split separately (validation and test sizes rounded per class, the rest to
 * training, which always gets at least one row of every class). Indices come back sorted.
 */
export function splitDataset(args: {
  rowCount: number;
  spec?: SplitSpecInput | SplitSpec;
  labels?: ArrayLike<number | string>;
  /**
   * Labels as codes instead (LabelCodes): class c's rows are those with code c, and codes follow the sorted order
   * of the class keys, so the split is the same as with `labels` set to the keys, without a string per row.
   */
  labelCodes?: { codes: ArrayLike<number>; classes: readonly string[] };
}): DatasetSplit {
  const spec = SplitSpecSchema.parse(args.spec ?? {});
  if (args.rowCount < 1) throw new DataError({ code: 'NOT_ENOUGH_DATA', message: 'Cannot split an empty dataset.' });
  const rng = createRng(spec.seed);
  const parts = { train: [] as Int32Array[], validation: [] as Int32Array[], test: [] as Int32Array[] };
  const groups =
    spec.stratify && args.labelCodes
      ? strataFromCodes(args.rowCount, args.labelCodes.codes, args.labelCodes.classes.length)
      : strata(args.rowCount, spec.stratify ? args.labels : undefined);
  for (const group of groups) {
    shuffleInPlace(group, rng);
    const n = group.length;
    let validation = Math.round(n * spec.ratios.validation);
    let test = Math.round(n * spec.ratios.test);
    while (validation + test > n - 1 && validation + test > 0) {
      if (test >= validation) test--;
      else validation--;
    }
    parts.validation.push(group.subarray(0, validation));
    parts.test.push(group.subarray(validation, validation + test));
    parts.train.push(group.subarray(validation + test));
  }
  const sorted = (chunks: Int32Array[]): Int32Array => {
    const out = new Int32Array(chunks.reduce((n, c) => n + c.length, 0));
    chunks.reduce((offset, c) => (out.set(c, offset), offset + c.length), 0);
    return out.sort();
  };
  return { train: sorted(parts.train), validation: sorted(parts.validation), test: sorted(parts.test) };
}
