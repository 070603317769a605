import type { ColumnType, TableSchema } from '../data/types';
import type { ColumnRowChecks, CheckState } from './row-checks';
import type { ExpectationsSpec } from './spec';
import type { CheckKind, CheckResult, Severity } from './types';

export interface DatasetFacts {
  expectations: ExpectationsSpec;
  schema: TableSchema;
  rowsRead: number;
  rowsQuarantined: number;
  extraFields: Record<string, number>;
  rowChecks: ColumnRowChecks[];
}

/** Whether data of type `actual` satisfies a declared `expected` type (integers are numeric, text kinds interchange). */
export function typeSatisfies(expected: ColumnType, actual: ColumnType): boolean {
  if (expected === actual) return true;
  if (expected === 'numeric' && actual === 'integer') return true;
  return (expected === 'categorical' || expected === 'text') && (actual === 'categorical' || actual === 'text');
}

interface Outcome {
  kind: CheckKind;
  column?: string;
  severity: Severity;
  passed: boolean;
  expected: unknown;
  observed: unknown;
  message: string;
}

function result(o: Outcome): CheckResult {
  const column = o.column ?? null;
  const id = column === null ? o.kind : `${o.kind}:${column}`;
  return {
    id,
    kind: o.kind,
    column,
    severity: o.severity,
    passed: o.passed,
    failedCount: o.passed ? 0 : 1,
    expected: o.expected,
    observed: o.observed,
    samples: [],
    message: o.message,
  };
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(2)}%`;
}

function rowCountCheck(f: DatasetFacts): CheckResult {
  const { min, max } = f.expectations.rowCount;
  const passed = f.rowsRead >= min && (max === undefined || f.rowsRead <= max);
  const bounds = `[${min}, ${max ?? 'inf'}]`;
  return result({
    kind: 'row_count',
    severity: 'error',
    passed,
    expected: { min, max: max ?? null },
    observed: f.rowsRead,
    message: passed ? `${f.rowsRead} rows within ${bounds}` : `${f.rowsRead} rows, expected ${bounds}`,
  });
}

function columnChecks(f: DatasetFacts, name: string): CheckResult[] {
  const e = f.expectations.columns[name];
  const actual = f.schema.columns.find((c) => c.name === name);
  const severity = e?.severity ?? 'error';
  const out: CheckResult[] = [];
  if (e?.required !== false || actual) {
    out.push(
      result({
        kind: 'column_present',
        column: name,
        severity,
        passed: actual !== undefined,
        expected: true,
        observed: actual !== undefined,
        message: actual ? 'present' : `column "${name}" is missing from the data`,
      }),
    );
  }
  if (!actual || !e) return out;
  if (e.type) {
    const passed = typeSatisfies(e.type, actual.type);
    out.push(
      result({
        kind: 'column_type',
        column: name,
        severity,
        passed,
        expected: e.type,
        observed: actual.type,
        message: passed
          ? `type ${actual.type}`
          : `type is ${actual.type}, expected ${e.type}; read the file with schemaFromExpectations() to enforce it`,
      }),
    );
  }
  const checks = f.rowChecks.find((c) => c.name === name);
  if (e.maxMissingRatio !== undefined && checks) {
    const observed = ratio(checks.missing, f.rowsRead);
    const passed = observed <= e.maxMissingRatio;
    out.push(
      result({
        kind: 'missing_ratio',
        column: name,
        severity,
        passed,
        expected: e.maxMissingRatio,
        observed,
        message: `${percent(observed)} missing (max ${percent(e.maxMissingRatio)})`,
      }),
    );
  }
  return out;
}

function extraChecks(f: DatasetFacts): CheckResult[] {
  const out: CheckResult[] = [];
  const declared = new Set([
    ...Object.keys(f.expectations.columns),
    ...(f.expectations.label ? [f.expectations.label.column] : []),
  ]);
  const extra = f.schema.columns.map((c) => c.name).filter((n) => !declared.has(n));
  if (!f.expectations.allowExtraColumns) {
    out.push(
      result({
        kind: 'extra_columns',
        severity: 'error',
        passed: extra.length === 0,
        expected: [],
        observed: extra,
        message: extra.length === 0 ? 'no undeclared columns' : `undeclared columns: ${extra.join(', ')}`,
      }),
    );
  }
  const fields = Object.keys(f.extraFields);
  if (fields.length > 0) {
    out.push(
      result({
        kind: 'extra_fields',
        severity: 'warn',
        passed: false,
        expected: [],
        observed: f.extraFields,
        message: `fields absent from the inferred schema were not loaded: ${fields.join(', ')}`,
      }),
    );
  }
  return out;
}

function rowCheckResult(state: CheckState, rowsRead: number): CheckResult {
  const passed = state.failed === 0;
  const first = state.samples[0];
  const where = first ? ` (first at line ${first.line})` : '';
  const message = passed ? 'no failures' : `${state.failed} of ${rowsRead} rows failed${where}`;
  return {
    id: state.id,
    kind: state.kind,
    column: state.column,
    severity: state.severity,
    passed,
    failedCount: state.failed,
    expected: state.expected,
    observed: state.failed,
    samples: state.samples,
    message,
  };
}

/** All checks of the report: dataset-level outcomes first, then the tallies of the row-level checks. */
export function buildDatasetChecks(f: DatasetFacts): CheckResult[] {
  const out: CheckResult[] = [rowCountCheck(f)];
  const label = f.expectations.label?.column;
  if (label) {
    const present = f.schema.columns.some((c) => c.name === label);
    out.push(
      result({
        kind: 'label_present',
        column: label,
        severity: 'error',
        passed: present,
        expected: true,
        observed: present,
        message: present ? 'label column present' : `label column "${label}" is missing`,
      }),
    );
  }
  for (const name of Object.keys(f.expectations.columns)) out.push(...columnChecks(f, name));
  out.push(...extraChecks(f));
  for (const checks of f.rowChecks) out.push(...checks.states.map((s) => rowCheckResult(s, f.rowsRead)));
  const quarantined = ratio(f.rowsQuarantined, f.rowsRead);
  const max = f.expectations.maxQuarantinedRatio;
  out.push(
    result({
      kind: 'quarantine_ratio',
      severity: 'error',
      passed: quarantined <= max,
      expected: max,
      observed: quarantined,
      message: `${f.rowsQuarantined} rows quarantined (${percent(quarantined)}, max ${percent(max)})`,
    }),
  );
  return out;
}
