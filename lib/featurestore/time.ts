// Event times in the feature store are canonical ISO 8601 strings in UTC with microseconds
// ('2024-03-01T10:00:00.000000Z'): PostgreSQL's own precision, exact, and ordered as strings.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** '30d' → milliseconds; numbers are milliseconds already. */
export function durationToMs(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) throw new Error(`Invalid duration ${JSON.stringify(value)}: use e.g. '30m', '24h' or '30d'`);
  return Math.round(Number(match[1]) * (UNIT_MS[match[2] as string] as number));
}

const EVENT_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** The accepted shapes of an event time, checked without building a Date (PostgreSQL parses bulk loads). */
export function looksLikeEventTime(text: string): boolean {
  return EVENT_TIME.test(text.trim());
}

export class EventTimeError extends Error {
  constructor(text: string) {
    super(
      `${JSON.stringify(text.slice(0, 60))} is not a timestamp: use ISO 8601 such as 2024-03-01, 2024-03-01T10:00:00Z ` +
        'or 2024-03-01 10:00:00+02:00 (no offset means UTC)',
    );
    this.name = 'EventTimeError';
  }
}

/** Parses an ISO 8601 date or date-time (no offset: UTC) into the canonical form; throws EventTimeError. */
export function parseEventTime(text: string): string {
  const m = EVENT_TIME.exec(text.trim());
  if (!m) throw new EventTimeError(text);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const fraction = (frac + '000000').slice(0, 6);
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const date = new Date(ms);
  // Date.UTC rolls over (Feb 30 → Mar 2): a date that does not round-trip does not exist.
  if (
    Number.isNaN(ms) ||
    date.getUTCFullYear() !== Number(y) ||
    date.getUTCMonth() !== Number(mo) - 1 ||
    date.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    throw new EventTimeError(text);
  }
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
  }
  const utc = new Date(ms - offsetMinutes * 60_000);
  return `${utc.toISOString().slice(0, 19)}.${fraction}Z`;
}

/** A Date (millisecond precision) in the canonical form. */
export function eventTimeOf(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000Z`;
}

/** Milliseconds since the epoch of a canonical event time (the microseconds are dropped). */
export function eventTimeMs(canonical: string): number {
  return Date.parse(`${canonical.slice(0, 23)}Z`);
}

/** Microseconds since the epoch (exact: below 2^53 until the year 2255). */
export function eventTimeMicros(canonical: string): number {
  return eventTimeMs(canonical) * 1000 + Number(canonical.slice(23, 26));
}

/** SQL expression turning a timestamptz into the canonical text, for queries that return event times. */
export function canonicalTimeSql(expression: string): string {
  return `to_char(${expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}
