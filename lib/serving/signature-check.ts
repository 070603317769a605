import { rowsToTable } from '../ml/data/batch';
import { cellKey } from '../ml/data/cells';
import type { ColumnType, TableSchema } from '../ml/data/types';
import { isNumberColumn } from '../ml/data/types';
import type { ModelSignature, SignatureColumn } from '../ml/signature';
import { closestName } from '../pipeline/suggest';

/** A row the model cannot be trusted to answer: the request is refused (400) naming the row and the field. */
export interface InputProblem {
  row: number;
  field: string;
  code: 'MISSING_FIELD' | 'UNKNOWN_FIELD' | 'WRONG_TYPE';
  message: string;
}

/** A row the model answers, but outside what it was trained on: returned with the prediction. */
export interface InputWarning {
  field: string;
  code: 'UNSEEN_CATEGORY' | 'OUT_OF_RANGE' | 'IGNORED_FIELD';
  message: string;
}

/** What happens to a field the model does not know. */
export type ExtraFields = 'reject' | 'warn' | 'accept';

export interface SignatureCheck {
  problems: InputProblem[];
  /** Per row (same order as the rows): its warnings, empty when none. */
  warnings: InputWarning[][];
}

const TYPE_WORDS: Record<ColumnType, string> = {
  numeric: 'a number',
  integer: 'a number',
  boolean: 'true or false',
  categorical: 'a category (string, number or boolean)',
  text: 'a string',
  datetime: 'an ISO-8601 date or date-time string',
};

const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

function formatNumber(type: ColumnType, x: number): string {
  if (type === 'datetime') return new Date(x).toISOString();
  return String(Number.isInteger(x) ? x : Number(x.toPrecision(6)));
}

function categoryList(column: SignatureColumn): string {
  const seen = column.categories ?? [];
  const listed = seen.slice(0, 10).map((c) => JSON.stringify(c));
  return seen.length > 10 ? `${listed.join(', ')} and ${seen.length - 10} more` : listed.join(', ');
}

interface CompiledSignature {
  known: ReadonlyMap<string, SignatureColumn>;
  names: string[];
  schema: TableSchema;
  /** Per column with a complete category list: the categories seen in training. */
  categories: ReadonlyMap<string, ReadonlySet<string>>;
}

/** What the check derives from a signature, once per signature object (a served version keeps its own). */
const compiledSignatures = new WeakMap<ModelSignature, CompiledSignature>();

function compiled(signature: ModelSignature): CompiledSignature {
  let done = compiledSignatures.get(signature);
  if (done) return done;
  done = {
    known: new Map(signature.inputs.map((c) => [c.name, c])),
    names: signature.inputs.map((c) => c.name),
    // The values are parsed by the code that turns them into features (integers read as numbers, as there).
    schema: {
      columns: signature.inputs.map((c) => ({
        name: c.name,
        type: c.type === 'integer' ? ('numeric' as const) : c.type,
      })),
    },
    categories: new Map(
      signature.inputs.flatMap((c) =>
        c.categoriesComplete && c.categories ? [[c.name, new Set(c.categories)] as const] : [],
      ),
    ),
  };
  compiledSignatures.set(signature, done);
  return done;
}

/**
 * Checks request rows against a model's signature. Refused (problems): a required column missing, a field the
 * model does not know (with the closest known name), a value that is not of the column's type. Warned: a category
 * not seen in training, a number outside the training range, the label sent as input (ignored).
 * `extraFields`: unknown fields are refused ('reject', the default), answered with an IGNORED_FIELD warning
 * ('warn': a CSV scored with its id columns) or accepted silently ('accept': entity keys of online features);
 * `optionalFields` may be missing even when required (values an online store filled in, with its own warnings).
 */
export function checkAgainstSignature(
  signature: ModelSignature,
  rows: ReadonlyArray<Record<string, unknown>>,
  options: {
    extraFields?: ExtraFields;
    optionalFields?: ReadonlySet<string>;
    /** How the model's transforms read a row (missing tokens, datetime formats): the values are parsed the same way. */
    reading?: Pick<Parameters<typeof rowsToTable>[0], 'missingTokens' | 'columnReading'>;
  } = {},
): SignatureCheck {
  const problems: InputProblem[] = [];
  const warnings: InputWarning[][] = rows.map(() => []);
  const { known, names, schema, categories: categorySets } = compiled(signature);

  rows.forEach((row, i) => {
    for (const field of Object.keys(row)) {
      if (known.has(field)) continue;
      if (field === signature.label) {
        warnings[i]?.push({
          field,
          code: 'IGNORED_FIELD',
          message: `${field} is the label the model predicts, not an input: it was ignored.`,
        });
        continue;
      }
      if (options.extraFields === 'accept') continue;
      if (options.extraFields === 'warn') {
        warnings[i]?.push({ field, code: 'IGNORED_FIELD', message: `${field} is not an input of the model: ignored.` });
        continue;
      }
      const close = closestName(field, names);
      problems.push({
        row: i,
        field,
        code: 'UNKNOWN_FIELD',
        message: `rows[${i}].${field}: unknown field${close ? `; did you mean "${close}"?` : ''} (the model's inputs: ${names.join(', ')}).`,
      });
    }
  });

  const table = rowsToTable({ rows, schema, ...options.reading });
  for (const input of signature.inputs) {
    const column = table.columns[input.name];
    if (!column) continue;
    const categories = categorySets.get(input.name);
    for (let i = 0; i < rows.length; i++) {
      const raw = (rows[i] as Record<string, unknown>)[input.name];
      if (column.invalid.has(i)) {
        problems.push({
          row: i,
          field: input.name,
          code: 'WRONG_TYPE',
          message: `rows[${i}].${input.name}: ${show(raw)} is not ${TYPE_WORDS[input.type]} (the column is ${input.type}${input.format ? `, written as "${input.format}" or ISO 8601` : ''}).`,
        });
        continue;
      }
      const missing = isNumberColumn(column) ? column.missing[i] === 1 : column.values[i] === null;
      if (missing) {
        if (input.required && !options.optionalFields?.has(input.name)) {
          const how = raw === undefined ? 'is missing' : `is ${show(raw)}, a missing value`;
          problems.push({
            row: i,
            field: input.name,
            code: 'MISSING_FIELD',
            message: `rows[${i}].${input.name} ${how}: the model needs it (training never saw it missing).`,
          });
        }
        continue;
      }
      // Dates are not range-checked: a model trained on past dates is served on later ones by design.
      if (isNumberColumn(column) && (input.type === 'numeric' || input.type === 'integer')) {
        if (input.min === undefined || input.max === undefined) continue;
        const x = column.values[i] as number;
        if (x < input.min || x > input.max) {
          (warnings[i] as InputWarning[]).push({
            field: input.name,
            code: 'OUT_OF_RANGE',
            message: `${input.name}=${formatNumber(input.type, x)} is outside the training range [${formatNumber(input.type, input.min)}, ${formatNumber(input.type, input.max)}]: the prediction is an extrapolation.`,
          });
        }
      } else if (categories) {
        const key = cellKey(column, i);
        if (key !== null && !categories.has(key)) {
          (warnings[i] as InputWarning[]).push({
            field: input.name,
            code: 'UNSEEN_CATEGORY',
            message: `${input.name}=${show(key)} was never seen in training (seen: ${categoryList(input)}): it is treated as unknown.`,
          });
        }
      }
    }
  }
  problems.sort((a, b) => a.row - b.row);
  return { problems, warnings };
}
