import { cellKey } from '../data/cells';
import type { CellValue, Column, Table } from '../data/types';
import { isNumberColumn } from '../data/types';
import { DataError, MlError } from '../errors';
import type { Task } from './spec';
import type { FittedLabel, FittedTransforms } from './types';

export function labelColumnOf(table: Table, name: string): Column {
  const column = table.columns[name];
  if (!column) {
    throw new DataError({
      code: 'LABEL_MISSING',
      message: `Label column "${name}" is not in the data (columns: ${table.schema.columns.map((c) => c.name).join(', ')}). Fix the label name in the spec or add the column.`,
      details: { column: name },
    });
  }
  return column;
}

function classValue(column: Column, key: string): CellValue {
  if (column.type === 'boolean') return key === 'true';
  return isNumberColumn(column) && column.type !== 'datetime' ? Number(key) : key;
}

/** Classes sorted numerically for number labels and by code unit otherwise, so the order never depends on row order. */
export function fitLabel(args: { table: Table; column: string; task: Task }): FittedLabel {
  const column = labelColumnOf(args.table, args.column);
  if (args.task === 'regression') return { column: args.column, classes: null };
  const keys = new Set<string>();
  for (let i = 0; i < args.table.rowCount; i++) {
    const key = cellKey(column, i);
    if (key !== null) keys.add(key);
  }
  const classes = [...keys].map((key) => classValue(column, key));
  classes.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : 1));
  if (classes.length < 2) {
    throw new DataError({
      code: 'NOT_ENOUGH_DATA',
      message: `Label "${args.column}" has ${classes.length} class(es); classification needs at least 2. Check the label column.`,
      details: { column: args.column },
    });
  }
  return { column: args.column, classes };
}

function invalidLabel(table: Table, name: string, row: number, problem: string): DataError {
  const line = table.lineNumbers[row] as number;
  return new DataError({
    code: 'LABEL_INVALID',
    message: `Label "${name}" at line ${line} ${problem}. Validate the data first (label checks quarantine such rows).`,
    details: { line, column: name },
  });
}

/**
 * Targets for training/evaluation: class indices (Int32Array) for classification, numbers (Float32Array) for
 * regression. A missing, unknown or non-finite label is a DataError naming its line: it is never dropped silently.
 */
export function encodeLabels(args: { fitted: FittedTransforms; table: Table }): Int32Array | Float32Array {
  const { fitted, table } = args;
  const name = fitted.label.column;
  const column = labelColumnOf(table, name);
  const classes = fitted.label.classes;
  if (classes === null) {
    if (!isNumberColumn(column))
      throw invalidLabel(table, name, 0, `is ${column.type}; regression needs a number column`);
    const y = new Float32Array(table.rowCount);
    for (let i = 0; i < table.rowCount; i++) {
      const v = column.values[i] as number;
      if (column.missing[i] === 1 || !Number.isFinite(v))
        throw invalidLabel(table, name, i, 'is missing or not a finite number');
      y[i] = v;
    }
    return y;
  }
  const index = new Map(classes.map((c, i) => [String(c), i]));
  const y = new Int32Array(table.rowCount);
  const keyOf = cellKey;
  for (let i = 0; i < table.rowCount; i++) {
    const key = keyOf(column, i);
    const k = key === null ? undefined : index.get(key);
    if (k === undefined)
      throw invalidLabel(table, name, i, key === null ? 'is missing' : `"${key}" is not a known class`);
    y[i] = k;
  }
  return y;
}

/** The class value for an output index (what the prediction service returns). */
export function decodeClass(args: { fitted: FittedTransforms; index: number }): CellValue {
  const classes = args.fitted.label.classes;
  if (!classes)
    throw new MlError({
      code: 'INVALID_INPUT',
      message: 'decodeClass needs classification transforms (they have no class list).',
    });
  return classes[args.index] ?? null;
}
