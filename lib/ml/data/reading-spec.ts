import { z } from 'zod';
import { DataError } from '../errors';
import { checkDatetimeFormat } from './datetime-format';
import type { ReadingOptions } from './derived';
import { checkExpressionSyntax } from './expressions';
import { ColumnTypeSchema } from './types';

// The spec fields that say how a dataset is read beyond its column types (a pipeline spec's `data`): extra
// missing-value tokens, per-column datetime formats and tokens, derived columns. Checked when the spec is loaded as
// far as possible without the data (syntax, functions, formats, names); column names and types when it is read.

/** Texts that mean "missing" (compared with the whole cell, case-sensitive). */
export const MissingTokensSchema = z.array(z.string().max(64)).max(50);

export const ColumnReadingSpecSchema = z.strictObject({
  /**
   * The column holds datetimes written in this format, e.g. `MMM d yyyy` for `Jun 12 1998` (luxon tokens:
   * yyyy MM M dd d MMM MMMM HH mm ss), or strftime `%b %d %Y`. Read in UTC with English month names; the column's
   * type is datetime. A cell that does not fit is quarantined by validation, the format named in the reason. At
   * serving time a request may send the same text or an ISO 8601 date.
   */
  format: z.string().min(1).max(100).optional(),
  /** Texts that mean "missing" in this column, on top of the dataset's (e.g. `.` or `-999`). */
  missingValues: MissingTokensSchema.optional(),
});
export type ColumnReadingSpec = z.infer<typeof ColumnReadingSpecSchema>;

/** A name an expression can use bare: letters, digits and `_`, not starting with a digit. */
const DERIVED_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export const DerivedColumnSpecSchema = z.strictObject({
  /** The new column's name (letters, digits, `_`): features, the label and later derived columns may use it. */
  name: z.string().regex(DERIVED_NAME, 'letters, digits and _, not starting with a digit (max 63)'),
  /**
   * A formula over the row's columns, e.g. `delay > 15`, `log(price)`, `year(date(sold, "MMM d yyyy"))`,
   * `weight / height ** 2`, `fare > 50 and class == "first" ? 1 : 0`. Operators: + - * / % ** == != < <= > >=
   * and or not ?:; functions: log log10 log1p exp sqrt abs floor ceil round pow min max clip year month day
   * dayOfWeek dayOfYear hour daysBetween lower upper trim contains startsWith endsWith concat number text date
   * isMissing coalesce; `col("Name with spaces")` reads a column whose name is not an identifier. A missing input
   * gives a missing result (log(0) and x / 0 too). Nothing is evaluated as code.
   */
  expression: z.string().min(1).max(2000),
  /** The column's type; default: from the expression (comparisons: boolean, arithmetic: numeric, text: categorical). */
  type: ColumnTypeSchema.optional(),
});
export type DerivedColumnSpec = z.infer<typeof DerivedColumnSpecSchema>;

/** The reading fields of a spec's `data` section, as they come out of the zod schema. */
export interface DataReadingSpec {
  missingValues?: string[];
  columns?: Record<string, ColumnReadingSpec>;
  derived?: DerivedColumnSpec[];
}

interface IssueSink {
  addIssue(issue: { code: 'custom'; message: string; path: Array<string | number> }): void;
}

function messageOf(err: unknown): string {
  return err instanceof DataError ? err.message : String(err);
}

/** Spec-time checks of the reading fields (zod superRefine): formats, expression syntax and names. */
export function checkDataReading(data: DataReadingSpec, ctx: IssueSink): void {
  for (const [column, reading] of Object.entries(data.columns ?? {})) {
    if (!reading.format) continue;
    try {
      checkDatetimeFormat(reading.format);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: messageOf(err), path: ['columns', column, 'format'] });
    }
  }
  const seen = new Set<string>();
  (data.derived ?? []).forEach((derived, i) => {
    if (seen.has(derived.name)) {
      ctx.addIssue({ code: 'custom', message: `"${derived.name}" is derived twice`, path: ['derived', i, 'name'] });
    }
    seen.add(derived.name);
    if (data.columns?.[derived.name]) {
      ctx.addIssue({
        code: 'custom',
        message: `"${derived.name}" is a derived column: a format or missing tokens apply to columns of the data`,
        path: ['columns', derived.name],
      });
    }
    try {
      checkExpressionSyntax(derived.expression);
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `derived column "${derived.name}": ${messageOf(err)}`,
        path: ['derived', i, 'expression'],
      });
    }
  });
}

/** The reader's options for a spec's `data`, or undefined when it declares none (the reader's fast path). */
export function readingOptionsOf(data: DataReadingSpec): ReadingOptions | undefined {
  const columns = Object.keys(data.columns ?? {}).length > 0;
  if (!data.missingValues?.length && !data.derived?.length && !columns) return undefined;
  return {
    ...(data.missingValues?.length ? { missingValues: data.missingValues } : {}),
    ...(columns ? { columns: data.columns } : {}),
    ...(data.derived?.length ? { derived: data.derived } : {}),
  };
}
