import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSpecText } from '../../../lib/pipeline/spec-check';
import {
  SpecInitError,
  labelChoices,
  pipelineNameFor,
  profileDataFile,
  guessDatetimeFormat,
  profileForProposal,
  proposeSpec,
} from '../../../lib/pipeline/spec-init';
import { renderProposedSpec } from '../../../lib/pipeline/spec-init-render';
import type { PipelineSpec } from '../../../lib/pipeline/spec';

// `mlops spec init`: specs proposed from CSV files of several shapes must pass the strict spec checks as written
// (YAML text, as `spec validate` and the API read it) and carry the right task, types and expectations.

const dir = mkdtempSync(join(tmpdir(), 'spec-init-'));

/** A seeded generator, so the files (and what is asserted about them) are the same on every run. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

function csv(name: string, header: string[], rows: Array<Array<string | number>>): string {
  const file = join(dir, name);
  writeFileSync(file, [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n');
  return file;
}

async function propose(file: string, label: string, task?: 'classification' | 'regression') {
  const profile = await profileDataFile(file);
  const proposed = proposeSpec({
    profile,
    label,
    task,
    name: pipelineNameFor(file),
    source: { kind: 'file', path: file, format: 'csv' },
  });
  const text = renderProposedSpec(proposed, { schemaRef: './spec.schema.json', file, rows: profile.rowCount });
  const check = checkSpecText(text, file);
  if (!check.ok) throw new Error(`proposed spec does not validate: ${JSON.stringify(check.issues)}\n${text}`);
  return { text, spec: check.spec as PipelineSpec, proposed };
}

const featureOf = (spec: PipelineSpec, column: string) => spec.features.features.find((f) => f.column === column);

describe('mlops spec init: a complete, valid spec proposed from a data file', () => {
  // Penguin-like: numbers with missing values (NA and empty), a categorical with missing, a 3-class string label.
  const rnd = random(1);
  const species = ['Adelie', 'Gentoo', 'Chinstrap'];
  const penguins = csv(
    'Penguins Size.csv',
    ['species', 'island', 'bill_length_mm', 'flipper_length_mm', 'body_mass_g', 'sex'],
    Array.from({ length: 300 }, (_, i) => [
      species[i % 3] as string,
      ['Biscoe', 'Dream', 'Torgersen'][Math.floor(rnd() * 3)] as string,
      i % 40 === 0 ? 'NA' : (32 + rnd() * 20).toFixed(1),
      180 + Math.floor(rnd() * 50),
      i % 55 === 0 ? '' : 2700 + Math.floor(rnd() * 3600),
      i % 30 === 0 ? 'NA' : rnd() < 0.5 ? 'male' : 'female',
    ]),
  );

  it('classification from a string label: types, not-null only where nothing is missing, domains, classes', async () => {
    const { spec, text } = await propose(penguins, 'species');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./spec.schema.json');
    expect(spec.name).toBe('penguins-size');
    expect(spec.task).toBe('classification');
    const columns = spec.expectations.columns;
    expect(columns.flipper_length_mm).toMatchObject({ type: 'integer', nullable: false });
    expect(columns.flipper_length_mm?.min).toBeLessThanOrEqual(180);
    expect(columns.flipper_length_mm?.max).toBeGreaterThanOrEqual(229);
    expect(columns.bill_length_mm).toMatchObject({ type: 'numeric', nullable: true });
    expect(columns.bill_length_mm?.maxMissingRatio).toBeGreaterThan(0.025);
    expect(columns.body_mass_g).toMatchObject({ type: 'integer', nullable: true });
    expect(columns.island?.domain?.slice().sort()).toEqual(['Biscoe', 'Dream', 'Torgersen']);
    expect(columns.sex).toMatchObject({ type: 'categorical', nullable: true });
    expect(columns.species).toMatchObject({ type: 'categorical', nullable: false });
    expect(spec.expectations.label).toMatchObject({ column: 'species', task: 'classification' });
    expect(spec.expectations.label?.classes?.slice().sort()).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(spec.features.label).toBe('species');
    expect(spec.features.features.map((f) => f.column)).not.toContain('species');
    expect(featureOf(spec, 'island')).toMatchObject({ transform: 'onehot' });
    expect(featureOf(spec, 'bill_length_mm')).toMatchObject({
      transform: 'standardize',
      impute: { strategy: 'median' },
    });
    expect(spec.candidates.map((c) => c.kind)).toEqual(['logistic_regression', 'gradient_boosting']);
    // The gate is the majority class's share (a third here): a model must at least match always answering it.
    expect(spec.evaluation.thresholds.accuracy?.min).toBeCloseTo(0.33, 2);
    expect(spec.approval).toMatchObject({ approvers: [], fourEyes: true, onTimeout: 'reject' });
  });

  it('regression from a numeric label with many values, dates as datetime features, an id column left out', async () => {
    const r = random(2);
    const file = csv(
      'sales.csv',
      ['order_id', 'order_date', 'region', 'units', 'discount', 'revenue'],
      Array.from({ length: 250 }, (_, i) => {
        const units = 1 + Math.floor(r() * 40);
        const day = String(1 + (i % 28)).padStart(2, '0');
        return [
          1000 + i,
          `2024-0${1 + (i % 9)}-${day}`,
          ['north', 'south'][i % 2] as string,
          units,
          r().toFixed(2),
          (units * (20 + r() * 5)).toFixed(2),
        ];
      }),
    );
    const { spec, proposed } = await propose(file, 'revenue');
    expect(spec.task).toBe('regression');
    expect(spec.expectations.columns.order_date).toMatchObject({ type: 'datetime', nullable: false });
    expect(featureOf(spec, 'order_date')).toMatchObject({ transform: 'datetime' });
    expect(featureOf(spec, 'order_id')).toBeUndefined();
    expect(proposed.skipped).toEqual([{ column: 'order_id', why: 'an identifier (every value distinct)' }]);
    expect(spec.expectations.columns.order_id).toEqual({
      type: 'integer',
      nullable: false,
      unique: true,
      required: true,
      allowNonFinite: false,
      severity: 'error',
    });
    expect(spec.expectations.columns.revenue).toMatchObject({ type: 'numeric', nullable: false });
    // Non-negative data keeps a non-negative bound: a negative discount is an error, not "within 10 %".
    expect(spec.expectations.columns.discount?.min).toBe(0);
    expect(spec.candidates.map((c) => c.kind)).toEqual(['linear_regression', 'gradient_boosting']);
    expect(spec.evaluation).toMatchObject({ primaryMetric: 'rmse', thresholds: { r2: { min: 0 } } });
  });

  it('a 0/1 integer label is classification; free text is not a feature; --task overrides the guess', async () => {
    const r = random(3);
    const file = csv(
      'churn.csv',
      ['tenure', 'plan', 'note', 'churned'],
      Array.from({ length: 200 }, (_, i) => [
        Math.floor(r() * 72),
        ['basic', 'plus'][i % 2] as string,
        `customer said ${Math.floor(r() * 1e9)} things`,
        r() < 0.3 ? 1 : 0,
      ]),
    );
    const { spec, proposed } = await propose(file, 'churned');
    expect(spec.task).toBe('classification');
    expect(spec.expectations.columns.churned).toMatchObject({ type: 'integer', nullable: false });
    expect(spec.expectations.columns.churned?.min).toBeUndefined();
    expect(featureOf(spec, 'note')).toBeUndefined();
    expect(proposed.skipped.map((s) => s.column)).toEqual(['note']);
    expect((await propose(file, 'tenure', 'regression')).spec.task).toBe('regression');
  });

  it('a label with missing values: its rows are quarantined, and the quarantine allowance covers them', async () => {
    const r = random(4);
    const file = csv(
      'gaps.csv',
      ['x', 'flag', 'y'],
      Array.from({ length: 200 }, (_, i) => [
        r().toFixed(3),
        i % 2 === 0 ? 'true' : 'false',
        i % 10 === 0 ? '' : (r() * 100).toFixed(1),
      ]),
    );
    const { spec } = await propose(file, 'y');
    expect(spec.expectations.columns.y).toMatchObject({ nullable: false });
    expect(spec.expectations.maxQuarantinedRatio).toBeGreaterThanOrEqual(0.15);
    expect(spec.expectations.columns.flag).toMatchObject({ type: 'boolean' });
    expect(featureOf(spec, 'flag')).toMatchObject({ transform: 'passthrough' });
  });

  it('JSON Lines: typed values, the source format recorded', async () => {
    const file = join(dir, 'events.jsonl');
    const lines = Array.from({ length: 120 }, (_, i) =>
      JSON.stringify({ amount: (i * 7.3) % 90, channel: ['web', 'app'][i % 2], fraud: i % 6 === 0 }),
    );
    writeFileSync(file, lines.join('\n') + '\n');
    const profile = await profileDataFile(file);
    const proposed = proposeSpec({
      profile,
      label: 'fraud',
      name: pipelineNameFor(file),
      source: { kind: 'file', path: file, format: 'jsonl' },
    });
    const text = renderProposedSpec(proposed, { schemaRef: './spec.schema.json', file, rows: profile.rowCount });
    const check = checkSpecText(text, file);
    if (!check.ok) throw new Error(JSON.stringify(check.issues));
    expect(check.spec).toMatchObject({ name: 'events', task: 'classification' });
    expect(check.spec.data.source).toMatchObject({ kind: 'file', format: 'jsonl' });
    expect(check.spec.expectations.columns).toMatchObject({
      amount: { type: 'numeric' },
      channel: { type: 'categorical' },
      fraud: { type: 'boolean' },
    });
  });

  it('without a usable label it says which columns could be one, and why a column cannot', async () => {
    const profile = await profileDataFile(penguins);
    const choices = labelChoices(profile);
    expect(choices.find((c) => c.column === 'species')).toMatchObject({ task: 'classification' });
    expect(choices.find((c) => c.column === 'body_mass_g')).toMatchObject({ task: 'regression' });
    const source = { kind: 'file' as const, path: penguins };
    expect(() => proposeSpec({ profile, label: 'specie', name: 'p', source })).toThrow(
      /no column "specie" in the data. Columns: species, island/,
    );
    expect(() => proposeSpec({ profile, label: 'island', name: 'p', source, task: 'regression' })).toThrow(
      SpecInitError,
    );
  });
});

describe('mlops spec init: missing-value markers the reader does not know', () => {
  it('"?" among numbers and "." among categories: declared as the columns\' missing tokens, read as missing', async () => {
    const file = csv(
      'auto-mpg.csv',
      ['mpg', 'horsepower', 'origin', 'sex'],
      Array.from({ length: 100 }, (_, i) => [
        10 + (i % 30),
        i % 25 === 3 ? '?' : 60 + i,
        ['usa', 'japan', 'europe'][i % 3] as string,
        i === 7 ? '.' : i % 2 ? 'male' : 'female',
      ]),
    );
    // As the pipeline reads it without declarations, "?" makes horsepower a column of text.
    expect((await profileDataFile(file)).columns[1]).toMatchObject({ name: 'horsepower', type: 'text' });
    const { profile, markers, reading } = await profileForProposal(file);
    expect(markers).toEqual([
      { column: 'horsepower', tokens: ['?'], cells: 4, typeWithout: 'integer' },
      { column: 'sex', tokens: ['.'], cells: 1, typeWithout: 'categorical' },
    ]);
    expect(reading).toEqual({ horsepower: { missingValues: ['?'] }, sex: { missingValues: ['.'] } });
    // Profiled as the proposed spec reads it: numbers with 4 missing, two sexes and 1 missing.
    expect(profile.columns[1]).toMatchObject({ type: 'integer', missing: 4, invalid: 0 });
    expect(profile.columns[3]).toMatchObject({ type: 'categorical', missing: 1, distinct: 2 });
    const proposed = proposeSpec({
      profile,
      markers,
      reading,
      label: 'mpg',
      name: 'auto-mpg',
      source: { kind: 'file', path: file },
    });
    const text = renderProposedSpec(proposed, { schemaRef: './spec.schema.json', file, rows: profile.rowCount });
    const check = checkSpecText(text, file);
    if (!check.ok) throw new Error(JSON.stringify(check.issues));
    expect(check.spec.data.columns).toEqual({ horsepower: { missingValues: ['?'] }, sex: { missingValues: ['.'] } });
    expect(check.spec.expectations.columns.horsepower).toMatchObject({ type: 'integer', nullable: true });
    expect(check.spec.features.features.find((f) => f.column === 'horsepower')).toMatchObject({
      transform: 'standardize',
    });
    expect(check.spec.expectations.columns.sex?.domain).toEqual(expect.arrayContaining(['male', 'female']));
    expect(check.spec.expectations.columns.sex?.domain).not.toContain('.');
    expect(text).toContain('"?" in 4 cells read as missing (data.columns.horsepower.missingValues)');
  });

  it('dates written as "Jun 12 1998" or "12/06/1998": the format is declared and the column is a datetime', async () => {
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const file = csv(
      'listings.csv',
      ['listed', 'sold', 'rooms', 'price'],
      Array.from({ length: 120 }, (_, i) => [
        `${months[i % 12]} ${1 + (i % 28)} ${1990 + (i % 20)}`,
        `${String(1 + (i % 28)).padStart(2, '0')}/${String(1 + (i % 12)).padStart(2, '0')}/${2000 + (i % 20)}`,
        1 + (i % 6),
        100_000 + i * 1_000,
      ]),
    );
    const { profile, markers, reading } = await profileForProposal(file);
    // 28 days and 12 months: only day-first reads "13/01/2000".
    expect(reading).toEqual({ listed: { format: 'MMM d yyyy' }, sold: { format: 'dd/MM/yyyy' } });
    expect(profile.columns.map((c) => c.type).slice(0, 2)).toEqual(['datetime', 'datetime']);
    const proposed = proposeSpec({
      profile,
      markers,
      reading,
      label: 'price',
      name: 'listings',
      source: { kind: 'file', path: file },
    });
    const text = renderProposedSpec(proposed, { schemaRef: './spec.schema.json', file, rows: profile.rowCount });
    const check = checkSpecText(text, file);
    if (!check.ok) throw new Error(JSON.stringify(check.issues));
    expect(check.spec.data.columns?.listed).toEqual({ format: 'MMM d yyyy' });
    expect(check.spec.features.features.find((f) => f.column === 'listed')).toMatchObject({ transform: 'datetime' });
    expect(text).toContain('dates written as "MMM d yyyy"');
  });

  it('guesses no format for words, numbers or dates that fit none', () => {
    expect(guessDatetimeFormat(['red', 'green', 'blue'])).toBeUndefined();
    expect(guessDatetimeFormat(['12/06/1998', 'June 1998', '13/06/1998'])).toBeUndefined();
    expect(guessDatetimeFormat(['5/3/2020', '12/3/2020', '1/11/2021'])).toBe('d/M/yyyy');
  });
});

describe('mlops spec validate: problems with their line and column', () => {
  it('names an unknown field at its path and line, with the closest allowed name', () => {
    const text = [
      'name: demo',
      'task: classification',
      'data: { source: { kind: file, path: pipelines/data/churn.csv } }',
      'features:',
      '  label: churned',
      '  features: [tenure]',
      'candidates:',
      '  - kind: logistic_regression',
      '    hyperparameters: { epcohs: 3 }',
      'training:',
      '  maxAtempts: 3',
    ].join('\n');
    const check = checkSpecText(text, 'demo.yaml');
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.syntax).toBe(false);
    expect(check.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: 'training.maxAtempts',
          line: 11,
          column: 3,
          message: expect.stringContaining('Did you mean "maxAttempts"?'),
        }),
        expect.objectContaining({ path: 'candidates[0].hyperparameters.epcohs', line: 9 }),
      ]),
    );
  });

  it('reports YAML syntax errors with line and column', () => {
    const check = checkSpecText('name: demo\ntask: [classification\n', 'bad.yaml');
    expect(check).toMatchObject({ ok: false, syntax: true });
    if (check.ok) return;
    expect(check.issues[0]?.line).toBeGreaterThanOrEqual(2);
  });
});
