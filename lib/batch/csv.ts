import { CsvTokenizer, csvRecords } from '../ml/data/csv';

// CSV as the batch path writes and re-reads it: RFC 4180, a header line, '\n' line ends, null as an empty cell.

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  return /[",\n\r]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: ReadonlyArray<string | number | null | undefined>): string {
  return `${values.map(csvCell).join(',')}\n`;
}

export interface CsvChunkRecords {
  header: string[];
  /** Record r's field j is fields[r * header.length + j]. */
  fields: string[];
  count: number;
}

async function* textSource(text: string): AsyncGenerator<string> {
  yield text;
}

/** Every record of a (chunk-sized) CSV text, flat. */
export async function readCsvText(text: string): Promise<CsvChunkRecords> {
  const tokenizer = new CsvTokenizer(',', 1 << 22);
  const fields: string[] = [];
  let count = 0;
  for await (const records of csvRecords(textSource(text), tokenizer)) {
    for (const f of records.fields) fields.push(f);
    count += records.count;
  }
  return { header: tokenizer.header ?? [], fields, count };
}
