export type Scale = (value: number) => number;

export interface Domain {
  min: number;
  max: number;
}

/** Maps domain to range linearly; a zero-width domain maps to the middle of the range instead of dividing by zero. */
export function linearScale({ domain, range }: { domain: Domain; range: [number, number] }): Scale {
  const [r0, r1] = range;
  const span = domain.max - domain.min;
  if (!(span > 0) || !Number.isFinite(span)) return () => (r0 + r1) / 2;
  return (value) => r0 + ((value - domain.min) / span) * (r1 - r0);
}

/** Min and max of the finite values, or undefined when there are none. */
export function extent(values: Iterable<number>): Domain | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : undefined;
}

/** Step of about `count` ticks over the span, rounded to 1, 2 or 5 × 10^k (the usual "nice numbers"). */
export function tickStep({ min, max, count }: Domain & { count: number }): number {
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const error = raw / power;
  const factor = error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.sqrt(2) ? 2 : 1;
  return factor * power;
}

/**
 * A domain that starts and ends on ticks and its ticks. Degenerate input (one value, none, or all equal)
 * is widened first so that the axis still has a span.
 */
export function niceAxis({ domain, count = 5, includeZero = false, integers = false }: NiceAxisInput): NiceAxis {
  let { min, max } = domain ?? { min: 0, max: 1 };
  if (includeZero) {
    min = Math.min(min, 0);
    max = Math.max(max, 0);
  }
  if (max - min <= Math.abs(max) * 1e-12) {
    const pad = min === 0 || integers ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const step = integers ? Math.max(1, tickStep({ min, max, count })) : tickStep({ min, max, count });
  const decimals = stepDecimals(step);
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  // The guard only matters for spans far below the values' precision (1e16 ± 1), where steps stop being exact.
  for (let i = first; i <= last && ticks.length <= 4 * count + 2; i++) ticks.push(roundTo(i * step, decimals));
  return {
    domain: { min: ticks[0] ?? min, max: ticks[ticks.length - 1] ?? max },
    ticks,
    step,
    labels: tickLabels({ ticks, step }),
  };
}

export interface NiceAxis {
  domain: Domain;
  ticks: number[];
  step: number;
  labels: string[];
}

export interface NiceAxisInput {
  domain: Domain | undefined;
  count?: number;
  includeZero?: boolean;
  /** Whole-number ticks only (epochs, counts): one epoch must not get an axis of 0.90 … 1.10. */
  integers?: boolean;
}

/** [size, suffix, smallest largest-tick that uses it]: 1000 … 5000 stays plain, 10000 becomes 10k. */
const UNITS: Array<[number, string, number]> = [
  [1e9, 'G', 1e9],
  [1e6, 'M', 1e6],
  [1e3, 'k', 1e4],
];

/**
 * Labels of an axis's ticks, with as many decimals as the step needs (0.2 → 1, 0.05 → 2, 50 → 0), in k/M/G
 * when the values are large, so that 150000 reads as 150k and neighbouring labels do not collide.
 */
export function tickLabels({ ticks, step }: { ticks: number[]; step: number }): string[] {
  const maxAbs = Math.max(0, ...ticks.map((t) => Math.abs(t)));
  const found = UNITS.find(([size, , from]) => maxAbs >= from && step >= size / 10);
  const unit: [number, string] | undefined = found ? [found[0], found[1]] : undefined;
  return ticks.map((value) => formatTick({ value, step, unit }));
}

export function formatTick({ value, step, unit }: { value: number; step: number; unit?: [number, string] }): string {
  if (value === 0) return '0';
  const [size, suffix] = unit ?? [1, ''];
  return `${(value / size).toFixed(stepDecimals(step / size))}${suffix}`;
}

function stepDecimals(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  return Math.max(0, Math.min(20, -Math.floor(Math.log10(step) + 1e-9)));
}

/** Rounds away binary noise (0.30000000000000004) and turns −0 into 0. */
function roundTo(value: number, decimals: number): number {
  return Number(value.toFixed(decimals)) + 0;
}

/** Coordinate for SVG attributes: two decimals, never NaN or Infinity (clamped, 0 as the last resort). */
export function coord(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '1e6' : value < 0 ? '-1e6' : '0';
  return String(Number(value.toFixed(2)) + 0);
}
