import { isMissingCell, parseBoolean, parseIsoDate, parseNumber } from './cells';
import type { ColumnType } from './types';

const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;
/** Longest value a categorical column may hold; longer strings mean free text. */
const MAX_CATEGORY_LENGTH = 64;
/** Small samples: up to this many distinct strings still count as categorical. */
const MIN_CATEGORY_ALLOWANCE = 20;
/** Distinct values are tracked up to this many (enough to decide categorical vs text). */
const DISTINCT_CAP = 10_000;

/**
 * Guesses one column's type from sample cells. The first type that every non-missing cell fits wins, in the order
 * boolean (true/false only), integer, numeric (including NaN/Infinity tokens), datetime (ISO-8601),
 * then categorical when values are short and repeat (distinct ≤ max(20, half the non-missing cells)), else text.
 * A column with no values at all is 'text'. Inference is strict: one stray word makes a numeric column categorical;
 * declare the type in the schema or expectations to have such cells reported and quarantined instead.
 */
export class ColumnTypeGuesser {
  private nonMissing = 0;
  private allBoolean = true;
  private allInteger = true;
  private allNumeric = true;
  private allDatetime = true;
  private longest = 0;
  private readonly distinct = new Set<string>();

  constructor(private readonly missingTokens: ReadonlySet<string>) {}

  observe(raw: unknown): void {
    if (isMissingCell(raw, this.missingTokens)) return;
    this.nonMissing++;
    if (typeof raw === 'number') {
      this.allBoolean = false;
      this.allDatetime = false;
      if (!Number.isInteger(raw)) this.allInteger = false;
      this.track(String(raw));
      return;
    }
    if (typeof raw === 'boolean') {
      this.allInteger = this.allNumeric = this.allDatetime = false;
      this.track(String(raw));
      return;
    }
    if (typeof raw !== 'string') {
      this.allBoolean = this.allInteger = this.allNumeric = this.allDatetime = false;
      this.track(JSON.stringify(raw) ?? '');
      return;
    }
    this.observeText(raw);
  }

  private observeText(text: string): void {
    if (this.allBoolean && parseBoolean(text, true) === undefined) this.allBoolean = false;
    if (this.allNumeric && parseNumber(text) === undefined) this.allNumeric = false;
    if (this.allInteger && !INTEGER_TEXT.test(text)) this.allInteger = false;
    if (this.allDatetime && parseIsoDate(text) === undefined) this.allDatetime = false;
    this.track(text);
  }

  private track(text: string): void {
    if (text.length > this.longest) this.longest = text.length;
    if (this.distinct.size < DISTINCT_CAP) this.distinct.add(text);
  }

  result(): ColumnType {
    if (this.nonMissing === 0) return 'text';
    if (this.allBoolean) return 'boolean';
    if (this.allInteger && this.allNumeric) return 'integer';
    if (this.allNumeric) return 'numeric';
    if (this.allDatetime) return 'datetime';
    const allowance = Math.max(MIN_CATEGORY_ALLOWANCE, this.nonMissing / 2);
    return this.longest <= MAX_CATEGORY_LENGTH && this.distinct.size <= allowance ? 'categorical' : 'text';
  }
}

/** Infers a column type from sample values (CSV text or JSON values). */
export function inferColumnType(args: { values: readonly unknown[]; missingTokens: ReadonlySet<string> }): ColumnType {
  const guesser = new ColumnTypeGuesser(args.missingTokens);
  for (const value of args.values) guesser.observe(value);
  return guesser.result();
}
