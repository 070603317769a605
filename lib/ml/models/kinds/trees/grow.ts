import type { Rng } from '../../../random';
import type { FeatureBins } from './binning';
import { buildHistogram, SMALL_NODE, SplitSearch, type SearchData, type SplitRules } from './split';

export interface GrowRules extends SplitRules {
  /** Depth limit (the root is depth 0); Infinity grows until no split helps. */
  maxDepth: number;
  /** A split must reduce the loss by more than this. */
  minGain: number;
  /** Features drawn at random for each split (random forests), or null for every allowed feature. */
  featuresPerSplit: number | null;
}

/** The training data of one run, binned once and shared by every tree. */
export interface BinnedData {
  binned: Uint8Array;
  bins: FeatureBins;
  rowCount: number;
  featureCount: number;
}

/** Per-row targets of one tree: `outputs` channels of G (row × outputs) and the weight/hessian H per row. */
export interface TreeTargets {
  outputs: number;
  grad: Float64Array;
  hess: Float64Array;
}

/**
 * A grown tree as flat arrays. Node 0 is the root; `feature` is −1 at leaves. An internal node sends x to `left`
 * when x[feature] ≤ threshold. `sums` holds each node's [count, H, G_0 … G_{K−1}], from which the caller derives
 * leaf values.
 */
export interface GrownTree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  sums: Float64Array;
}

interface Pending {
  node: number;
  start: number;
  end: number;
  depth: number;
  /** [count, H, G…] of the node. */
  total: Float64Array;
  /** The node's histogram (large nodes only). */
  hist: Float64Array | null;
}

/** Reuses histogram buffers: a tree needs about one per level at a time. */
class HistogramPool {
  private free: Float64Array[] = [];

  constructor(private readonly size: number) {}

  take(): Float64Array {
    return this.free.pop() ?? new Float64Array(this.size);
  }

  give(hist: Float64Array | null): void {
    if (hist) this.free.push(hist);
  }
}

/** Moves the rows [start, end) going left to the front, keeping each side's order; returns the first right row. */
function partition(
  rows: Int32Array,
  scratch: Int32Array,
  p: Pending,
  data: BinnedData,
  f: number,
  bin: number,
): number {
  const d = data.featureCount;
  let l = p.start;
  let r = 0;
  for (let k = p.start; k < p.end; k++) {
    const row = rows[k] as number;
    if ((data.binned[row * d + f] as number) <= bin) rows[l++] = row;
    else scratch[r++] = row;
  }
  rows.set(scratch.subarray(0, r), l);
  return l;
}

/** The features a split may use: every allowed one, or `featuresPerSplit` of them drawn without replacement. */
function candidateFeatures(allowed: Int32Array, count: number | null, rng: Rng, buffer: Int32Array): Int32Array {
  if (count === null || count >= allowed.length) return allowed;
  buffer.set(allowed);
  for (let i = 0; i < count; i++) {
    const j = i + rng.nextInt(allowed.length - i);
    const t = buffer[i] as number;
    buffer[i] = buffer[j] as number;
    buffer[j] = t;
  }
  return buffer.subarray(0, count).sort();
}

/**
 * Grows one tree depth-first over the given rows (reordered in place), on histograms of binned features with the
 * sibling-subtraction trick: only the smaller child's histogram is built, the larger one is parent − smaller. Adds
 * each split's gain to `importance[feature]`. Deterministic for the same inputs and rng state.
 */
export function growTree(args: {
  data: BinnedData;
  targets: TreeTargets;
  rows: Int32Array;
  allowed: Int32Array;
  rules: GrowRules;
  rng: Rng;
  importance: Float64Array;
}): GrownTree {
  const { data, targets, rows, rules, rng } = args;
  const K = targets.outputs;
  const stride = K + 2;
  const searchData: SearchData = { ...data, ...targets };
  const search = new SplitSearch(searchData, rules);
  const pool = new HistogramPool(data.bins.totalBins * stride);
  const partitionScratch = new Int32Array(rows.length);
  const featureBuffer = new Int32Array(args.allowed.length);
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const sums: number[] = [];
  const addNode = (total: Float64Array): number => {
    feature.push(-1);
    threshold.push(0);
    left.push(-1);
    right.push(-1);
    for (const v of total) sums.push(v);
    return feature.length - 1;
  };
  const histogramOf = (start: number, end: number): Float64Array => {
    const hist = pool.take();
    buildHistogram(hist, searchData, rows, start, end);
    return hist;
  };

  const rootTotal = new Float64Array(stride);
  for (const r of rows) {
    rootTotal[0] = (rootTotal[0] as number) + 1;
    rootTotal[1] = (rootTotal[1] as number) + (targets.hess[r] as number);
    for (let j = 0; j < K; j++) rootTotal[2 + j] = (rootTotal[2 + j] as number) + (targets.grad[r * K + j] as number);
  }
  const big = (n: number) => n >= SMALL_NODE;
  const stack: Pending[] = [
    {
      node: addNode(rootTotal),
      start: 0,
      end: rows.length,
      depth: 0,
      total: rootTotal,
      hist: big(rows.length) ? histogramOf(0, rows.length) : null,
    },
  ];
  while (stack.length > 0) {
    const p = stack.pop() as Pending;
    if (p.depth >= rules.maxDepth || !findSplit(p)) {
      pool.give(p.hist);
      continue;
    }
    const f = search.feature;
    const mid = partition(rows, partitionScratch, p, data, f, search.bin);
    const leftTotal = search.bestLeft.slice();
    const rightTotal = p.total.map((v, j) => v - (leftTotal[j] as number));
    const leftNode = addNode(leftTotal);
    const rightNode = addNode(rightTotal);
    feature[p.node] = f;
    threshold[p.node] = data.bins.thresholds[f]?.[search.bin] as number;
    left[p.node] = leftNode;
    right[p.node] = rightNode;
    args.importance[f] = (args.importance[f] as number) + search.gain;

    const children = childHistograms(p, mid);
    stack.push(
      { node: rightNode, start: mid, end: p.end, depth: p.depth + 1, total: rightTotal, hist: children.right },
      { node: leftNode, start: p.start, end: mid, depth: p.depth + 1, total: leftTotal, hist: children.left },
    );
  }
  return {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    sums: Float64Array.from(sums),
  };

  /** Runs the split search on the node; true when it found a split (in `search`). */
  function findSplit(p: Pending): boolean {
    if (p.end - p.start < 2 * rules.minSamplesLeaf) return false;
    search.begin(p.total, rules.minGain);
    for (const f of candidateFeatures(args.allowed, rules.featuresPerSplit, rng, featureBuffer)) {
      if (p.hist) search.histogram(p.hist, f);
      else search.rows(rows, p.start, p.end, f);
    }
    return search.feature >= 0;
  }

  function childHistograms(p: Pending, mid: number): { left: Float64Array | null; right: Float64Array | null } {
    const nLeft = mid - p.start;
    const nRight = p.end - mid;
    if (!p.hist || (!big(nLeft) && !big(nRight))) {
      pool.give(p.hist);
      return { left: null, right: null };
    }
    const leftSmaller = nLeft <= nRight;
    const smaller = leftSmaller ? histogramOf(p.start, mid) : histogramOf(mid, p.end);
    const larger = p.hist;
    for (let i = 0; i < larger.length; i++) larger[i] = (larger[i] as number) - (smaller[i] as number);
    const keep = (hist: Float64Array, n: number) => {
      if (big(n)) return hist;
      pool.give(hist);
      return null;
    };
    return leftSmaller
      ? { left: keep(smaller, nLeft), right: keep(larger, nRight) }
      : { left: keep(larger, nLeft), right: keep(smaller, nRight) };
  }
}
