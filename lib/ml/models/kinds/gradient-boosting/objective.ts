import type { TreeModelState } from '../trees/model';

/**
 * The loss that boosting descends, as LightGBM defines it: squared error (regression), binary log loss on one score,
 * or softmax cross-entropy on one score per class. Gradients are written as the grower wants them: G = −gradient
 * and H = hessian, both times the row's class weight.
 */
export interface Objective {
  /** Raw scores per row. */
  outputs: number;
  link: TreeModelState['link'];
  /** Initial raw scores (boosting from the average, as LightGBM does). */
  base: number[];
  /** Fills grad[k]/hess[k] of every output k from the current raw scores (rowCount × outputs). */
  gradients(args: { raw: Float64Array; grad: Float64Array[]; hess: Float64Array[] }): void;
}

const clip = (p: number) => Math.min(1 - 1e-12, Math.max(1e-12, p));

export function objectiveFor(args: {
  classifier: boolean;
  numClasses: number;
  y: Int32Array | Float32Array;
  rowWeights: Float64Array;
}): Objective {
  const { y, rowWeights: w } = args;
  const n = y.length;
  const totalWeight = w.reduce((a, b) => a + b, 0);
  if (!args.classifier) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (w[i] as number) * (y[i] as number);
    return {
      outputs: 1,
      link: 'identity',
      base: [sum / totalWeight],
      gradients: ({ raw, grad: [g], hess: [h] }) => {
        for (let i = 0; i < n; i++) {
          (g as Float64Array)[i] = (w[i] as number) * ((y[i] as number) - (raw[i] as number));
          (h as Float64Array)[i] = w[i] as number;
        }
      },
    };
  }
  const K = args.numClasses;
  const prior = new Float64Array(K);
  for (let i = 0; i < n; i++) prior[y[i] as number] = (prior[y[i] as number] as number) + (w[i] as number);
  if (K === 2) {
    const p = clip((prior[1] as number) / totalWeight);
    return {
      outputs: 1,
      link: 'logistic',
      base: [Math.log(p / (1 - p))],
      gradients: ({ raw, grad: [g], hess: [h] }) => {
        for (let i = 0; i < n; i++) {
          const p1 = 1 / (1 + Math.exp(-(raw[i] as number)));
          (g as Float64Array)[i] = (w[i] as number) * ((y[i] === 1 ? 1 : 0) - p1);
          (h as Float64Array)[i] = (w[i] as number) * Math.max(p1 * (1 - p1), 1e-16);
        }
      },
    };
  }
  // LightGBM scales the softmax hessian by K / (K − 1).
  const factor = K / (K - 1);
  return {
    outputs: K,
    link: 'softmax',
    base: Array.from(prior, (c) => Math.log(clip(c / totalWeight))),
    gradients: ({ raw, grad, hess }) => {
      const e = new Float64Array(K);
      for (let i = 0; i < n; i++) {
        let max = -Infinity;
        for (let j = 0; j < K; j++) max = Math.max(max, raw[i * K + j] as number);
        let sum = 0;
        for (let j = 0; j < K; j++) sum += e[j] = Math.exp((raw[i * K + j] as number) - max);
        for (let k = 0; k < K; k++) {
          const p = (e[k] as number) / sum;
          (grad[k] as Float64Array)[i] = (w[i] as number) * ((y[i] === k ? 1 : 0) - p);
          (hess[k] as Float64Array)[i] = (w[i] as number) * Math.max(factor * p * (1 - p), 1e-16);
        }
      }
    },
  };
}
