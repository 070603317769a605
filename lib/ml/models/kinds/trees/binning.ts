/**
 * Histogram binning of features, as LightGBM does: each feature's values are cut into at most `maxBins` bins once
 * per training run, and trees search splits over bins instead of sorted values. Bin b of a feature holds the values
 * x ≤ thresholds[b] (and > thresholds[b − 1]); the last bin holds the rest (and NaN). A split "bin ≤ b" is therefore
 * exactly the raw-value rule "x ≤ thresholds[b]", which is what trained trees store and predict with.
 */

/** Rows used to choose cut points; more add nothing measurable (LightGBM samples 200k too). */
const BIN_SAMPLE_ROWS = 200_000;

export interface FeatureBins {
  /** Per feature: ascending cut points (at most maxBins − 1). */
  thresholds: Float64Array[];
  /** Per feature: number of bins (thresholds + 1). */
  binCounts: Int32Array;
  /** Per feature: its first bin's index in a histogram holding every feature's bins. */
  offsets: Int32Array;
  totalBins: number;
}

/** Cut points of one feature: between distinct values when there are few, else at equal-frequency positions. */
function cutPoints(sorted: Float64Array, maxBins: number): Float64Array {
  const values: number[] = [];
  const counts: number[] = [];
  for (const v of sorted) {
    if (Number.isNaN(v)) break;
    if (values.length > 0 && values[values.length - 1] === v) counts[counts.length - 1] = (counts.at(-1) as number) + 1;
    else {
      values.push(v);
      counts.push(1);
    }
  }
  const cuts: number[] = [];
  const midpoint = (i: number) => ((values[i] as number) + (values[i + 1] as number)) / 2;
  if (values.length <= maxBins) {
    for (let i = 0; i + 1 < values.length; i++) cuts.push(midpoint(i));
    return Float64Array.from(cuts);
  }
  const total = counts.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let i = 0; i + 1 < values.length && cuts.length < maxBins - 1; i++) {
    seen += counts[i] as number;
    if (seen >= ((cuts.length + 1) * total) / maxBins) cuts.push(midpoint(i));
  }
  return Float64Array.from(cuts);
}

/** Chooses every feature's bins from the training rows (a deterministic stride sample of large sets). */
export function fitBins(args: {
  x: Float32Array;
  rowCount: number;
  featureCount: number;
  maxBins: number;
}): FeatureBins {
  const { x, rowCount, featureCount } = args;
  const stride = Math.max(1, Math.ceil(rowCount / BIN_SAMPLE_ROWS));
  const sampled = Math.ceil(rowCount / stride);
  const column = new Float64Array(sampled);
  const thresholds: Float64Array[] = [];
  for (let f = 0; f < featureCount; f++) {
    for (let k = 0, i = 0; i < rowCount; i += stride, k++) column[k] = x[i * featureCount + f] as number;
    thresholds.push(cutPoints(column.slice().sort(), args.maxBins));
  }
  const binCounts = Int32Array.from(thresholds, (t) => t.length + 1);
  const offsets = new Int32Array(featureCount);
  for (let f = 1; f < featureCount; f++) offsets[f] = (offsets[f - 1] as number) + (binCounts[f - 1] as number);
  const totalBins =
    featureCount === 0 ? 0 : (offsets[featureCount - 1] as number) + (binCounts[featureCount - 1] as number);
  return { thresholds, binCounts, offsets, totalBins };
}

/** The bin of a value: the number of cut points below it (NaN: the last bin). */
export function binOf(thresholds: Float64Array, v: number): number {
  if (Number.isNaN(v)) return thresholds.length;
  let lo = 0;
  let hi = thresholds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= (thresholds[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Row-major bin indices (rowCount × featureCount bytes): what the trees train on. maxBins must be ≤ 256. */
export function binRows(args: {
  x: Float32Array;
  rowCount: number;
  featureCount: number;
  bins: FeatureBins;
}): Uint8Array {
  const { x, rowCount, featureCount } = args;
  const out = new Uint8Array(rowCount * featureCount);
  for (let f = 0; f < featureCount; f++) {
    const t = args.bins.thresholds[f] as Float64Array;
    for (let i = 0; i < rowCount; i++) out[i * featureCount + f] = binOf(t, x[i * featureCount + f] as number);
  }
  return out;
}
