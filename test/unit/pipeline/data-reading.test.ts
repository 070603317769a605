import { SpecError, mergeSpecOverrides, parseSpecDocument } from '../../../lib/pipeline/load';
import { readingOptionsOf } from '../../../lib/ml/data/reading-spec';
import {
  applyTransforms,
  createValidator,
  fitFeatureTransforms,
  readTable,
  selectRows,
  tableRow,
} from '../../../lib/ml';
import { fitReading, inputTable, rawInputsOf } from '../../../lib/ml/features/reading';
import { buildSignature } from '../../../lib/ml/signature';
import { checkAgainstSignature } from '../../../lib/serving/signature-check';
import { rowReadingOf } from '../../../lib/ml/features/reading';
import { checkRowsAgainstContract, contractFromTransforms } from '../../../lib/batch/input-contract';
import { compileExpression } from '../../../lib/ml/data/expressions';
import { bytesStream } from '../ml/helpers';

// The spec's `data` reading fields (missing tokens, datetime formats, derived columns) and the one code path that
// applies them at training and at serving (lib/ml/features/reading.ts).

const base = () => ({
  name: 'p',
  task: 'classification',
  data: { source: { kind: 'file', path: 'x.csv' } },
  features: { label: 'late', features: ['log_price', 'sold', 'sex'] },
  candidates: [{ kind: 'logistic_regression' }],
});

const reading = {
  missingValues: ['.'],
  columns: { sold: { format: 'MMM d yyyy' } },
  derived: [
    { name: 'late', expression: 'delay > 15' },
    { name: 'log_price', expression: 'log(price)' },
  ],
};

function specError(overrides: Record<string, unknown>): SpecError {
  try {
    parseSpecDocument(mergeSpecOverrides(base(), overrides), 'test.yaml');
  } catch (err) {
    if (err instanceof SpecError) return err;
    throw err;
  }
  throw new Error('expected a SpecError');
}

const issues = (err: SpecError) => Object.fromEntries((err.details.issues ?? []).map((i) => [i.path, i.message]));

describe('spec data reading fields', () => {
  it('accepts tokens, formats and derived columns, and gives the reader nothing when none are declared', () => {
    const spec = parseSpecDocument(mergeSpecOverrides(base(), { data: reading }), 'test.yaml');
    expect(readingOptionsOf(spec.data)).toEqual(reading);
    expect(readingOptionsOf(parseSpecDocument(base(), 'test.yaml').data)).toBeUndefined();
  });

  it('names the derived column and the position of a syntax error, and an unknown function with its closest', () => {
    const err = specError({
      data: {
        derived: [
          { name: 'late', expression: 'delay > ' },
          { name: 'lp', expression: 'lgo(price)' },
        ],
      },
    });
    expect(issues(err)['data.derived[0].expression']).toMatch(
      /derived column "late": Expression "delay > ": not a valid expression at character \d+/,
    );
    expect(issues(err)['data.derived[1].expression']).toMatch(/unknown function lgo\(\): did you mean log\(\)\?/);
  });

  it('refuses bad formats, duplicate or non-identifier names, unknown fields and formats on derived columns', () => {
    const err = specError({
      data: {
        columns: { sold: { format: '%Q' }, late: { missingValues: ['-'] }, sex: { fromat: 'x' } },
        derived: [
          { name: 'late', expression: 'delay > 15' },
          { name: 'late', expression: 'delay > 30' },
          { name: '2x', expression: 'delay * 2' },
        ],
      },
    });
    const byPath = issues(err);
    expect(byPath['data.columns.sold.format']).toMatch(/%Q is not supported/);
    expect(byPath['data.columns.sex.fromat']).toMatch(/Did you mean "format"\?/);
    expect(byPath['data.derived[2].name']).toMatch(/letters, digits and _/);
    // Refinements run once the fields themselves are valid.
    const second = specError({
      data: {
        columns: { late: { missingValues: ['-'] } },
        derived: [
          { name: 'late', expression: 'delay > 15' },
          { name: 'late', expression: 'delay > 30' },
        ],
      },
    });
    expect(issues(second)['data.derived[1].name']).toMatch(/derived twice/);
    expect(issues(second)['data.columns.late']).toMatch(/is a derived column/);
  });
});

const csv = [
  'flight,delay,sold,sex,price',
  'A1,20,Jun 12 1998,M,100',
  'B2,3,Jan 2 2001,.,50',
  'C3,40,Dec 31 1999,F,10',
  'D4,1,Mar 3 2000,M,200',
  'E5,16,Jul 4 2002,F,30',
  'F6,2,Feb 28 2003,.,80',
].join('\n');

describe('reading at training and at serving', () => {
  async function fitted() {
    const table = await readTable({ stream: bytesStream(csv), format: 'csv', reading });
    const transforms = fitFeatureTransforms({
      table,
      spec: { task: 'classification', label: 'late', features: ['log_price', 'sold', 'sex'] } as never,
    });
    const kept = fitReading({ reading, inputs: transforms.inputs, table });
    if (kept) transforms.reading = JSON.parse(JSON.stringify(kept)) as typeof kept;
    transforms.signature = buildSignature({ fitted: transforms, table });
    return { table, transforms };
  }

  it('keeps only the derived columns the features use; the signature holds raw columns, never the derived label', async () => {
    const { transforms } = await fitted();
    expect(transforms.reading?.options.derived).toEqual([{ name: 'log_price', expression: 'log(price)' }]);
    expect(rawInputsOf(transforms).map((c) => c.name)).toEqual(['price', 'sold', 'sex']);
    const inputs = transforms.signature?.inputs ?? [];
    expect(inputs.map((c) => c.name)).toEqual(['price', 'sold', 'sex']);
    expect(inputs.find((c) => c.name === 'sold')).toMatchObject({ type: 'datetime', format: 'MMM d yyyy' });
    expect(inputs.find((c) => c.name === 'sex')?.categories).toEqual(['F', 'M']);
  });

  it('computes derived features from raw request rows exactly as from the training table', async () => {
    const { table, transforms } = await fitted();
    const training = applyTransforms({ fitted: transforms, table });
    const rows = [
      { price: '100', sold: 'Jun 12 1998', sex: 'M' },
      { price: 50, sold: '2001-01-02', sex: '.' },
    ];
    const serving = applyTransforms({ fitted: transforms, rows });
    const width = training.featureNames.length;
    expect(Array.from(serving.features)).toEqual(Array.from(training.features.subarray(0, 2 * width)));
    expect(tableRow(inputTable(transforms, rows), 1)).toMatchObject({ sex: null, log_price: Math.log(50) });
  });

  it('checks requests and batch rows with the declared format, and names it when a value does not fit', async () => {
    const { transforms } = await fitted();
    const signature = transforms.signature;
    if (!signature) throw new Error('no signature');
    const ok = checkAgainstSignature(signature, [{ price: 10, sold: 'Jun 12 1998', sex: '.' }], {
      reading: rowReadingOf(transforms),
    });
    expect(ok.problems).toEqual([]);
    const bad = checkAgainstSignature(signature, [{ price: 10, sold: '12/06/1998', sex: 'M', log_price: 1 }], {
      reading: rowReadingOf(transforms),
    });
    expect(bad.problems.map((p) => p.code).sort()).toEqual(['UNKNOWN_FIELD', 'WRONG_TYPE']);
    expect(bad.problems.find((p) => p.code === 'WRONG_TYPE')?.message).toMatch(/written as "MMM d yyyy" or ISO 8601/);
    const batch = checkRowsAgainstContract(contractFromTransforms(transforms), [
      { price: 10, sold: 'Jun 12 1998', sex: 'M' },
      { price: 10, sold: 'June twelfth', sex: 'M' },
    ]);
    expect(batch.accepted).toEqual([0]);
    // Batch scoring parses raw rows with the contract, then the transforms compute the derived columns.
    const scored = applyTransforms({ fitted: transforms, table: selectRows(batch.table, batch.accepted) });
    const served = applyTransforms({ fitted: transforms, rows: [{ price: 10, sold: 'Jun 12 1998', sex: 'M' }] });
    expect(Array.from(scored.features)).toEqual(Array.from(served.features));
    expect(scored.imputedCells).toBe(0);
  });

  it('evaluates nested calls row after row with missing inputs (argument arrays are reused per call site)', () => {
    const e = compileExpression('coalesce(min(a, b), max(a, 3), -1)', () => 'number');
    const rows = [
      { a: 1, b: 2 },
      { a: 5, b: null },
      { a: null, b: 4 },
      { a: 7, b: 0 },
    ];
    expect(rows.map((row) => e.evaluate((c) => row[c as 'a' | 'b']))).toEqual([1, 5, -1, 0]);
  });

  it('quarantines a cell that does not fit the declared format, naming the format', async () => {
    const table = await readTable({
      stream: bytesStream('sold,y\nJun 12 1998,a\n12/06/1998,b\n'),
      format: 'csv',
      reading: { columns: { sold: { format: 'MMM d yyyy' } } },
    });
    const validator = createValidator({ expectations: {}, formats: { sold: 'MMM d yyyy' } });
    const { quarantined } = validator.consume(table);
    expect(quarantined.map((q) => q.reasons[0]?.message)).toEqual([
      '"12/06/1998" is not a valid datetime in the format "MMM d yyyy"',
    ]);
  });

  it('reads date parts of a formatted text, and refuses a format on a column declared another type', async () => {
    const part = compileExpression('year(date(s, "MMM d yyyy")) * 100 + month(date(s, "%b %d %Y"))', () => 'text');
    expect(part.evaluate(() => 'Jun 12 1998')).toBe(199806);
    expect(part.evaluate(() => '1998-06-12')).toBeNull();
    // A hostile cell never reaches the format's regular expression.
    expect(part.evaluate(() => `Jun 12 1998${' '.repeat(200)}`)).toBeNull();
    await expect(
      readTable({
        stream: bytesStream(csv),
        format: 'csv',
        schema: { columns: [{ name: 'sold', type: 'categorical' }] },
        reading: { columns: { sold: { format: 'MMM d yyyy' } } },
      }),
    ).rejects.toThrow(
      /Column "sold" has a datetime format \(data\.columns\.sold\.format\) but is declared categorical/,
    );
  });

  it('names the derived column and the closest column when an expression reads an unknown column', async () => {
    await expect(
      readTable({
        stream: bytesStream(csv),
        format: 'csv',
        reading: { derived: [{ name: 'late', expression: 'dealy > 15' }] },
      }),
    ).rejects.toThrow(
      /Derived column "late" \(data\.derived\): Expression "dealy > 15": no column "dealy": did you mean "delay"\?/,
    );
  });
});
