import { chiSquareSurvival, kolmogorovSurvival } from './special';

/** Smallest proportion used in PSI: an empty bin would otherwise make ln(c/r) infinite. */
export const PSI_EPSILON = 1e-4;

function normalise(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total === 0 ? 0 : c / total));
}

/** Population Stability Index Σ (c − r)·ln(c / r) over aligned bins, proportions floored at PSI_EPSILON. */
export function psi(args: { reference: readonly number[]; current: readonly number[] }): number {
  const r = normalise(args.reference);
  const c = normalise(args.current);
  let total = 0;
  r.forEach((ri, i) => {
    const a = Math.max(ri, PSI_EPSILON);
    const b = Math.max(c[i] ?? 0, PSI_EPSILON);
    total += (b - a) * Math.log(b / a);
  });
  return total;
}

/** Jensen–Shannon distance (square root of the divergence, log base 2), in [0, 1]. */
export function jensenShannonDistance(args: { reference: readonly number[]; current: readonly number[] }): number {
  const p = normalise(args.reference);
  const q = normalise(args.current);
  let divergence = 0;
  p.forEach((pi, i) => {
    const qi = q[i] ?? 0;
    const m = (pi + qi) / 2;
    if (pi > 0) divergence += 0.5 * pi * Math.log2(pi / m);
    if (qi > 0) divergence += 0.5 * qi * Math.log2(qi / m);
  });
  return Math.sqrt(Math.max(0, divergence));
}

/**
 * Two-sample Kolmogorov–Smirnov: D = sup |F_ref − F_cur|, with the asymptotic p-value Q((√nₑ + 0.12 + 0.11/√nₑ)·D),
 * nₑ = n·m/(n+m) (Stephens' correction, as in Numerical Recipes). Conservative for data with many ties.
 */
export function ksTwoSample(args: { reference: ArrayLike<number>; current: ArrayLike<number> }): {
  statistic: number;
  pValue: number;
} {
  const a = Float64Array.from(args.reference).sort();
  const b = Float64Array.from(args.current).sort();
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return { statistic: 0, pValue: 1 };
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const x = Math.min(a[i] as number, b[j] as number);
    while (i < n && a[i] === x) i++;
    while (j < m && b[j] === x) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const en = Math.sqrt((n * m) / (n + m));
  return { statistic: d, pValue: kolmogorovSurvival((en + 0.12 + 0.11 / en) * d) };
}

/**
 * Chi-square test of homogeneity on a 2 × k table (reference counts vs current counts); categories empty in both are
 * left out, df = (used categories − 1).
 */
export function chiSquareHomogeneity(args: { reference: readonly number[]; current: readonly number[] }): {
  statistic: number;
  df: number;
  pValue: number;
} {
  const nr = args.reference.reduce((s, v) => s + v, 0);
  const nc = args.current.reduce((s, v) => s + v, 0);
  const n = nr + nc;
  if (nr === 0 || nc === 0) return { statistic: 0, df: 0, pValue: 1 };
  let statistic = 0;
  let used = 0;
  args.reference.forEach((r, i) => {
    const c = args.current[i] ?? 0;
    const total = r + c;
    if (total === 0) return;
    used++;
    const er = (nr * total) / n;
    const ec = (nc * total) / n;
    statistic += (r - er) ** 2 / er + (c - ec) ** 2 / ec;
  });
  const df = Math.max(0, used - 1);
  return { statistic, df, pValue: chiSquareSurvival(statistic, df) };
}
