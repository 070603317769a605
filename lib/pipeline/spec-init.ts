import { createReadStream } from 'node:fs';
import type { ColumnProfile, DatasetProfile } from '../ml/data/profile';
import { ProfileAccumulator } from '../ml/data/profile';
import { DEFAULT_MISSING_TOKENS } from '../ml/data/cells';
import { datetimeParser } from '../ml/data/datetime-format';
import type { ReadingOptions } from '../ml/data/derived';
import { readRecordBatches } from '../ml/data/reader';
import { inferExpectations } from '../ml/validation/infer';
import type { ColumnExpectation } from '../ml/validation/spec';
import type { ColumnReadingSpec } from '../ml/data/reading-spec';
import type { PipelineSpecInput } from './spec';

// `mlops spec init DATA.csv --label COLUMN`: a complete first spec proposed from a data file's profile (the same
// reader, type inference and profile the pipeline's own validate step uses), for a person to read, adjust and apply.

type Task = 'classification' | 'regression';

/** A label with at most this many distinct numbers is taken as classes, more as a quantity to regress. */
const MAX_NUMERIC_CLASSES = 10;
/** Rows read to guess column types (the pipeline reads 1,000; a longer look finds a stray word in a number column). */
const INFERENCE_ROWS = 20_000;

export type DataFormat = 'csv' | 'jsonl';

export function formatOfFile(path: string): DataFormat {
  return /\.(jsonl|ndjson)$/i.test(path) ? 'jsonl' : 'csv';
}

/** The whole file's profile: column types inferred as the pipeline would, then counts, ranges and categories. */
export async function profileDataFile(
  path: string,
  format = formatOfFile(path),
  missingTokens?: readonly string[],
  reading?: ReadingOptions,
): Promise<DatasetProfile> {
  const profile = new ProfileAccumulator();
  const stream = createReadStream(path);
  const options = { stream, format, inferenceRows: INFERENCE_ROWS, missingTokens, reading };
  for await (const batch of readRecordBatches(options)) {
    profile.consume(batch);
  }
  return profile.finish();
}

/** Cells people write for "no value" that the reader does not take as missing (cells match exactly). */
const MARKERS = ['.', '?', '-', '--', '*', 'na', 'n/a', 'none', 'nil', 'missing', 'Missing', 'MISSING']
  .concat(['unknown', 'Unknown', 'UNKNOWN', 'undefined', '#N/A', 'N.A.', 'n.a.'])
  .filter((t) => !DEFAULT_MISSING_TOKENS.includes(t));

/** Marker-like values of one column, and what the column is without them. */
export interface MissingMarker {
  column: string;
  tokens: string[];
  cells: number;
  /** The column's type once the markers are read as missing (`integer` for `horsepower` with a few `?`). */
  typeWithout: string;
}

/**
 * Datetime formats people write that the reader does not parse by itself (it reads ISO 8601): tried in this order on
 * a text column's values, the first that reads every one of them is proposed (day-first before month-first where both
 * fit, as most of the world writes them; the column note says which was chosen).
 */
const DATETIME_FORMATS = [
  'MMM d yyyy',
  'MMM d, yyyy',
  'MMMM d yyyy',
  'MMMM d, yyyy',
  'd MMM yyyy',
  'd MMMM yyyy',
  'd-MMM-yyyy',
  'd-MMM-yy',
  'dd/MM/yyyy',
  'MM/dd/yyyy',
  'd/M/yyyy',
  'M/d/yyyy',
  'dd.MM.yyyy',
  'dd-MM-yyyy',
  'yyyy/MM/dd',
  'dd/MM/yyyy HH:mm',
  'MM/dd/yyyy HH:mm',
  'dd/MM/yyyy HH:mm:ss',
  'MM/dd/yyyy HH:mm:ss',
  'M/d/yyyy H:mm',
  'yyyy/MM/dd HH:mm:ss',
];
const FORMAT_PARSERS = DATETIME_FORMATS.map((format) => ({ format, parse: datetimeParser(format) }));

/** The first format that reads every one of a column's (most frequent) values, if any does. */
export function guessDatetimeFormat(values: readonly string[]): string | undefined {
  const sample = values.filter((v) => v.trim() !== '');
  if (sample.length < 3 || !sample.some((v) => /[0-9]/.test(v))) return undefined;
  return FORMAT_PARSERS.find(({ parse }) => sample.every((v) => parse(v) !== undefined))?.format;
}

/**
 * The profile for a proposal, read as the proposed spec will read it. A text column is looked at twice more:
 * - marker-like values (`?`, `.`, `unknown`, ...) that the reader does not take as missing: they are declared as the
 *   column's own missing tokens (`data.columns.<col>.missingValues`), so `?` among numbers no longer makes a number
 *   column text, and `.` is not a category of its own;
 * - dates in a format the reader does not parse by itself (`Jun 12 1998`, `12/06/1998`): the format is declared
 *   (`data.columns.<col>.format`), so the column is a datetime.
 * The file is then profiled with those declarations, i.e. as the pipeline will read it with the proposed spec.
 */
export async function profileForProposal(
  path: string,
  format = formatOfFile(path),
): Promise<{
  profile: DatasetProfile;
  markers: MissingMarker[];
  reading: Record<string, ColumnReadingSpec>;
}> {
  const first = await profileDataFile(path, format);
  const isText = (c: ColumnProfile) => c.type === 'categorical' || c.type === 'text';
  if (!first.columns.some(isText)) return { profile: first, markers: [], reading: {} };
  const second = await profileDataFile(path, format, [...DEFAULT_MISSING_TOKENS, ...MARKERS]);
  const markers: MissingMarker[] = [];
  const reading: Record<string, ColumnReadingSpec> = {};
  first.columns.forEach((column, i) => {
    const without = second.columns[i];
    if (!isText(column) || !without) return;
    const tokens = column.topValues.map((t) => t.value).filter((v) => MARKERS.includes(v));
    if (without.missing > column.missing) {
      markers.push({ column: column.name, tokens, cells: without.missing - column.missing, typeWithout: without.type });
      if (tokens.length) reading[column.name] = { missingValues: tokens };
    }
    if (!isText(without)) return;
    const values = without.topValues.map((t) => t.value);
    const dateFormat = guessDatetimeFormat(values);
    if (dateFormat) reading[column.name] = { ...reading[column.name], format: dateFormat };
  });
  if (Object.keys(reading).length === 0) return { profile: first, markers, reading };
  let profile = await profileDataFile(path, format, undefined, { columns: reading });
  // A format that only the most frequent values fit: dropped (a person can still declare one by hand).
  const misfits = Object.entries(reading).filter(([name, r]) => {
    const column = profile.columns.find((c) => c.name === name);
    return r.format && column && column.invalid > 0;
  });
  if (misfits.length) {
    for (const [name, r] of misfits) {
      delete r.format;
      if (!r.missingValues) delete reading[name];
    }
    profile = await profileDataFile(path, format, undefined, { columns: reading });
  }
  return { profile, markers, reading };
}

/** What a column would be as the label, or why it cannot be one (undefined: it can). */
function unfitLabel(column: ColumnProfile): string | undefined {
  if (column.count - column.missing === 0) return 'has no values';
  if (column.type === 'text') return 'is free text';
  if (column.type === 'datetime') return 'is a datetime';
  if (column.distinct < 2) return 'has a single value';
  return undefined;
}

/** The task a label implies: classes for strings, booleans and numbers with few distinct values, else regression. */
export function taskForLabel(column: ColumnProfile): Task {
  if (column.type === 'numeric' || column.type === 'integer') {
    return column.distinctExact && column.distinct <= MAX_NUMERIC_CLASSES ? 'classification' : 'regression';
  }
  return 'classification';
}

export interface LabelChoice {
  column: string;
  type: string;
  task: Task;
  distinct: number;
}

/** The columns that could be the label, with the task each would give (ID-like and constant columns left out). */
export function labelChoices(profile: DatasetProfile): LabelChoice[] {
  return profile.columns
    .filter((c) => !unfitLabel(c) && !idLike(c, profile.rowCount))
    .map((c) => ({ column: c.name, type: c.type, task: taskForLabel(c), distinct: c.distinct }));
}

const ID_NAME = /(^|[^a-z])(id|uuid|guid|key)$|^id[^a-z]/i;

/**
 * An identifier: every value distinct, and text, or whole numbers that count up (1..n) or are named like an id. A
 * model learns nothing general from one (and it leaks row identity); an all-distinct price is not one.
 */
function idLike(column: ColumnProfile, rows: number): boolean {
  const values = column.count - column.missing;
  if (!column.distinctExact || column.distinct !== values || values !== rows) return false;
  if (column.type === 'categorical' || column.type === 'text') return true;
  if (column.type !== 'integer' || column.min === null || column.max === null) return false;
  return column.max - column.min + 1 === values || ID_NAME.test(column.name);
}

/** Why a column is not proposed as a feature (undefined: it is). */
function notAFeature(column: ColumnProfile, rows: number): string | undefined {
  if (column.count - column.missing === 0) return 'no values';
  if (column.distinct < 2) return 'a single value';
  if (idLike(column, rows)) return 'an identifier (every value distinct)';
  if (column.type === 'text') return 'free text (no transform reads it)';
  return undefined;
}

type FeatureInput = PipelineSpecInput['features']['features'][number];

function featureOf(column: ColumnProfile): FeatureInput {
  const impute = column.missing > 0 ? { impute: { strategy: 'median' as const } } : {};
  switch (column.type) {
    case 'numeric':
    case 'integer':
      return { column: column.name, transform: 'standardize', ...impute };
    case 'categorical':
      return { column: column.name, transform: 'onehot' };
    case 'datetime':
      return { column: column.name, transform: 'datetime', parts: ['year', 'month', 'day', 'dayOfWeek'] };
    default:
      // Booleans (0/1): the most frequent value stands in for a missing one.
      return {
        column: column.name,
        transform: 'passthrough',
        ...(column.missing > 0 ? { impute: { strategy: 'mode' as const } } : {}),
      };
  }
}

/** Bounds rounded outward to 4 significant digits (integers to whole numbers); never below 0 for data that is not. */
function roundedBounds(e: Partial<ColumnExpectation>, column: ColumnProfile): void {
  const outward = (v: number, up: boolean) => {
    if (column.type === 'integer') return up ? Math.ceil(v) : Math.floor(v);
    if (v === 0) return 0;
    const scale = 10 ** (Math.floor(Math.log10(Math.abs(v))) - 3);
    return (up ? Math.ceil(v / scale) : Math.floor(v / scale)) * scale;
  };
  if (e.min !== undefined)
    e.min = Number(outward(column.min !== null && column.min >= 0 ? Math.max(0, e.min) : e.min, false).toPrecision(12));
  if (e.max !== undefined) e.max = Number(outward(e.max, true).toPrecision(12));
}

/** A column's expectation without the fields that only repeat a default. */
function compact(e: ColumnExpectation, column: ColumnProfile, rows: number): Partial<ColumnExpectation> {
  const out: Partial<ColumnExpectation> = { type: e.type };
  if (!e.nullable) out.nullable = false;
  else if (e.maxMissingRatio !== undefined) out.maxMissingRatio = e.maxMissingRatio;
  if (e.min !== undefined) out.min = e.min;
  if (e.max !== undefined) out.max = e.max;
  if (e.domain) out.domain = e.domain;
  if (e.unique) out.unique = true;
  if (column.nonFinite > 0) out.allowNonFinite = true;
  roundedBounds(out, column);
  // An identifier is checked for what makes it one: a range of ids says nothing about the next ones.
  if (idLike(column, rows)) {
    delete out.min;
    delete out.max;
    out.unique = true;
  }
  return out;
}

export class SpecInitError extends Error {
  constructor(
    message: string,
    readonly choices: LabelChoice[] = [],
  ) {
    super(message);
    this.name = 'SpecInitError';
  }
}

export interface ProposedSpec {
  spec: PipelineSpecInput;
  task: Task;
  /** Per column: what the profile showed (for comments next to the expectations). */
  columnNotes: Record<string, string>;
  /** Columns left out of the features, with why. */
  skipped: Array<{ column: string; why: string }>;
}

/** A lower-case pipeline name from a file name: `Flight Delays 2015.csv` → `flight-delays-2015`. */
export function pipelineNameFor(file: string): string {
  const base = (file.split(/[\\/]/).at(-1) ?? 'data').replace(/\.[^.]*$/, '');
  const slug = base
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return (/^[a-z]/.test(slug) ? slug : `data-${slug}`).slice(0, 63).replace(/-+$/, '') || 'data';
}

function describeColumn(c: ColumnProfile): string {
  const parts = [`${c.distinctExact ? '' : '~'}${c.distinct} distinct`];
  if (c.missing > 0) parts.push(`${c.missing} missing (${((100 * c.missing) / Math.max(1, c.count)).toFixed(1)}%)`);
  if (c.min !== null && c.max !== null && c.type !== 'datetime' && c.type !== 'boolean') {
    parts.push(`observed ${c.min}..${c.max}`);
  }
  if (c.invalid > 0) parts.push(`${c.invalid} cells not ${c.type}: their rows will be quarantined`);
  return parts.join(', ');
}

/** The majority class's share: the accuracy of always answering it, which a model must at least match. */
function majorityShare(label: ColumnProfile): number {
  const top = label.topValues[0]?.count ?? 0;
  return Math.floor((100 * top) / Math.max(1, label.count - label.missing)) / 100;
}

/**
 * A complete spec for a data file: the profile's types, expectations (not-null where nothing is missing, observed
 * ranges widened by 10 %, small categorical domains), features with a transform per type, the task from the label,
 * a linear and a gradient-boosted candidate, a gate the trivial baseline would just pass, and the approval block.
 */
export function proposeSpec(args: {
  profile: DatasetProfile;
  label: string;
  name: string;
  source: PipelineSpecInput['data']['source'];
  task?: Task;
  markers?: readonly MissingMarker[];
  /** How columns are read (missing tokens, datetime formats): `data.columns` of the proposal. */
  reading?: Readonly<Record<string, ColumnReadingSpec>>;
}): ProposedSpec {
  const { profile } = args;
  const label = profile.columns.find((c) => c.name === args.label);
  if (!label) {
    const names = profile.columns.map((c) => c.name).join(', ');
    throw new SpecInitError(
      `There is no column "${args.label}" in the data. Columns: ${names}.`,
      labelChoices(profile),
    );
  }
  const unfit = unfitLabel(label);
  if (unfit) throw new SpecInitError(`"${label.name}" cannot be the label: it ${unfit}.`, labelChoices(profile));
  const task = args.task ?? taskForLabel(label);
  if (task === 'regression' && label.type !== 'numeric' && label.type !== 'integer') {
    throw new SpecInitError(`"${label.name}" is ${label.type}, not a number: it can only be a classification label.`);
  }
  const inferred = inferExpectations({
    profile,
    options: { label: { column: label.name, task }, inferRanges: true, rangeSlack: 0.1 },
  });
  const columns: Record<string, Partial<ColumnExpectation>> = {};
  const columnNotes: Record<string, string> = {};
  for (const column of profile.columns) {
    const e = inferred.columns[column.name];
    if (e) columns[column.name] = compact(e, column, profile.rowCount);
    columnNotes[column.name] = describeColumn(column);
    const marker = args.markers?.find((m) => m.column === column.name);
    const declared = args.reading?.[column.name];
    if (marker) {
      const tokens = marker.tokens.length ? marker.tokens.map((t) => `"${t}"`).join(', ') : 'marker-like values';
      const cells = `${marker.cells} cell${marker.cells === 1 ? '' : 's'}`;
      columnNotes[column.name] = declared?.missingValues
        ? `${columnNotes[column.name]}\n ${tokens} in ${cells} read as missing (data.columns.${column.name}.missingValues): remove them there if they are real values`
        : `${columnNotes[column.name]}\n marker-like values in ${cells}, too rare to name here: declare them in data.columns.${column.name}.missingValues if they mean "no value"`;
    }
    if (declared?.format) {
      columnNotes[column.name] =
        `${columnNotes[column.name]}\n dates written as "${declared.format}" (data.columns.${column.name}.format); a cell that does not fit is quarantined`;
    }
  }
  // A row without a label cannot be trained on or scored: it is quarantined (and counted against the ratio below).
  const labelExpectation = columns[label.name] ?? {};
  delete labelExpectation.maxMissingRatio;
  if (task === 'classification') {
    delete labelExpectation.min;
    delete labelExpectation.max;
  }
  columns[label.name] = { ...labelExpectation, nullable: false };
  const labelMissing = label.missing / Math.max(1, label.count);
  const quarantined = labelMissing;
  const skipped: ProposedSpec['skipped'] = [];
  const features: FeatureInput[] = [];
  for (const column of profile.columns) {
    if (column.name === label.name) continue;
    const why = notAFeature(column, profile.rowCount);
    if (why) skipped.push({ column: column.name, why });
    else features.push(featureOf(column));
  }
  if (features.length === 0) {
    throw new SpecInitError(
      `No column besides "${label.name}" can be a feature (${skipped.map((s) => `${s.column}: ${s.why}`).join('; ')}).`,
    );
  }
  const classification = task === 'classification';
  const spec: PipelineSpecInput = {
    name: args.name,
    description: `Predicts ${label.name} (${task}); proposed by mlops spec init from a ${profile.rowCount}-row file.`,
    task,
    data: {
      source: args.source,
      ...(args.reading && Object.keys(args.reading).length ? { columns: structuredClone(args.reading) } : {}),
    },
    expectations: {
      columns,
      label: inferred.label,
      rowCount: { min: Math.max(1, Math.floor(profile.rowCount / 2)) },
      maxQuarantinedRatio: Math.min(1, Math.ceil(Math.max(0.05, quarantined + 0.05) * 100) / 100),
    },
    features: { label: label.name, features },
    candidates: classification
      ? [
          { name: 'logistic', kind: 'logistic_regression' },
          { name: 'boosted', kind: 'gradient_boosting' },
        ]
      : [
          { name: 'linear', kind: 'linear_regression' },
          { name: 'boosted', kind: 'gradient_boosting' },
        ],
    evaluation: classification
      ? { primaryMetric: 'f1_macro', thresholds: { accuracy: { min: majorityShare(label) } } }
      : { primaryMetric: 'rmse', thresholds: { r2: { min: 0 } } },
    approval: { approvers: [], timeout: '7d', fourEyes: true },
    monitoring: { interval: '1h', onDrift: 'notify' },
    parameters: [
      {
        name: 'seed',
        type: 'integer',
        min: 0,
        description: 'Seed of the train/validation/test split.',
        paths: ['split.seed'],
      },
    ],
  };
  return { spec, task, columnNotes, skipped };
}
