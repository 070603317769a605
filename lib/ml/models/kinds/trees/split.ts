import type { FeatureBins } from './binning';

/**
 * Split search over node statistics. A node's statistics per output channel k are G_k (sum of targets or negative
 * gradients, weighted) and H (sum of weights or hessians); a split's gain is the loss reduction of a second-order
 * model with L2 penalty λ: Σ_k G_Lk²/(H_L+λ) + G_Rk²/(H_R+λ) − G_k²/(H+λ). With G = Σ w·y and H = Σ w (λ = 0) this is
 * exactly the weighted sum-of-squares reduction of a regression tree, and on one-hot targets the Gini decrease of a
 * classification tree, so random forests and gradient boosting share this code.
 *
 * Statistics are laid out as [count, H, G_0 … G_{K−1}] (stride K + 2), in histograms once per bin.
 */

export interface SplitRules {
  minSamplesLeaf: number;
  minHessian: number;
  lambda: number;
}

/** Σ_k G_k² / (H + λ), reading [count, H, G…] at `at`. */
export function nodeScore(stats: Float64Array, at: number, outputs: number, lambda: number): number {
  const h = (stats[at + 1] as number) + lambda;
  if (h <= 0) return 0;
  let s = 0;
  for (let k = 0; k < outputs; k++) {
    const g = stats[at + 2 + k] as number;
    s += g * g;
  }
  return s / h;
}

/** Row data a search reads: bins row-major, per-row G (row × K) and H. */
export interface SearchData {
  binned: Uint8Array;
  bins: FeatureBins;
  featureCount: number;
  outputs: number;
  grad: Float64Array;
  hess: Float64Array;
}

/** Nodes below this size are searched from sorted rows; larger ones from histograms. */
export const SMALL_NODE = 128;

/**
 * The best split of one node over the features it is shown, with preallocated scratch space (no allocation per
 * candidate: this is the inner loop of tree training). Ties keep the first candidate (lowest feature, then bin).
 */
export class SplitSearch {
  readonly stride: number;
  /** The best split so far: feature (−1: none), bin, gain and the left child's statistics. */
  feature = -1;
  bin = -1;
  gain = 0;
  readonly bestLeft: Float64Array;
  private readonly left: Float64Array;
  private readonly keys = new Float64Array(SMALL_NODE);
  private total: Float64Array = new Float64Array(0);
  private parentScore = 0;

  constructor(
    private readonly data: SearchData,
    private readonly rules: SplitRules,
  ) {
    this.stride = data.outputs + 2;
    this.bestLeft = new Float64Array(this.stride);
    this.left = new Float64Array(this.stride);
  }

  /** Starts a node: gains at or below `floor` are not splits. */
  begin(total: Float64Array, floor: number): void {
    this.total = total;
    this.parentScore = nodeScore(total, 0, this.data.outputs, this.rules.lambda);
    this.feature = -1;
    this.bin = -1;
    this.gain = Math.max(floor, 1e-10 * Math.abs(this.parentScore));
  }

  /** Scores splitting after the running left statistics; keeps it when it beats the best. */
  private consider(feature: number, bin: number): void {
    const { left, total, rules } = this;
    const K = this.data.outputs;
    const countLeft = left[0] as number;
    const countRight = (total[0] as number) - countLeft;
    if (countLeft < rules.minSamplesLeaf || countRight < rules.minSamplesLeaf) return;
    const hLeft = left[1] as number;
    const hRight = (total[1] as number) - hLeft;
    if (hLeft < rules.minHessian || hRight < rules.minHessian) return;
    let sLeft = 0;
    let sRight = 0;
    for (let k = 0; k < K; k++) {
      const gl = left[2 + k] as number;
      const gr = (total[2 + k] as number) - gl;
      sLeft += gl * gl;
      sRight += gr * gr;
    }
    const gain = sLeft / (hLeft + rules.lambda) + sRight / (hRight + rules.lambda) - this.parentScore;
    if (gain > this.gain) {
      this.gain = gain;
      this.feature = feature;
      this.bin = bin;
      this.bestLeft.set(left);
    }
  }

  /** Candidates of one feature from the node's histogram. */
  histogram(hist: Float64Array, feature: number): void {
    const { left, stride } = this;
    const count = this.total[0] as number;
    const first = this.data.bins.offsets[feature] as number;
    const last = first + (this.data.bins.binCounts[feature] as number) - 1;
    left.fill(0);
    const minLeaf = this.rules.minSamplesLeaf;
    for (let b = first; b < last; b++) {
      const at = b * stride;
      if ((hist[at] as number) === 0) continue;
      for (let j = 0; j < stride; j++) left[j] = (left[j] as number) + (hist[at + j] as number);
      const countLeft = left[0] as number;
      if (count - countLeft < minLeaf) return;
      if (countLeft >= minLeaf) this.consider(feature, b - first);
    }
  }

  /** The same candidates from the node's rows sorted by bin (small nodes: fewer operations than a histogram). */
  rows(rows: Int32Array, start: number, end: number, feature: number): void {
    const { left, keys } = this;
    const { binned, featureCount: d, grad, hess, outputs: K } = this.data;
    const n = end - start;
    for (let k = 0; k < n; k++) keys[k] = (binned[(rows[start + k] as number) * d + feature] as number) * 65_536 + k;
    const sorted = keys.subarray(0, n).sort();
    left.fill(0);
    for (let k = 0; k < n - 1; k++) {
      const key = sorted[k] as number;
      const bin = Math.floor(key / 65_536);
      const r = rows[start + (key - bin * 65_536)] as number;
      left[0] = (left[0] as number) + 1;
      left[1] = (left[1] as number) + (hess[r] as number);
      for (let j = 0; j < K; j++) left[2 + j] = (left[2 + j] as number) + (grad[r * K + j] as number);
      if (Math.floor((sorted[k + 1] as number) / 65_536) !== bin) this.consider(feature, bin);
    }
  }
}

/** Sums the rows [start, end) into a histogram of every feature's bins (cleared first). */
export function buildHistogram(
  hist: Float64Array,
  data: SearchData,
  rows: Int32Array,
  start: number,
  end: number,
): void {
  const { binned, grad, hess, outputs: K } = data;
  const offsets = data.bins.offsets;
  const d = offsets.length;
  const stride = K + 2;
  hist.fill(0);
  for (let k = start; k < end; k++) {
    const r = rows[k] as number;
    const rb = r * d;
    const h = hess[r] as number;
    if (K === 1) {
      const g = grad[r] as number;
      for (let f = 0; f < d; f++) {
        const at = ((offsets[f] as number) + (binned[rb + f] as number)) * 3;
        hist[at] = (hist[at] as number) + 1;
        hist[at + 1] = (hist[at + 1] as number) + h;
        hist[at + 2] = (hist[at + 2] as number) + g;
      }
      continue;
    }
    const gb = r * K;
    for (let f = 0; f < d; f++) {
      const at = ((offsets[f] as number) + (binned[rb + f] as number)) * stride;
      hist[at] = (hist[at] as number) + 1;
      hist[at + 1] = (hist[at + 1] as number) + h;
      for (let j = 0; j < K; j++) hist[at + 2 + j] = (hist[at + 2 + j] as number) + (grad[gb + j] as number);
    }
  }
}
