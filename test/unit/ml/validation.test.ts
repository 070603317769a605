import {
  createValidator,
  ExpectationsSpecSchema,
  inferExpectations,
  profileTable,
  readRecordBatches,
  rowsToTable,
  schemaFromExpectations,
  validateTable,
  type CheckResult,
  type ExpectationsSpecInput,
  type QuarantinedRow,
  type ValidationReport,
} from '../../../lib/ml';
import { summarize } from '../../../lib/ml/validation/report';
import { fixtureStream, readFixture } from './helpers';

const EXPECTATIONS: ExpectationsSpecInput = {
  columns: {
    id: { type: 'text', unique: true },
    age: { type: 'integer', min: 0, max: 120 },
    income: { type: 'numeric', maxMissingRatio: 0.2 },
    city: { type: 'categorical', domain: ['Paris', 'Lyon', 'Nice'] },
    signup: { type: 'datetime' },
    member: { type: 'boolean' },
  },
  label: { column: 'churned', task: 'classification', classes: ['yes', 'no'] },
  maxQuarantinedRatio: 0.5,
};

async function validateFile(name: string, expectations: ExpectationsSpecInput, batchRows = 3) {
  const parsed = ExpectationsSpecSchema.parse(expectations);
  const validator = createValidator({ expectations: parsed });
  const quarantined: QuarantinedRow[] = [];
  const acceptedLines: number[] = [];
  const stream = fixtureStream(name);
  for await (const batch of readRecordBatches({
    stream,
    format: 'csv',
    schema: schemaFromExpectations(parsed),
    batchRows,
  })) {
    const result = validator.consume(batch);
    quarantined.push(...result.quarantined);
    result.acceptedRows.forEach((i) => acceptedLines.push(batch.lineNumbers[i] as number));
  }
  return { report: validator.finish(), quarantined, acceptedLines };
}

function check(report: ValidationReport, id: string): CheckResult {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

describe('validation against crafted files', () => {
  it('passes a good file and accepts every row', async () => {
    const { report, quarantined, acceptedLines } = await validateFile('customers-good.csv', EXPECTATIONS);
    expect(report.passed).toBe(true);
    expect(quarantined).toEqual([]);
    expect(acceptedLines).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(report.checks.every((c) => c.passed)).toBe(true);
    expect(check(report, 'missing_ratio:income')).toMatchObject({ observed: 0.125, expected: 0.2 });
    expect(report.summary).toMatch(/^Validation PASSED: read 8 rows with 7 columns; 8 accepted and 0 quarantined/);
  });

  it('quarantines each bad row with its reasons and line, and fails the dataset', async () => {
    const { report, quarantined, acceptedLines } = await validateFile('customers-bad.csv', EXPECTATIONS);
    // Lines: 3 age 150 · 4 income "abc" · 5 income NaN · 6 city Berlin · 7 income Inf + empty label · 8 duplicate id ·
    // 9 label "maybe". Only line 2 is clean: 7 of 8 quarantined (87.5% > 50%).
    expect(acceptedLines).toEqual([2]);
    expect(quarantined.map((q) => q.line)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(quarantined.find((q) => q.line === 7)?.reasons.map((r) => r.check)).toEqual([
      'finite:income',
      'label:churned',
    ]);
    expect(quarantined.find((q) => q.line === 4)?.row).toMatchObject({ id: 'c03', income: 'abc', city: 'Paris' });
    expect(check(report, 'range:age')).toMatchObject({
      passed: false,
      failedCount: 1,
      samples: [{ line: 3, value: 150 }],
    });
    expect(check(report, 'type:income')).toMatchObject({ failedCount: 1, samples: [{ line: 4, value: 'abc' }] });
    expect(check(report, 'finite:income')).toMatchObject({
      failedCount: 2,
      samples: [
        { line: 5, value: 'NaN' },
        { line: 7, value: 'Infinity' },
      ],
    });
    expect(check(report, 'domain:city')).toMatchObject({ failedCount: 1, samples: [{ line: 6, value: 'Berlin' }] });
    expect(check(report, 'unique:id')).toMatchObject({ failedCount: 1, samples: [{ line: 8, value: 'c01' }] });
    expect(check(report, 'label:churned')).toMatchObject({
      failedCount: 2,
      samples: [
        { line: 7, value: null },
        { line: 9, value: 'maybe' },
      ],
    });
    expect(check(report, 'quarantine_ratio')).toMatchObject({ passed: false, observed: 0.875 });
    expect(report).toMatchObject({ passed: false, rowsRead: 8, rowsAccepted: 1, rowsQuarantined: 7 });
    expect(report.summary).toMatch(
      /^Validation FAILED: read 8 rows with 7 columns; 1 accepted and 7 quarantined \(87\.50%\)\./,
    );
    expect(report.summary).toContain('range:age [quarantined rows] 1 of 8 rows failed (first at line 3)');
    // Failure messages list five failed checks and say where the rest are; the API lists every one.
    const failed = report.checks.filter((c) => !c.passed).map((c) => c.id);
    expect(failed.length).toBeGreaterThan(5);
    expect(report.summary).toMatch(
      new RegExp(`; and ${failed.length - 5} more \\(the validation report lists every failed check\\)\\.$`),
    );
    const full = summarize(report, Number.POSITIVE_INFINITY);
    for (const id of failed) expect(full).toContain(`${id} [`);
    expect(full).not.toContain(' more (');
  });

  it('gives the same report whatever the batch size, and the report is plain JSON', async () => {
    const small = await validateFile('customers-bad.csv', EXPECTATIONS, 2);
    const large = await validateFile('customers-bad.csv', EXPECTATIONS, 1000);
    expect(small.report).toEqual(large.report);
    expect(JSON.parse(JSON.stringify(large.report))).toEqual(large.report);
  });

  it('warn severity reports failures but keeps rows and the verdict', async () => {
    const expectations: ExpectationsSpecInput = { columns: { age: { type: 'integer', max: 40, severity: 'warn' } } };
    const { report, quarantined } = await validateFile('customers-good.csv', expectations);
    // ages above 40: 45, 51, 62, 41 → 4 rows
    expect(check(report, 'range:age')).toMatchObject({ passed: false, severity: 'warn', failedCount: 4 });
    expect(quarantined).toEqual([]);
    expect(report.passed).toBe(true);
  });

  it('dataset-level checks: row count, required and extra columns, label column, not-null', async () => {
    const expectations: ExpectationsSpecInput = {
      columns: { email: { required: true }, phone: { required: false }, income: { nullable: false } },
      label: { column: 'target' },
      rowCount: { min: 10 },
      allowExtraColumns: false,
      maxQuarantinedRatio: 1,
    };
    const { report, quarantined } = await validateFile('customers-good.csv', expectations);
    expect(check(report, 'row_count')).toMatchObject({ passed: false, observed: 8, expected: { min: 10, max: null } });
    expect(check(report, 'column_present:email').passed).toBe(false);
    expect(report.checks.some((c) => c.id === 'column_present:phone')).toBe(false);
    expect(check(report, 'label_present:target').passed).toBe(false);
    expect(check(report, 'extra_columns').observed).toEqual(['id', 'age', 'city', 'signup', 'member', 'churned']);
    expect(quarantined.map((q) => q.line)).toEqual([4]);
    expect(report.passed).toBe(false);
  });

  it('flags a declared type the data does not have (file read without the declared schema)', async () => {
    const table = await readFixture('customers-good.csv');
    const { report } = validateTable({ table, expectations: { columns: { city: { type: 'numeric' } } } });
    expect(check(report, 'column_type:city')).toMatchObject({
      passed: false,
      expected: 'numeric',
      observed: 'categorical',
    });
    expect(check(report, 'column_type:city').message).toContain('schemaFromExpectations');
  });
});

describe('inferred expectations', () => {
  it('infers types, nullability, domains and missing allowances from a reference profile', async () => {
    const profile = profileTable({ table: await readFixture('customers-good.csv') });
    const inferred = inferExpectations({ profile, options: { label: { column: 'churned', task: 'classification' } } });
    expect(inferred.columns.age).toMatchObject({ type: 'integer', nullable: false, maxMissingRatio: 0.01 });
    // income: 1 of 8 missing → 2 × 0.125 + 0.01 = 0.26
    expect(inferred.columns.income).toMatchObject({ type: 'numeric', nullable: true, maxMissingRatio: 0.26 });
    expect(inferred.columns.city?.domain).toEqual(['Paris', 'Lyon', 'Nice']);
    expect(inferred.label).toEqual({ column: 'churned', task: 'classification', classes: ['no', 'yes'] });
  });

  it('the good file passes its inferred expectations; the bad file does not', async () => {
    const profile = profileTable({ table: await readFixture('customers-good.csv') });
    const inferred = inferExpectations({ profile, options: { inferRanges: true } });
    expect((await validateFile('customers-good.csv', inferred)).report.passed).toBe(true);
    const bad = await validateFile('customers-bad.csv', inferred);
    expect(bad.report.passed).toBe(false);
    expect(check(bad.report, 'range:age').samples[0]).toEqual({ line: 3, value: 150 });
  });
});

describe('quarantine within the allowed ratio', () => {
  it('passes a dataset whose few bad rows are quarantined, and reports them', () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ id: String(i), age: i === 7 ? -5 : 30 + (i % 20) }));
    const table = rowsToTable({
      rows,
      schema: {
        columns: [
          { name: 'id', type: 'text' },
          { name: 'age', type: 'integer' },
        ],
      },
    });
    const { report, quarantined } = validateTable({
      table,
      expectations: { columns: { age: { type: 'integer', min: 0 } }, maxQuarantinedRatio: 0.02 },
    });
    expect(quarantined.map((q) => q.line)).toEqual([8]);
    expect(report.passed).toBe(true);
    expect(report.checks.find((c) => c.id === 'range:age')).toMatchObject({ passed: false, failedCount: 1 });
    expect(report.summary).toMatch(/^Validation PASSED: read 100 rows .* 99 accepted and 1 quarantined \(1\.00%\)/);
    expect(report.summary).toContain('range:age [quarantined rows] 1 of 100 rows failed (first at line 8)');
  });
});
