import { rowsToTable } from '../ml/data/batch';
import type { ColumnSchema, Table } from '../ml/data/types';
import { rawInputsOf, rowReadingOf } from '../ml/features/reading';
import type { FittedTransforms } from '../ml/features/types';

// The input contract a batch row must meet before it is scored: every raw input column of the model's registered
// transforms is present in the input, and each cell parses as that column's type (a missing cell is allowed: the
// transforms impute it, as they do at serving time). This is the batch path's own reading of the contract until
// lib/serving has model signatures; `contractFromTransforms` is the one function to swap for the signature then.

export interface InputContract {
  columns: ColumnSchema[];
  /** How cells are read (the model's declared missing tokens and datetime formats), as at serving. */
  reading?: ReturnType<typeof rowReadingOf>;
}

export interface RowRejection {
  /** Index of the row in the checked rows. */
  index: number;
  reason: string;
}

export interface ContractCheck {
  /** Every checked row, parsed with the contract's types (rejected rows included). */
  table: Table;
  /** Indices of the rows that meet the contract, in order. */
  accepted: number[];
  rejected: RowRejection[];
}

/** Integers are read as numbers at serving time (a 35.5 for an integer column is still usable). */
export function contractFromTransforms(fitted: FittedTransforms): InputContract {
  return {
    columns: rawInputsOf(fitted).map((c) => (c.type === 'integer' ? { ...c, type: 'numeric' as const } : c)),
    ...(fitted.reading ? { reading: rowReadingOf(fitted) } : {}),
  };
}

/** The contract's columns an input header lacks (a job-level error: every row would fail). */
export function missingContractColumns(contract: InputContract, header: readonly string[]): string[] {
  const present = new Set(header);
  return contract.columns.filter((c) => !present.has(c.name)).map((c) => c.name);
}

const TYPE_WORDS: Record<string, string> = {
  numeric: 'a number',
  integer: 'a number',
  boolean: 'a boolean (true/false, 1/0, yes/no)',
  datetime: 'an ISO 8601 date or time',
  categorical: 'a text or number value',
  text: 'a text value',
};

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Parses the rows with the contract's types; a row with any cell that does not parse is rejected with why. */
export function checkRowsAgainstContract(
  contract: InputContract,
  rows: readonly Record<string, unknown>[],
): ContractCheck {
  const table = rowsToTable({ rows, schema: { columns: contract.columns }, ...contract.reading });
  const reasons = new Map<number, string[]>();
  for (const { name, type } of contract.columns) {
    const column = table.columns[name];
    if (!column) continue;
    for (const [index, raw] of column.invalid) {
      const list = reasons.get(index) ?? [];
      list.push(`${name}: ${JSON.stringify(clip(raw))} is not ${TYPE_WORDS[type] ?? type}`);
      reasons.set(index, list);
    }
  }
  const accepted: number[] = [];
  const rejected: RowRejection[] = [];
  for (let i = 0; i < table.rowCount; i++) {
    const why = reasons.get(i);
    if (why) rejected.push({ index: i, reason: why.join('; ') });
    else accepted.push(i);
  }
  return { table, accepted, rejected };
}
