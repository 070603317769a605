import type { CellValue, TableSchema } from '../data/types';

export type CheckKind =
  | 'row_count'
  | 'column_present'
  | 'label_present'
  | 'extra_columns'
  | 'extra_fields'
  | 'column_type'
  | 'missing_ratio'
  | 'quarantine_ratio'
  | 'type'
  | 'finite'
  | 'not_null'
  | 'range'
  | 'domain'
  | 'unique'
  | 'label';

export type Severity = 'error' | 'warn';

/**
 * Checks decided row by row: a row failing one of them (at error severity) is quarantined, and the dataset's verdict
 * on them is the quarantine_ratio check, so a few bad rows do not fail a dataset the spec allows to lose them.
 */
export const ROW_LEVEL_KINDS: ReadonlySet<CheckKind> = new Set([
  'type',
  'finite',
  'not_null',
  'range',
  'domain',
  'unique',
  'label',
]);

/** Whether a check that did not pass makes the dataset fail. */
export function failsDataset(check: { passed: boolean; severity: Severity; kind: CheckKind }): boolean {
  return !check.passed && check.severity === 'error' && !ROW_LEVEL_KINDS.has(check.kind);
}

export interface CheckSample {
  line: number;
  value: CellValue;
}

export interface CheckResult {
  /** `kind` or `kind:column`, e.g. 'range:age'. */
  id: string;
  kind: CheckKind;
  column: string | null;
  severity: Severity;
  passed: boolean;
  /** Rows (or cells) that failed; 0 or 1 for dataset-level checks. */
  failedCount: number;
  expected: unknown;
  observed: unknown;
  /** Up to `sampleSize` failing cells with their source line. */
  samples: CheckSample[];
  message: string;
}

export interface QuarantineReason {
  check: string;
  message: string;
}

/** A row set aside by a failed hard check, with its source line and values (invalid cells as their raw text). */
export interface QuarantinedRow {
  line: number;
  row: Record<string, CellValue>;
  reasons: QuarantineReason[];
}

export interface BatchValidation {
  /** Row indices of the batch that passed every hard check, ascending (use with selectRows). */
  acceptedRows: Int32Array;
  quarantined: QuarantinedRow[];
}

export interface ValidationReport {
  passed: boolean;
  rowsRead: number;
  rowsAccepted: number;
  rowsQuarantined: number;
  schema: TableSchema;
  checks: CheckResult[];
  /** One paragraph for people (run pages, approval requests). */
  summary: string;
}
