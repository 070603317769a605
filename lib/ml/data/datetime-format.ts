import { DateTime } from 'luxon';
import { DataError } from '../errors';

// Datetime columns in a declared format ('Jun 12 1998' with `MMM d yyyy` or `%b %d %Y`). Parsed by luxon in UTC
// and English month names, so the same file gives the same instants on every machine.

const STRFTIME: Record<string, string> = {
  Y: 'yyyy',
  y: 'yy',
  m: 'MM',
  d: 'dd',
  e: 'd',
  b: 'MMM',
  h: 'MMM',
  B: 'MMMM',
  a: 'EEE',
  A: 'EEEE',
  H: 'HH',
  I: 'hh',
  M: 'mm',
  S: 'ss',
  f: 'SSS',
  p: 'a',
  j: 'ooo',
  z: 'ZZZ',
  Z: 'z',
};

/** A strftime format (Python's, `%d/%m/%Y`) as luxon tokens; other formats are luxon's (Unicode) tokens already. */
export function luxonFormat(format: string): string {
  if (!format.includes('%')) return format;
  let out = '';
  let literal = '';
  const flush = () => {
    if (literal) out += /[A-Za-z]/.test(literal) ? `'${literal.replace(/'/g, "''")}'` : literal;
    literal = '';
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i] as string;
    if (c !== '%') {
      literal += c;
      continue;
    }
    const directive = format[++i];
    if (directive === '%') {
      literal += '%';
      continue;
    }
    const token = directive ? STRFTIME[directive] : undefined;
    if (!token) {
      throw new DataError({
        code: 'INVALID_FORMAT',
        message: `Datetime format "${format}": %${directive ?? ''} is not supported (supported: ${Object.keys(STRFTIME)
          .map((k) => `%${k}`)
          .join(' ')}).`,
        details: { format },
      });
    }
    flush();
    out += token;
  }
  flush();
  return out;
}

const CACHE_SIZE = 4096;
const MAX_DATETIME_TEXT = 100;

/** A parser of one format: text → epoch milliseconds (UTC), undefined when the text does not fit the format. */
export function datetimeParser(format: string): (text: string) => number | undefined {
  const tokens = luxonFormat(format);
  const options = { locale: 'en-US' };
  let parser: ReturnType<typeof DateTime.buildFormatParser>;
  try {
    parser = DateTime.buildFormatParser(tokens, options);
  } catch (err) {
    throw new DataError({
      code: 'INVALID_FORMAT',
      message: `Datetime format "${format}" is not valid: ${(err as Error).message}`,
      details: { format },
    });
  }
  const cache = new Map<string, number>();
  return (text: string) => {
    // No date is this long: a hostile cell never reaches the format's regular expression.
    if (text.length > MAX_DATETIME_TEXT) return undefined;
    const cached = cache.get(text);
    if (cached !== undefined) return Number.isNaN(cached) ? undefined : cached;
    const parsed = DateTime.fromFormatParser(text.trim(), parser, { zone: 'utc', locale: 'en-US' });
    const value = parsed.isValid ? parsed.toMillis() : NaN;
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(text, value);
    return Number.isNaN(value) ? undefined : value;
  };
}

/** Throws a DataError naming the format when it cannot be used (for spec checks before any data is read). */
export function checkDatetimeFormat(format: string): void {
  datetimeParser(format);
}
