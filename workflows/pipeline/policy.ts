// Pure decision rules of the pipeline (no Temporal APIs), unit-tested on their own.
import { parseDurationMs } from '../../lib/pipeline/duration';

const LOWER_IS_BETTER = new Set(['rmse', 'mae', 'mse', 'log_loss', 'loss']);

export function metricDirection(metric: string, explicit?: 'max' | 'min'): 'max' | 'min' {
  return explicit ?? (LOWER_IS_BETTER.has(metric) ? 'min' : 'max');
}

export interface CandidateScore {
  candidate: string;
  metrics: Record<string, number>;
}

/** The candidate with the best primary metric; ties go to the earlier candidate in the spec (stable). */
export function chooseBest(scores: CandidateScore[], metric: string, direction: 'max' | 'min'): CandidateScore {
  const usable = scores.filter((s) => Number.isFinite(s.metrics[metric]));
  if (usable.length === 0) {
    throw new Error(
      `No candidate produced the primary metric "${metric}" (got: ${Object.keys(scores[0]?.metrics ?? {}).join(', ')})`,
    );
  }
  return usable.reduce((best, s) => {
    const a = s.metrics[metric] as number;
    const b = best.metrics[metric] as number;
    return (direction === 'max' ? a > b : a < b) ? s : best;
  });
}

export interface GateInput {
  metrics: Record<string, number>;
  thresholds: Record<string, { min?: number; max?: number }>;
  primaryMetric: string;
  direction: 'max' | 'min';
  minImprovement: number;
  production?: { version: number; metrics: Record<string, number> };
}

export interface GateResult {
  passed: boolean;
  checks: Array<{ check: string; passed: boolean; detail: string }>;
  summary: string;
}

function fmt(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? 'n/a' : Number(v.toPrecision(4)).toString();
}

/** Spec thresholds AND better than the current production model (same test split) by the spec's margin. */
export function evaluateGate(input: GateInput): GateResult {
  const checks: GateResult['checks'] = [];
  for (const [metric, bound] of Object.entries(input.thresholds)) {
    const value = input.metrics[metric];
    const okMin = bound.min === undefined || (value !== undefined && value >= bound.min);
    const okMax = bound.max === undefined || (value !== undefined && value <= bound.max);
    const range = [bound.min !== undefined ? `>= ${bound.min}` : '', bound.max !== undefined ? `<= ${bound.max}` : '']
      .filter(Boolean)
      .join(' and ');
    checks.push({
      check: `threshold:${metric}`,
      passed: okMin && okMax,
      detail: `${metric}=${fmt(value)} (needs ${range})`,
    });
  }
  if (input.production) {
    const candidate = input.metrics[input.primaryMetric];
    const current = input.production.metrics[input.primaryMetric];
    const gain =
      candidate === undefined || current === undefined
        ? Number.NaN
        : input.direction === 'max'
          ? candidate - current
          : current - candidate;
    const passed = Number.isFinite(gain) && gain >= input.minImprovement;
    checks.push({
      check: 'beats-production',
      passed,
      detail:
        `${input.primaryMetric}: candidate ${fmt(candidate)} vs production v${input.production.version} ${fmt(current)} ` +
        `(improvement ${fmt(gain)}, needs >= ${input.minImprovement})`,
    });
  } else {
    checks.push({ check: 'beats-production', passed: true, detail: 'no production model yet: nothing to beat' });
  }
  const failed = checks.filter((c) => !c.passed);
  const summary = failed.length
    ? `Evaluation gate failed: ${failed.map((c) => c.detail).join('; ')}.`
    : `Evaluation gate passed: ${checks.map((c) => c.detail).join('; ')}.`;
  return { passed: failed.length === 0, checks, summary };
}

/** '90s' | '15m' | '24h' | '7d' | milliseconds → milliseconds. */
export function durationMs(value: string | number): number {
  const ms = parseDurationMs(value);
  if (!Number.isFinite(ms)) throw new Error(`Invalid duration "${value}"`);
  return ms;
}

/** Data steps get time in proportion to their input: 10 minutes plus 1 minute per 20 MB. */
export function timeoutForBytes(bytes: number): number {
  return 10 * 60_000 + Math.ceil(bytes / (20 * 1024 * 1024)) * 60_000;
}
