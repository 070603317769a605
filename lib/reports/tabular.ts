/** One table, rendered both as CSV and as an XLSX sheet, so the two exports always agree. */
export type CellValue = string | number | boolean | null;

export interface TabularColumn {
  name: string;
  /** Decides the XLSX cell type and number format; CSV writes every kind as text. */
  kind: 'text' | 'number' | 'integer' | 'boolean' | 'date';
}

export interface Tabular {
  columns: TabularColumn[];
  rows: CellValue[][];
}

/** A finite number or null: NaN and ±Infinity have no faithful cell in either format. */
export function finiteOrNull(value: number | null | undefined): number | null {
  return value != null && Number.isFinite(value) ? value : null;
}

export function column(name: string, kind: TabularColumn['kind'] = 'text'): TabularColumn {
  return { name, kind };
}
