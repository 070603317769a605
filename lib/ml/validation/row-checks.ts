import { cellKey, detachText, readCell } from '../data/cells';
import type { CellValue, Column, ColumnType, Table } from '../data/types';
import { isNumberColumn } from '../data/types';
import type { ColumnExpectation } from './spec';
import type { CheckKind, CheckSample, QuarantineReason, Severity } from './types';

/** Mutable tally of one check across batches. */
export interface CheckState {
  id: string;
  kind: CheckKind;
  column: string | null;
  severity: Severity;
  failed: number;
  samples: CheckSample[];
  expected: unknown;
}

export function newCheck(
  kind: CheckKind,
  column: string | null,
  severity: Severity,
  expected: unknown = null,
): CheckState {
  return { id: column === null ? kind : `${kind}:${column}`, kind, column, severity, failed: 0, samples: [], expected };
}

/** Records one failing cell: counts it, keeps a sample, and (for hard checks) marks the row for quarantine. */
export class FailureSink {
  readonly reasons = new Map<number, QuarantineReason[]>();

  constructor(
    private readonly batch: Table,
    private readonly sampleSize: number,
  ) {}

  fail(check: CheckState, row: number, value: CellValue, message: string): void {
    check.failed++;
    if (check.samples.length < this.sampleSize)
      check.samples.push({
        line: this.batch.lineNumbers[row] as number,
        value: typeof value === 'string' ? detachText(value) : value,
      });
    if (check.severity !== 'error') return;
    const list = this.reasons.get(row);
    const reason = { check: check.id, message };
    if (list) list.push(reason);
    else this.reasons.set(row, [reason]);
  }
}

export interface LabelRule {
  task?: 'classification' | 'regression';
  classes?: ReadonlySet<string>;
}

/** Row-level checks of one column: type, finiteness, nulls, range, domain, uniqueness and label validity. */
export class ColumnRowChecks {
  readonly type: CheckState;
  readonly finite: CheckState | null;
  readonly notNull: CheckState | null;
  readonly range: CheckState | null;
  readonly domain: CheckState | null;
  readonly unique: CheckState | null;
  readonly label: CheckState | null;
  missing = 0;
  private readonly domainKeys: ReadonlySet<string> | null;
  private readonly seen: Set<string> | null;

  constructor(
    readonly name: string,
    columnType: ColumnType,
    private readonly expectation: ColumnExpectation | undefined,
    private readonly labelRule: LabelRule | undefined,
    /** The declared datetime format of the column's text, named in the reason of a cell that does not fit. */
    private readonly format?: string,
  ) {
    const severity = expectation?.severity ?? 'error';
    const e = expectation;
    this.type = newCheck('type', name, severity, e?.type ?? null);
    const canBeNonFinite = columnType === 'numeric' || columnType === 'integer';
    this.finite = canBeNonFinite
      ? newCheck('finite', name, e?.allowNonFinite ? 'warn' : severity, 'finite numbers')
      : null;
    this.notNull = e && !e.nullable ? newCheck('not_null', name, severity) : null;
    const hasRange = e?.min !== undefined || e?.max !== undefined;
    this.range = hasRange ? newCheck('range', name, severity, { min: e?.min ?? null, max: e?.max ?? null }) : null;
    this.domain = e?.domain ? newCheck('domain', name, severity, e.domain) : null;
    this.domainKeys = e?.domain ? new Set(e.domain.map(String)) : null;
    this.unique = e?.unique ? newCheck('unique', name, severity, 'no duplicates') : null;
    this.seen = e?.unique ? new Set() : null;
    this.label = labelRule
      ? newCheck('label', name, 'error', labelRule.classes ? [...labelRule.classes] : 'present and valid')
      : null;
  }

  get states(): CheckState[] {
    const all = [this.type, this.finite, this.notNull, this.range, this.domain, this.unique, this.label];
    return all.filter((s): s is CheckState => s !== null);
  }

  run(column: Column, rows: number, sink: FailureSink): void {
    const invalid = column.invalid.size > 0 ? column.invalid : undefined;
    // Keys (a cell as text: a date's ISO string, a number's String()) cost more than every other check together:
    // build them only for the checks that compare keys.
    const keyed = this.domain !== null || this.labelRule?.classes !== undefined || this.seen !== null;
    const numbers = isNumberColumn(column);
    const keyOf = cellKey;
    for (let i = 0; i < rows; i++) {
      const bad = invalid?.get(i);
      if (bad !== undefined) {
        const what = `a valid ${column.type}${this.format ? ` in the format "${this.format}"` : ''}`;
        sink.fail(this.type, i, bad, `"${bad}" is not ${what}`);
        if (this.label) sink.fail(this.label, i, bad, `label "${bad}" is not ${what}`);
        continue;
      }
      if (numbers) {
        if (column.missing[i] === 1) {
          this.onMissing(i, sink);
          continue;
        }
        if (!this.checkNumber(column.values[i] as number, i, sink)) continue;
        if (keyed) this.checkKey(column, keyOf(column, i) as string, i, sink);
        continue;
      }
      const text = column.values[i] ?? null;
      if (text === null) this.onMissing(i, sink);
      else if (keyed) this.checkKey(column, text, i, sink);
    }
  }

  private onMissing(row: number, sink: FailureSink): void {
    this.missing++;
    if (this.notNull) sink.fail(this.notNull, row, null, 'value is missing');
    if (this.label) sink.fail(this.label, row, null, 'label is missing');
  }

  /** Returns false when the value already failed (non-finite), so later checks do not pile onto the same cell. */
  private checkNumber(value: number, row: number, sink: FailureSink): boolean {
    if (!Number.isFinite(value) && this.finite) {
      sink.fail(this.finite, row, String(value), `${value} is not a finite number`);
      if (this.label && this.labelRule?.task === 'regression')
        sink.fail(this.label, row, String(value), 'label is not finite');
      return false;
    }
    const e = this.expectation;
    if (this.range && ((e?.min !== undefined && value < e.min) || (e?.max !== undefined && value > e.max))) {
      sink.fail(this.range, row, value, `${value} is outside [${e?.min ?? '-inf'}, ${e?.max ?? 'inf'}]`);
    }
    return true;
  }

  private checkKey(column: Column, key: string, row: number, sink: FailureSink): void {
    if (this.domain && this.domainKeys && !this.domainKeys.has(key)) {
      sink.fail(this.domain, row, readCell(column, row), `"${key}" is not in the allowed values`);
    }
    const classes = this.labelRule?.classes;
    if (this.label && classes && !classes.has(key))
      sink.fail(this.label, row, readCell(column, row), `"${key}" is not a known class`);
    if (this.seen) {
      if (this.seen.has(key) && this.unique)
        sink.fail(this.unique, row, readCell(column, row), `"${key}" is a duplicate`);
      else this.seen.add(detachText(key));
    }
  }
}
