import { readTable, tableRow, type NumberColumn } from '../../../lib/ml';
import { compileExpression } from '../../../lib/ml/data/expressions';
import { datetimeParser } from '../../../lib/ml/data/datetime-format';
import { bytesStream } from './helpers';

// The reading library behind derived columns, datetime formats and extra missing-value tokens (a spec's
// data.derived, data.columns and data.missingValues: lib/ml/data/derived.ts, expressions.ts, datetime-format.ts).

const csv = [
  'flight,delay,sold,sex,price',
  'A1,20,Jun 12 1998,M,100',
  'B2,3,Jan 2 2001,.,0',
  'C3,,Dec 31 1999,F,10',
].join('\n');

describe('reading with declared formats, missing tokens and derived columns', () => {
  it('parses a formatted date, treats declared tokens as missing and appends derived columns', async () => {
    const table = await readTable({
      stream: bytesStream(csv),
      format: 'csv',
      reading: {
        missingValues: ['.'],
        columns: { sold: { format: 'MMM d yyyy' } },
        derived: [
          { name: 'late', expression: 'delay > 15' },
          { name: 'log_price', expression: 'log(price)' },
          { name: 'sold_year', expression: 'year(sold)' },
        ],
      },
    });
    expect(table.schema.columns.find((c) => c.name === 'sold')?.type).toBe('datetime');
    expect((table.columns.sold as NumberColumn).values[0]).toBe(Date.UTC(1998, 5, 12));
    expect(tableRow(table, 0)).toMatchObject({ sex: 'M', late: true, sold_year: 1998 });
    expect(tableRow(table, 0).log_price).toBeCloseTo(Math.log(100));
    // '.' is missing, not a category; log(0) and a comparison with a missing delay are missing, never NaN.
    expect(tableRow(table, 1)).toMatchObject({ sex: null, late: false, log_price: null, sold_year: 2001 });
    expect(tableRow(table, 2)).toMatchObject({ late: null, sold_year: 1999 });
  });

  it('rejects unknown columns and functions with the closest name, and never evaluates code', () => {
    const types = (name: string) => (({ delay: 'number', origin: 'text' }) as const)[name as 'delay' | 'origin'];
    const known = () => ['delay', 'origin'];
    expect(() => compileExpression('dealy > 15', types, known)).toThrow(/dealy.*delay/);
    expect(() => compileExpression('lgo(delay)', types, known)).toThrow(/did you mean log\(\)\?/);
    expect(() => compileExpression('delay > "x"', types, known)).toThrow(/cannot compare number with text/);
    expect(() => compileExpression('constructor.constructor("return 1")()', types, known)).toThrow();
    const e = compileExpression('delay > 15 and lower(origin) == "usa"', types, known);
    expect(e.type).toBe('boolean');
    expect(e.evaluate((c) => ({ delay: 20, origin: 'USA' })[c] ?? null)).toBe(true);
  });

  it('reads strftime and Unicode formats in UTC, and marks text that does not fit as invalid', () => {
    expect(datetimeParser('%d/%m/%Y %H:%M')('05/03/2020 14:30')).toBe(Date.UTC(2020, 2, 5, 14, 30));
    expect(datetimeParser('MMM d yyyy')('Jun 12 1998')).toBe(Date.UTC(1998, 5, 12));
    expect(datetimeParser('MMM d yyyy')('12/06/1998')).toBeUndefined();
  });
});
