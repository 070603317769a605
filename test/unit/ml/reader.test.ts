import { Readable } from 'node:stream';
import {
  DataError,
  readRecordBatches,
  readTable,
  tableRow,
  type NumberColumn,
  type StringColumn,
} from '../../../lib/ml';
import { bytesStream, expectDataError, fixtureStream, readFixture } from './helpers';

describe('readTable / readRecordBatches: CSV', () => {
  it('infers every column type and parses values', async () => {
    const table = await readFixture('customers-good.csv');
    // 8 distinct ids in 8 rows are still categorical: small samples allow up to 20 distinct values.
    expect(table.schema.columns).toEqual([
      { name: 'id', type: 'categorical' },
      { name: 'age', type: 'integer' },
      { name: 'income', type: 'numeric' },
      { name: 'city', type: 'categorical' },
      { name: 'signup', type: 'datetime' },
      { name: 'member', type: 'boolean' },
      { name: 'churned', type: 'categorical' },
    ]);
    expect(table.rowCount).toBe(8);
    const income = table.columns.income as NumberColumn;
    expect(income.values[0]).toBe(52000.5);
    expect(income.missing[2]).toBe(1);
    // 2024-01-06T10:30:00Z = Date.UTC(2024, 0, 6, 10, 30); a date without time is midnight UTC, not local time.
    expect((table.columns.signup as NumberColumn).values[1]).toBe(Date.UTC(2024, 0, 6, 10, 30));
    expect((table.columns.signup as NumberColumn).values[0]).toBe(Date.UTC(2024, 0, 5));
    expect(tableRow(table, 4)).toEqual({
      id: 'c05',
      age: 38,
      income: 47000,
      city: 'Lyon',
      signup: null,
      member: true,
      churned: 'no',
    });
  });

  it('reports the line where each row starts, across quoted newlines and blank lines', async () => {
    const table = await readFixture('multiline.csv');
    // Header line 1; row 1 spans lines 2-3; line 4 is blank; then lines 5 and 6.
    expect(Array.from(table.lineNumbers)).toEqual([2, 5, 6]);
    expect((table.columns.note as StringColumn).values).toEqual([
      'first line\nsecond line',
      'plain',
      'quoted, with comma',
    ]);
  });

  it('streams fixed-size batches and yields before the source is exhausted', async () => {
    let produced = 0;
    async function* source() {
      yield 'n\n';
      for (let i = 0; i < 20_000; i++) {
        produced++;
        yield `${i}\n`;
      }
    }
    const sizes = new Map<number, number>();
    let producedAtFirstBatch = -1;
    for await (const batch of readRecordBatches({
      stream: source(),
      format: 'csv',
      batchRows: 1000,
      inferenceRows: 5,
    })) {
      if (producedAtFirstBatch < 0) producedAtFirstBatch = produced;
      sizes.set(batch.rowCount, (sizes.get(batch.rowCount) ?? 0) + 1);
    }
    expect([...sizes.entries()]).toEqual([[1000, 20]]);
    // Backpressure: when the first batch came out, only the stream buffers' worth (~16 KB of text, a few thousand of
    // these tiny rows) had been pulled from the source, not the whole file.
    expect(producedAtFirstBatch).toBeLessThan(10_000);
  });

  it('keeps cells that do not fit a declared type as invalid, with their raw text', async () => {
    const table = await readFixture('customers-bad.csv', {
      schema: { columns: [{ name: 'income', type: 'numeric' }] },
    });
    const income = table.columns.income as NumberColumn;
    expect(income.type).toBe('numeric');
    expect([...income.invalid.entries()]).toEqual([[2, 'abc']]);
    expect(income.values[3]).toBeNaN();
    expect(income.values[5]).toBe(Infinity);
    expect(tableRow(table, 2).income).toBe('abc');
  });

  it('decodes UTF-8 split across chunks and drops a BOM', async () => {
    const table = await readTable({ stream: bytesStream('\ufeffcity\nZürich\n€uro\n', 3), format: 'csv' });
    expect(table.schema.columns[0]?.name).toBe('city');
    expect((table.columns.city as StringColumn).values).toEqual(['Zürich', '€uro']);
  });

  it('leaves out columns and rows before converting them', async () => {
    const text = 'id,x,note\n1,10,a\n2,oops,b\n3,30,c\n4,40,d\n';
    const seen: number[] = [];
    const table = await readTable({
      stream: bytesStream(text, 5),
      format: 'csv',
      schema: { columns: [{ name: 'x', type: 'integer' }] },
      columns: ['x', 'id'],
      keepRow: (line) => {
        seen.push(line);
        return line !== 3;
      },
    });
    expect(seen).toEqual([2, 3, 4, 5]);
    expect(table.schema.columns.map((c) => c.name)).toEqual(['id', 'x']);
    expect(Array.from(table.lineNumbers)).toEqual([2, 4, 5]);
    expect(Array.from((table.columns.x as NumberColumn).values)).toEqual([10, 30, 40]);
    // The refused row's invalid cell was never parsed: it leaves no trace.
    expect((table.columns.x as NumberColumn).invalid.size).toBe(0);
  });

  it('uses a custom delimiter', async () => {
    const table = await readTable({ stream: bytesStream('a;b\n1;x\n'), format: 'csv', delimiter: ';' });
    expect(tableRow(table, 0)).toEqual({ a: 1, b: 'x' });
  });
});

describe('malformed files raise DataError instead of crashing', () => {
  it('empty file', async () => {
    await expectDataError(readFixture('empty.csv'), 'EMPTY_FILE');
    await expectDataError(readTable({ stream: bytesStream('\ufeff'), format: 'csv' }), 'EMPTY_FILE');
    await expectDataError(readTable({ stream: bytesStream('\n\n'), format: 'jsonl' }), 'EMPTY_FILE');
  });

  it('header only', async () => {
    const error = await expectDataError(readFixture('header-only.csv'), 'HEADER_ONLY');
    expect(error.message).toMatch(/no data rows/);
  });

  it('ragged row, with its line number', async () => {
    const error = await expectDataError(readFixture('ragged.csv'), 'RAGGED_ROW');
    expect(error.details.line).toBe(3);
    expect(error.message).toMatch(/line 3/);
  });

  it('invalid UTF-8, with byte offset and line', async () => {
    // "a,b\n1,2\n" is 8 bytes, then "3," (2 bytes): the 0xFF byte sits at offset 10, on line 3.
    const bytes = Buffer.concat([Buffer.from('a,b\n1,2\n3,'), Buffer.from([0xff, 0x41]), Buffer.from('\n')]);
    const error = await expectDataError(readTable({ stream: bytesStream(bytes, 4), format: 'csv' }), 'INVALID_UTF8');
    expect(error.details).toMatchObject({ byteOffset: 10, line: 3 });
  });

  it('truncated multi-byte character at the end of the file', async () => {
    const bytes = Buffer.concat([Buffer.from('a\nx'), Buffer.from([0xe2, 0x82])]);
    const error = await expectDataError(readTable({ stream: bytesStream(bytes), format: 'csv' }), 'INVALID_UTF8');
    expect(error.details.byteOffset).toBe(3);
  });

  it('huge field beyond maxRecordSize', async () => {
    const text = `a,b\n1,${'x'.repeat(5000)}\n`;
    const error = await expectDataError(
      readTable({ stream: bytesStream(text), format: 'csv', maxRecordSize: 1000 }),
      'RECORD_TOO_LARGE',
    );
    expect(error.details.line).toBe(2);
    const jsonl = `{"a": "${'y'.repeat(5000)}"}\n`;
    await expectDataError(
      readTable({ stream: bytesStream(jsonl, 512), format: 'jsonl', maxRecordSize: 1000 }),
      'RECORD_TOO_LARGE',
    );
  });

  it('duplicate and empty header names', async () => {
    const duplicate = await expectDataError(readFixture('duplicate-header.csv'), 'DUPLICATE_COLUMN');
    expect(duplicate.details.column).toBe('a');
    await expectDataError(readTable({ stream: bytesStream('a,,c\n1,2,3\n'), format: 'csv' }), 'EMPTY_COLUMN_NAME');
  });

  it('unclosed quote', async () => {
    const error = await expectDataError(readFixture('unclosed-quote.csv'), 'MALFORMED_CSV');
    // The quote opens on line 2; csv-parse only notices at the end of the file (line 4).
    expect(error.details.line).toBe(2);
    expect(error.message).toMatch(/^Malformed CSV at line 2: a quote opened on that line is never closed/);
  });

  it('NaN and Infinity are read as numbers, for validation to flag', async () => {
    const table = await readTable({ stream: bytesStream('x\n1\nNaN\n-inf\n'), format: 'csv' });
    expect(table.schema.columns[0]?.type).toBe('numeric');
    expect(Array.from((table.columns.x as NumberColumn).values)).toEqual([1, NaN, -Infinity]);
  });

  it('stops reading a stream that errors', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('connection reset'));
      },
    });
    const error: unknown = await readTable({ stream: failing, format: 'csv' }).catch((e: unknown) => e);
    // An I/O failure is not a data problem: it must stay a plain (retryable) error, not a DataError.
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(DataError);
    expect((error as Error).message).toBe('connection reset');
  });
});

describe('JSON Lines', () => {
  it('reads objects, parses string numbers, counts fields outside the schema', async () => {
    const table = await readTable({ stream: fixtureStream('events.jsonl'), format: 'jsonl', inferenceRows: 2 });
    expect(table.schema.columns).toEqual([
      { name: 'user', type: 'categorical' },
      { name: 'amount', type: 'numeric' },
      { name: 'country', type: 'categorical' },
      { name: 'vip', type: 'boolean' },
    ]);
    expect(Array.from(table.lineNumbers)).toEqual([1, 2, 4, 5]);
    expect(Array.from((table.columns.amount as NumberColumn).values)).toEqual([12.5, 7, NaN, 9.25]);
    expect(tableRow(table, 3)).toEqual({ user: 'u4', amount: 9.25, country: 'ES', vip: null });
    expect(table.extraFields).toEqual({ extra: 1 });
  });

  it('invalid JSON and non-object lines name their line', async () => {
    const broken = await expectDataError(readFixture('broken.jsonl'), 'INVALID_JSON');
    expect(broken.details.line).toBe(2);
    const array = await expectDataError(readFixture('not-object.jsonl'), 'INVALID_JSON');
    expect(array.details.line).toBe(2);
  });
});
