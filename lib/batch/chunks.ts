import { CsvTokenizer, csvRecords } from '../ml/data/csv';
import { DataError } from '../ml/errors';
import { csvLine } from './csv';

export interface InputChunk {
  index: number;
  /** 1-based input row number of the chunk's first data row. */
  firstRow: number;
  rows: number;
  header: string[];
  /** The chunk as CSV with the input's header: what the scoring activity reads. */
  text: string;
}

/**
 * Splits a CSV stream into chunks of `chunkRows` data rows, in input order, holding one chunk in memory at a time.
 * The same input always gives the same chunks, so a retried split writes the same objects again.
 */
export async function* splitCsvIntoChunks(
  stream: AsyncIterable<Uint8Array | string>,
  chunkRows: number,
): AsyncGenerator<InputChunk> {
  const tokenizer = new CsvTokenizer(',', 1 << 20);
  let lines: string[] = [];
  let index = 0;
  let firstRow = 1;
  let header: string[] | undefined;
  const flush = (): InputChunk => {
    const chunk = {
      index,
      firstRow,
      rows: lines.length,
      header: header ?? [],
      text: csvLine(header ?? []) + lines.join(''),
    };
    index += 1;
    firstRow += lines.length;
    lines = [];
    return chunk;
  };
  for await (const records of csvRecords(stream, tokenizer)) {
    header ??= tokenizer.header;
    const width = header?.length ?? 0;
    for (let r = 0; r < records.count; r++) {
      lines.push(csvLine(records.fields.slice(r * width, (r + 1) * width)));
      if (lines.length >= chunkRows) yield flush();
    }
  }
  header ??= tokenizer.header;
  if (!header) {
    throw new DataError({ code: 'EMPTY_FILE', message: 'The batch input is empty: it has no header and no rows.' });
  }
  if (lines.length > 0 || index === 0) yield flush();
}
