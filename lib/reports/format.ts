const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Characters XML 1.0 forbids even when escaped (C0 controls other than tab/LF/CR, lone surrogates, U+FFFE/U+FFFF).
 * Data from users can contain them, and one such character makes an SVG fail to parse.
 */
const XML_FORBIDDEN =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point of this pattern
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for HTML and XML alike, in content and in quoted attribute values. */
export function escapeXml(text: string): string {
  return text.replace(XML_FORBIDDEN, '\uFFFD').replace(/[&<>"']/g, (c) => XML_ENTITIES[c] ?? c);
}

/** Cuts a label to at most `maxChars` code points, ending it with an ellipsis when cut. */
export function truncateLabel({ text, maxChars }: { text: string; maxChars: number }): {
  text: string;
  truncated: boolean;
} {
  const chars = Array.from(text);
  if (chars.length <= maxChars) return { text, truncated: false };
  return { text: chars.slice(0, Math.max(1, maxChars - 1)).join('') + '…', truncated: true };
}

/**
 * Human formatting of a metric or statistic: `digits` significant digits below 1000, grouped thousands with at most
 * one decimal above (an RMSE of 52987.9 must not read 52990), a dash where there is no finite value.
 */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value == null || !Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e15 || magnitude < 1e-4) return value.toExponential(2);
  if (magnitude >= 1000) return value.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return Number(value.toPrecision(digits)).toString();
}

/** Short label for a chart: three significant digits, k/M/G for large magnitudes (52987.9 → 53.0k). */
export function formatCompact(value: number): string {
  if (!Number.isFinite(value)) return '—';
  const magnitude = Math.abs(value);
  for (const [size, suffix] of [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const) {
    if (magnitude >= size && magnitude < 1e15) return `${Number((value / size).toPrecision(3))}${suffix}`;
  }
  return formatNumber(value, 3);
}

/** Integer with thousands separators, fixed to en-US so reports read the same on every worker. */
export function formatCount(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—';
}

export function formatPercent(part: number, whole: number): string {
  if (!Number.isFinite(part) || !Number.isFinite(whole) || whole === 0) return '—';
  return `${((100 * part) / whole).toFixed(1)}%`;
}

/** UTC date and time without seconds, e.g. 2024-05-01 13:05 UTC; the input unchanged when it is not a date. */
export function formatTimestamp(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Seconds as 1h 02m, 3m 05s or 12.3s. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m ${String(s).padStart(2, '0')}s`;
}
