import { ss } from '../simple-statistics';

/*
 * simple-statistics offers ln Γ (gammaln) but no chi-square CDF and no Kolmogorov distribution (its
 * chiSquaredGoodnessOfFit only answers "significant or not" from a table), so both tails are computed here.
 */

const EPS = 1e-14;
const MAX_ITERATIONS = 1000;

/** Regularised lower incomplete gamma P(a, x) by its series (converges fast for x < a + 1). */
function lowerGammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - ss.gammaln(a));
}

/** Regularised upper incomplete gamma Q(a, x) by Lentz's continued fraction (for x ≥ a + 1). */
function upperGammaFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - ss.gammaln(a)) * h;
}

/** P(χ²_df ≥ x): the p-value of a chi-square statistic. */
export function chiSquareSurvival(x: number, df: number): number {
  if (df <= 0) return 1;
  if (x <= 0) return 1;
  const a = df / 2;
  const half = x / 2;
  return half < a + 1 ? 1 - lowerGammaSeries(a, half) : upperGammaFraction(a, half);
}

/** Kolmogorov distribution tail Q(λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²}. */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let j = 1; j <= 100; j++) {
    const term = (j % 2 === 1 ? 2 : -2) * Math.exp(-2 * j * j * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
  }
  return Math.min(1, Math.max(0, sum));
}
