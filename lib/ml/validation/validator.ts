import { tableRow } from '../data/batch';
import type { Table, TableSchema } from '../data/types';
import { buildDatasetChecks, type DatasetFacts } from './dataset-checks';
import { summarize } from './report';
import { ColumnRowChecks, FailureSink, type LabelRule } from './row-checks';
import { type ExpectationsSpec, type ExpectationsSpecInput, ExpectationsSpecSchema } from './spec';
import {
  failsDataset,
  type BatchValidation,
  type CheckResult,
  type QuarantinedRow,
  type ValidationReport,
} from './types';

export interface Validator {
  /** Checks one batch; rows failing a hard check come back in `quarantined`, the rest in `acceptedRows`. */
  consume(batch: Table): BatchValidation;
  /** Dataset-level checks over everything consumed, and the report. */
  finish(): ValidationReport;
}

function labelRuleFor(expectations: ExpectationsSpec): LabelRule | undefined {
  const label = expectations.label;
  if (!label) return undefined;
  return { task: label.task, classes: label.classes ? new Set(label.classes.map(String)) : undefined };
}

/**
 * Incremental validation (in the manner of TFDV / Great Expectations) of a stream of record batches against declared
 * or inferred expectations. Nothing is dropped silently: every row is either accepted or quarantined with reasons.
 */
export function createValidator(args: {
  expectations: ExpectationsSpecInput | ExpectationsSpec;
  /** Declared datetime formats by column (a spec's `data.columns`), named in the reasons of cells that do not fit. */
  formats?: Readonly<Record<string, string>>;
}): Validator {
  const expectations = ExpectationsSpecSchema.parse(args.expectations);
  const labelColumn = expectations.label?.column;
  let schema: TableSchema | null = null;
  let rowChecks: ColumnRowChecks[] = [];
  const extraFields: Record<string, number> = {};
  let rowsRead = 0;
  let rowsQuarantined = 0;

  const init = (first: TableSchema): void => {
    schema = first;
    rowChecks = first.columns.map(
      (c) =>
        new ColumnRowChecks(
          c.name,
          c.type,
          expectations.columns[c.name],
          c.name === labelColumn ? labelRuleFor(expectations) : undefined,
          args.formats?.[c.name],
        ),
    );
  };

  const consume = (batch: Table): BatchValidation => {
    if (!schema) init(batch.schema);
    const sink = new FailureSink(batch, expectations.sampleSize);
    for (const checks of rowChecks) {
      const column = batch.columns[checks.name];
      if (column) checks.run(column, batch.rowCount, sink);
    }
    for (const [key, count] of Object.entries(batch.extraFields)) extraFields[key] = (extraFields[key] ?? 0) + count;
    rowsRead += batch.rowCount;
    rowsQuarantined += sink.reasons.size;
    return splitRows(batch, sink);
  };

  const finish = (): ValidationReport => {
    const finalSchema: TableSchema = schema ?? { columns: [] };
    const facts: DatasetFacts = {
      expectations,
      schema: finalSchema,
      rowsRead,
      rowsQuarantined,
      extraFields,
      rowChecks,
    };
    const checks: CheckResult[] = buildDatasetChecks(facts);
    const passed = !checks.some(failsDataset);
    const report = {
      passed,
      rowsRead,
      rowsAccepted: rowsRead - rowsQuarantined,
      rowsQuarantined,
      schema: finalSchema,
      checks,
    };
    return { ...report, summary: summarize(report) };
  };

  return { consume, finish };
}

function splitRows(batch: Table, sink: FailureSink): BatchValidation {
  const quarantined: QuarantinedRow[] = [];
  const acceptedRows = new Int32Array(batch.rowCount - sink.reasons.size);
  let next = 0;
  for (let i = 0; i < batch.rowCount; i++) {
    const reasons = sink.reasons.get(i);
    if (reasons) quarantined.push({ line: batch.lineNumbers[i] as number, row: tableRow(batch, i), reasons });
    else acceptedRows[next++] = i;
  }
  return { acceptedRows, quarantined };
}

/** Validates an in-memory table in one go. */
export function validateTable(args: { table: Table; expectations: ExpectationsSpecInput | ExpectationsSpec }) {
  const validator = createValidator({ expectations: args.expectations });
  const batch = validator.consume(args.table);
  return { ...batch, report: validator.finish() };
}
