import { MlError } from '../errors';
import { ss } from '../simple-statistics';

/** Class labels are indices 0..numClasses−1; probabilities are row-major rows × numClasses. */
export interface ClassificationInput {
  yTrue: ArrayLike<number>;
  probabilities: ArrayLike<number>;
  numClasses: number;
}

export interface PerClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationMetrics {
  count: number;
  accuracy: number;
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  logLoss: number;
  /** Binary: AUC of class 1's probability; multiclass: one-vs-rest macro average. null when undefined (one class). */
  rocAuc: number | null;
  perClass: (PerClassMetrics & { class: string })[];
  /** confusionMatrix[true][predicted]. */
  confusionMatrix: number[][];
}

function checkShapes(yTrue: ArrayLike<number>, values: ArrayLike<number>, perRow: number): void {
  if (values.length !== yTrue.length * perRow) {
    throw new MlError({
      code: 'INVALID_INPUT',
      message: `Expected ${yTrue.length * perRow} values for ${yTrue.length} rows, got ${values.length}.`,
    });
  }
}

/** Index of the largest probability in each row (ties: the lower index). */
export function argmaxRows(args: { probabilities: ArrayLike<number>; numClasses: number }): Int32Array {
  const { probabilities: p, numClasses: k } = args;
  const out = new Int32Array(p.length / k);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if ((p[i * k + c] as number) > (p[i * k + best] as number)) best = c;
    out[i] = best;
  }
  return out;
}

export function accuracy(args: { yTrue: ArrayLike<number>; yPred: ArrayLike<number> }): number {
  checkShapes(args.yTrue, args.yPred, 1);
  let hits = 0;
  for (let i = 0; i < args.yTrue.length; i++) if (args.yTrue[i] === args.yPred[i]) hits++;
  return args.yTrue.length === 0 ? 0 : hits / args.yTrue.length;
}

export function confusionMatrix(args: {
  yTrue: ArrayLike<number>;
  yPred: ArrayLike<number>;
  numClasses: number;
}): number[][] {
  checkShapes(args.yTrue, args.yPred, 1);
  const m = Array.from({ length: args.numClasses }, () => new Array<number>(args.numClasses).fill(0));
  for (let i = 0; i < args.yTrue.length; i++) {
    const row = m[args.yTrue[i] as number];
    const predicted = args.yPred[i] as number;
    if (row && predicted >= 0 && predicted < args.numClasses) row[predicted] = (row[predicted] as number) + 1;
  }
  return m;
}

/**
 * Per-class precision/recall/F1 and their macro averages. A class never predicted has precision 0 (scikit-learn's
 * zero_division=0); macro averages run over classes that occur in yTrue or yPred, as scikit-learn's default.
 */
export function precisionRecallF1(args: { yTrue: ArrayLike<number>; yPred: ArrayLike<number>; numClasses: number }) {
  const m = confusionMatrix(args);
  const perClass: PerClassMetrics[] = m.map((row, c) => {
    const tp = row[c] as number;
    const support = ss.sum(row);
    const predicted = ss.sum(m.map((r) => r[c] as number));
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { precision, recall, f1, support };
  });
  const present = perClass.filter((p, c) => p.support > 0 || ss.sum(m.map((r) => r[c] as number)) > 0);
  const avg = (pick: (p: PerClassMetrics) => number) => (present.length === 0 ? 0 : ss.mean(present.map(pick)));
  return {
    perClass,
    macro: { precision: avg((p) => p.precision), recall: avg((p) => p.recall), f1: avg((p) => p.f1) },
  };
}

/** Mean negative log-likelihood of the true class, probabilities clipped to [eps, 1 − eps]. */
export function logLoss(args: ClassificationInput & { eps?: number }): number {
  checkShapes(args.yTrue, args.probabilities, args.numClasses);
  const eps = args.eps ?? 1e-15;
  let total = 0;
  for (let i = 0; i < args.yTrue.length; i++) {
    const p = args.probabilities[i * args.numClasses + (args.yTrue[i] as number)] as number;
    total -= Math.log(Math.min(1 - eps, Math.max(eps, p)));
  }
  return args.yTrue.length === 0 ? 0 : total / args.yTrue.length;
}

/** AUC = P(score of a positive > score of a negative), ties counting ½: the Mann–Whitney U over n⁺·n⁻. */
export function binaryAuc(args: { positive: number[]; negative: number[] }): number | null {
  const n1 = args.positive.length;
  const n0 = args.negative.length;
  if (n1 === 0 || n0 === 0) return null;
  const rankSum = ss.wilcoxonRankSum(args.positive, args.negative);
  return (rankSum - (n1 * (n1 + 1)) / 2) / (n1 * n0);
}

export function rocAuc(args: ClassificationInput): number | null {
  checkShapes(args.yTrue, args.probabilities, args.numClasses);
  const k = args.numClasses;
  const aucFor = (c: number): number | null => {
    const positive: number[] = [];
    const negative: number[] = [];
    for (let i = 0; i < args.yTrue.length; i++)
      (args.yTrue[i] === c ? positive : negative).push(args.probabilities[i * k + c] as number);
    return binaryAuc({ positive, negative });
  };
  if (k === 2) return aucFor(1);
  const aucs = Array.from({ length: k }, (_, c) => aucFor(c)).filter((a): a is number => a !== null);
  return aucs.length === 0 ? null : ss.mean(aucs);
}

export function classificationMetrics(
  args: ClassificationInput & { classNames?: readonly string[] },
): ClassificationMetrics {
  const yPred = argmaxRows(args);
  const { perClass, macro } = precisionRecallF1({ yTrue: args.yTrue, yPred, numClasses: args.numClasses });
  return {
    count: args.yTrue.length,
    accuracy: accuracy({ yTrue: args.yTrue, yPred }),
    macroPrecision: macro.precision,
    macroRecall: macro.recall,
    macroF1: macro.f1,
    logLoss: logLoss(args),
    rocAuc: rocAuc(args),
    perClass: perClass.map((p, c) => ({ class: args.classNames?.[c] ?? String(c), ...p })),
    confusionMatrix: confusionMatrix({ yTrue: args.yTrue, yPred, numClasses: args.numClasses }),
  };
}
