import { z } from 'zod';
import { MlError } from '../errors';

/** 'none', 'balanced' (class c weighs n / (classes × n_c)), or a record of class label → weight. */
export const ClassWeightsSchema = z
  .union([z.enum(['none', 'balanced']), z.record(z.string(), z.number().positive())])
  .default('none');
export type ClassWeightsSetting = z.infer<typeof ClassWeightsSchema>;

/**
 * Per-class loss weights: 'balanced' gives class c the weight n / (classes × n_c) (scikit-learn's formula; absent
 * classes get 1); a record maps class labels (or indices) to weights, unlisted classes 1. null means unweighted.
 */
export function classWeightsFor(args: {
  y: Int32Array | Float32Array | { counts: readonly number[] };
  numClasses: number;
  setting: ClassWeightsSetting;
  classNames?: readonly string[];
}): Float32Array | null {
  const { y, numClasses, setting } = args;
  if (setting === 'none') return null;
  const weights = new Float32Array(numClasses).fill(1);
  if (setting === 'balanced') {
    // A split streamed from disk (lib/ml/out-of-core) gives its class counts instead of its targets.
    const counts = new Array<number>(numClasses).fill(0);
    if ('counts' in y) y.counts.forEach((n, c) => (counts[c] = n));
    else for (const c of y) counts[c] = (counts[c] ?? 0) + 1;
    const total = counts.reduce((a, b) => a + b, 0);
    counts.forEach((n, c) => (weights[c] = n > 0 ? total / (numClasses * n) : 1));
    return weights;
  }
  for (const [key, weight] of Object.entries(setting)) {
    const byName = args.classNames?.indexOf(key) ?? -1;
    const index = byName >= 0 ? byName : /^\d+$/.test(key) ? Number(key) : -1;
    if (index < 0 || index >= numClasses) {
      throw new MlError({
        code: 'INVALID_INPUT',
        message: `classWeights names "${key}", which is not a class (${(args.classNames ?? []).join(', ')}).`,
      });
    }
    weights[index] = weight;
  }
  return weights;
}
