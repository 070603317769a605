const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Durations as Temporal writes them: '90s', '15m', '24h', '7d' (or '250ms'). */
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** '90s' | '15m' | '24h' | '7d' | milliseconds → milliseconds; NaN for text that is not a duration. */
export function parseDurationMs(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = DURATION_PATTERN.exec(value.trim());
  return match ? Math.round(Number(match[1]) * (UNIT_MS[match[2] as string] as number)) : Number.NaN;
}
