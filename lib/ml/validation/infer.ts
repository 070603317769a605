import type { ColumnProfile, DatasetProfile } from '../data/profile';
import type { ColumnExpectation, ExpectationsSpec } from './spec';
import { ExpectationsSpecSchema } from './spec';

export interface InferExpectationsOptions {
  label?: { column: string; task: 'classification' | 'regression' };
  /** Also expect numeric values within the reference range widened by `rangeSlack` × (max − min) on each side. */
  inferRanges?: boolean;
  rangeSlack?: number;
  /** Categorical columns with at most this many distinct values get a domain expectation. */
  maxDomainSize?: number;
}

/** Allowed missing ratio: twice the reference ratio plus one point, so ordinary sampling noise does not fail. */
function missingAllowance(column: ColumnProfile): number {
  const observed = column.count === 0 ? 0 : column.missing / column.count;
  return Math.min(1, Math.round((observed * 2 + 0.01) * 10_000) / 10_000);
}

function inferColumn(column: ColumnProfile, options: InferExpectationsOptions): Partial<ColumnExpectation> {
  const e: Partial<ColumnExpectation> = {
    type: column.type,
    required: true,
    maxMissingRatio: missingAllowance(column),
  };
  if (column.missing === 0) e.nullable = false;
  if (
    options.inferRanges &&
    column.min !== null &&
    column.max !== null &&
    (column.type === 'numeric' || column.type === 'integer')
  ) {
    const slack = (column.max - column.min) * (options.rangeSlack ?? 0.1);
    e.min = column.min - slack;
    e.max = column.max + slack;
  }
  const maxDomain = options.maxDomainSize ?? 20;
  if (column.type === 'categorical' && column.topValuesExact && column.distinctExact && column.distinct <= maxDomain) {
    e.domain = column.topValues.map((t) => t.value);
    // topValues lists at most 20 values: only a complete list can be a domain.
    if (e.domain.length < column.distinct) delete e.domain;
  }
  if (
    column.type === 'text' &&
    column.distinctExact &&
    column.distinct === column.count - column.missing - column.invalid
  ) {
    e.unique = true;
  }
  return e;
}

/**
 * Expectations inferred from a reference dataset's profile (as TFDV infers a schema): every column required with its
 * type and a missing-ratio allowance, not-null where the reference had no missing value, categorical domains when
 * small and exactly known, uniqueness for all-distinct text (IDs), and optionally widened numeric ranges.
 */
export function inferExpectations(args: {
  profile: DatasetProfile;
  options?: InferExpectationsOptions;
}): ExpectationsSpec {
  const options = args.options ?? {};
  const columns: Record<string, Partial<ColumnExpectation>> = {};
  for (const column of args.profile.columns) columns[column.name] = inferColumn(column, options);
  const label = options.label;
  if (label) {
    const domain = columns[label.column]?.domain;
    if (columns[label.column]) delete columns[label.column]?.domain;
    const classes = label.task === 'classification' && domain && domain.length >= 2 ? domain : undefined;
    return ExpectationsSpecSchema.parse({ columns, label: { ...label, classes }, rowCount: { min: 1 } });
  }
  return ExpectationsSpecSchema.parse({ columns, rowCount: { min: 1 } });
}
