import type { DatetimePart } from './spec';

/** Calendar parts of an epoch-millisecond timestamp, in UTC (month 1–12, dayOfWeek 0 = Sunday). */
export function datetimeParts(ms: number): Record<DatetimePart, number> {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    dayOfWeek: d.getUTCDay(),
    hour: d.getUTCHours(),
  };
}
