import { z } from 'zod';

export const COLUMN_TYPES = ['numeric', 'integer', 'boolean', 'categorical', 'datetime', 'text'] as const;
export const ColumnTypeSchema = z.enum(COLUMN_TYPES);
export type ColumnType = z.infer<typeof ColumnTypeSchema>;

/** Types stored as numbers: booleans as 0/1, datetimes as epoch milliseconds (UTC). */
export type NumberColumnType = 'numeric' | 'integer' | 'boolean' | 'datetime';
export type StringColumnType = 'categorical' | 'text';

/**
 * A typed column. `invalid` maps a row index to the raw text of a cell that could not be parsed as the column type,
 * so validation can report and quarantine it with its original value; such cells are NaN / null in `values`.
 */
export interface NumberColumn {
  type: NumberColumnType;
  values: Float64Array;
  /** 1 where the cell was empty or a missing-value token. */
  missing: Uint8Array;
  invalid: Map<number, string>;
}

export interface StringColumn {
  type: StringColumnType;
  /** null where the cell was empty, a missing-value token, or invalid. */
  values: (string | null)[];
  invalid: Map<number, string>;
}

export type Column = NumberColumn | StringColumn;

export const ColumnSchemaSchema = z.object({ name: z.string().min(1), type: ColumnTypeSchema });
export type ColumnSchema = z.infer<typeof ColumnSchemaSchema>;
export const TableSchemaSchema = z.object({ columns: z.array(ColumnSchemaSchema) });
export type TableSchema = z.infer<typeof TableSchemaSchema>;

/**
 * Columnar rows. A record batch from the streaming reader and a whole in-memory table share this shape, so every
 * consumer (profile, validation, features, drift) takes either.
 */
export interface Table {
  schema: TableSchema;
  rowCount: number;
  /** 1-based source line of each row (row number for data that did not come from a file). */
  lineNumbers: Int32Array;
  columns: Record<string, Column>;
  /** JSON Lines only: fields outside the schema, with how many rows had each (they are not loaded). */
  extraFields: Record<string, number>;
}

export type RecordBatch = Table;

/** A plain JSON value of one cell, as given to or returned from the outside world. */
export type CellValue = string | number | boolean | null;

export function isNumberType(type: ColumnType): type is NumberColumnType {
  return type !== 'categorical' && type !== 'text';
}

export function isNumberColumn(column: Column): column is NumberColumn {
  return isNumberType(column.type);
}
