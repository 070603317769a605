import { z } from 'zod';
import { ColumnTypeSchema, type TableSchema } from '../data/types';

const DomainValue = z.union([z.string(), z.number(), z.boolean()]);

export const ColumnExpectationSchema = z.strictObject({
  /** Declared type; pass `schemaFromExpectations()` to the reader so cells that do not fit are quarantined. */
  type: ColumnTypeSchema.optional(),
  /** false: the column may be absent from the data. */
  required: z.boolean().default(true),
  /** false: a missing cell quarantines its row. */
  nullable: z.boolean().default(true),
  /** The dataset fails when a larger share of this column's cells is missing. */
  maxMissingRatio: z.number().min(0).max(1).optional(),
  /** Smallest allowed value (numbers; epoch ms for datetimes); a smaller cell quarantines its row. */
  min: z.number().optional(),
  /** Largest allowed value; a larger cell quarantines its row. */
  max: z.number().optional(),
  /** NaN / ±Infinity are rejected unless allowed. */
  allowNonFinite: z.boolean().default(false),
  /** Allowed values of a categorical (or code) column, compared as text. */
  domain: z.array(DomainValue).min(1).optional(),
  /** Exact check: memory grows with the number of distinct values, so use it for ID-like columns only. */
  unique: z.boolean().default(false),
  /** 'warn': failures are reported but rows are kept and the verdict is not affected. */
  severity: z.enum(['error', 'warn']).default('error'),
});
export type ColumnExpectation = z.infer<typeof ColumnExpectationSchema>;

export const LabelExpectationSchema = z.strictObject({
  /** The label column. */
  column: z.string().min(1),
  /** Checks the label fits the task (classes for classification, numbers for regression). */
  task: z.enum(['classification', 'regression']).optional(),
  /** Classification: the allowed classes (compared as text). Omit to accept any non-missing value. */
  classes: z.array(DomainValue).min(2).optional(),
});

export const ExpectationsSpecSchema = z.strictObject({
  /** Expectations per column, by column name. */
  columns: z.record(z.string(), ColumnExpectationSchema).default({}),
  /** Expectations on the label column. */
  label: LabelExpectationSchema.optional(),
  /** The dataset fails with fewer (or more) rows. */
  rowCount: z
    .strictObject({ min: z.number().int().min(0).default(1), max: z.number().int().min(1).optional() })
    .prefault({}),
  /** false: a column not named in `columns` fails the dataset. */
  allowExtraColumns: z.boolean().default(true),
  /** The dataset fails when more than this share of rows is quarantined. */
  maxQuarantinedRatio: z.number().min(0).max(1).default(0.05),
  /** Failing rows kept as samples per check in the report. */
  sampleSize: z.number().int().min(0).max(100).default(5),
});
export type ExpectationsSpec = z.infer<typeof ExpectationsSpecSchema>;
export type ExpectationsSpecInput = z.input<typeof ExpectationsSpecSchema>;

/** The declared column types, as a (partial) schema for readRecordBatches. */
export function schemaFromExpectations(expectations: ExpectationsSpec): TableSchema {
  const columns = Object.entries(expectations.columns).flatMap(([name, e]) => (e.type ? [{ name, type: e.type }] : []));
  return { columns };
}
