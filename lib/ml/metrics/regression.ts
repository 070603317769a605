import { MlError } from '../errors';
import { ss } from '../simple-statistics';

export interface RegressionMetrics {
  count: number;
  rmse: number;
  mae: number;
  /** 1 − SS_res / SS_tot; null when the targets are constant (SS_tot = 0). */
  r2: number | null;
}

export function regressionMetrics(args: { yTrue: ArrayLike<number>; yPred: ArrayLike<number> }): RegressionMetrics {
  const n = args.yTrue.length;
  if (args.yPred.length !== n) {
    throw new MlError({ code: 'INVALID_INPUT', message: `yTrue has ${n} values but yPred has ${args.yPred.length}.` });
  }
  if (n === 0) return { count: 0, rmse: 0, mae: 0, r2: null };
  const truth = Array.from(args.yTrue);
  const errors = truth.map((y, i) => (args.yPred[i] as number) - y);
  const mean = ss.mean(truth);
  const ssTot = ss.sum(truth.map((y) => (y - mean) ** 2));
  const ssRes = ss.sum(errors.map((e) => e * e));
  return {
    count: n,
    rmse: ss.rootMeanSquare(errors),
    mae: ss.mean(errors.map(Math.abs)),
    r2: ssTot === 0 ? null : 1 - ssRes / ssTot,
  };
}
