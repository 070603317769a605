import { DURATION_PATTERN } from './duration';

// docs/SPEC.md: the spec reference, rendered from the same JSON Schema as pipelines/spec.schema.json (itself generated
// from the zod schema the loader uses, with each field's source comment as its description), so the reference
// cannot list a field the loader refuses or miss one it accepts. Examples come from the example specs in pipelines/.

/** Where the generated schema lives, relative to the project root (example specs point at it). */
export const SPEC_SCHEMA_FILE = 'pipelines/spec.schema.json';

/** Where the generated reference lives, relative to the project root. */
export const SPEC_REFERENCE_FILE = 'docs/SPEC.md';

type JsonSchema = Record<string, unknown> & {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  description?: string;
};

interface Row {
  path: string;
  key: string;
  schema: JsonSchema;
  required: boolean;
}
interface Section {
  title: string;
  intro?: string;
  rows: Row[];
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Strings for fields no example spec sets (everything else is shown as an example spec or its default has it). */
const EXTRA_EXAMPLES: Record<string, unknown> = {
  'data.source.key': 'uploads/my-data.csv',
  'data.source.table': 'sources.customers',
  'data.source.query': 'SELECT * FROM sources.customers WHERE signup > now() - interval 1 year',
  'data.source.urlEnv': 'MLOPS_SOURCE_WAREHOUSE',
  'training.taskQueue': 'training-gpu',
  'monitoring.webhookUrl': 'https://hooks.example.com/mlops',
  'approval.approvers': ['alice@example.com'],
  'schedule.cron': '0 3 * * *',
};

const alternativesOf = (s: JsonSchema): JsonSchema[] =>
  s.anyOf || s.oneOf ? (s.anyOf ?? s.oneOf ?? []).flatMap(alternativesOf) : [s];
const isObject = (s: JsonSchema): boolean => s.type === 'object' && s.properties !== undefined;
const isRecord = (s: JsonSchema): s is JsonSchema & { additionalProperties: JsonSchema } =>
  s.type === 'object' && !s.properties && typeof s.additionalProperties === 'object';

/** The field every object alternative fixes to a constant (`kind`, `transform`), when there is one. */
function discriminatorOf(alternatives: readonly JsonSchema[]): string | undefined {
  const objects = alternatives.filter(isObject);
  if (objects.length < 2 || objects.length !== alternatives.length) return undefined;
  const keys = Object.keys(objects[0]?.properties ?? {});
  return keys.find((k) => objects.every((o) => o.properties?.[k]?.const !== undefined));
}

function placeholder(path: string): string {
  const last = path.split('.').at(-1);
  return last === 'columns'
    ? '<column>'
    : last === 'thresholds'
      ? '<metric>'
      : last === 'classWeights'
        ? '<class>'
        : '<key>';
}

const inline = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string): string => `\`${cell(text)}\``;

function typeText(s: JsonSchema): string {
  if (s.anyOf || s.oneOf) {
    const alternatives = alternativesOf(s);
    const objects = alternatives.filter(isObject);
    const discriminator = discriminatorOf(objects);
    const types = discriminator
      ? [...alternatives.filter((a) => !isObject(a)).map(typeText), `object, by \`${discriminator}\``]
      : alternatives.map(typeText);
    if (types.join() === 'duration,integer') return 'duration or milliseconds';
    return [...new Set(types)].join(' or ');
  }
  if (s.const !== undefined) return typeof s.const;
  if (s.type === 'string' && s.pattern === DURATION_PATTERN.source) return 'duration';
  if (s.type === 'array') return s.items ? `list of ${typeText(s.items)}` : 'list';
  if (isRecord(s)) return `map: name → ${typeText(s.additionalProperties)}`;
  return Array.isArray(s.type) ? (s.type as string[]).join(' or ') : (s.type ?? 'any');
}

function bounds(s: JsonSchema): string[] {
  const out: string[] = [];
  const n = (key: string) => (typeof s[key] === 'number' ? (s[key] as number) : undefined);
  if (n('minimum') !== undefined && n('minimum') !== -MAX_SAFE) out.push(`≥ ${n('minimum')}`);
  if (n('exclusiveMinimum') !== undefined) out.push(`> ${n('exclusiveMinimum')}`);
  if (n('maximum') !== undefined && n('maximum') !== MAX_SAFE) out.push(`≤ ${n('maximum')}`);
  if (n('exclusiveMaximum') !== undefined) out.push(`< ${n('exclusiveMaximum')}`);
  if (n('minLength') === 1) out.push('non-empty');
  else if (n('minLength') !== undefined) out.push(`at least ${n('minLength')} characters`);
  if (n('maxLength') !== undefined) out.push(`at most ${n('maxLength')} characters`);
  if (n('minItems') !== undefined) out.push(`at least ${n('minItems')} item${n('minItems') === 1 ? '' : 's'}`);
  if (n('maxItems') !== undefined) out.push(`at most ${n('maxItems')} items`);
  return out;
}

function allowedText(s: JsonSchema): string {
  if (s.anyOf || s.oneOf) {
    const alternatives = alternativesOf(s);
    const objects = alternatives.filter(isObject);
    const discriminator = discriminatorOf(objects);
    const parts = alternatives.filter((a) => !discriminator || !isObject(a)).map(allowedText);
    if (discriminator) {
      const tags = objects.map((a) => code(inline(a.properties?.[discriminator]?.const)));
      parts.push(`\`${discriminator}\`: ${tags.join(', ')}`);
    }
    return [...new Set(parts.filter(Boolean))].join('; or ');
  }
  const parts: string[] = [];
  if (s.enum) parts.push(s.enum.map((v) => code(inline(v))).join(', '));
  if (s.const !== undefined) parts.push(code(inline(s.const)));
  if (s.type === 'string' && s.pattern === DURATION_PATTERN.source) parts.push('`30s`, `15m`, `24h`, `7d`, ...');
  else if (typeof s.pattern === 'string') parts.push(`matches ${code(s.pattern)}`);
  if (s.format === 'uri') parts.push('a URL');
  parts.push(...bounds(s));
  if (s.type === 'array' && s.items) {
    const each = allowedText(s.items);
    if (each && !isObject(s.items)) parts.push(`each ${each}`);
  }
  return parts.join(', ');
}

function defaultText(row: Row): string {
  const d = row.schema.default;
  if (d === '') return '`""`';
  if (d !== undefined)
    return isObject(row.schema) && JSON.stringify(d) === '{}' ? '`{}` (all defaults)' : code(inline(d));
  return row.required ? '**required**' : 'optional';
}

/** Examples by field name, for fields of union members no example spec uses. */
const FIELD_EXAMPLES: Record<string, unknown> = {
  column: 'age',
  boundaries: [18, 30, 65],
  s3Key: 'uploads/entities.csv',
  query: 'SELECT id, event_timestamp, label FROM sources.labels',
  urlEnv: 'MLOPS_SOURCE_WAREHOUSE',
};

function synthesizedExample(path: string, s: JsonSchema): unknown {
  if (EXTRA_EXAMPLES[path] !== undefined) return EXTRA_EXAMPLES[path];
  const field = path.split('.').at(-1) ?? '';
  if (FIELD_EXAMPLES[field] !== undefined) return FIELD_EXAMPLES[field];
  if (s.default !== undefined && JSON.stringify(s.default) !== '{}') return s.default;
  const [first] = alternativesOf(s).filter((a) => a.type !== 'null');
  if (!first) return undefined;
  if (first.const !== undefined) return first.const;
  if (first.enum) return first.enum[0];
  if (first.type === 'boolean') return true;
  if (first.type === 'integer' || first.type === 'number') {
    const min = (first.minimum ?? first.exclusiveMinimum) as number | undefined;
    const max = first.maximum as number | undefined;
    if (max !== undefined && max <= 1) return 0.5;
    return min === undefined ? 1 : first.exclusiveMinimum !== undefined ? min + 1 : min;
  }
  if (first.type === 'string') {
    if (first.pattern === DURATION_PATTERN.source) return '15m';
    if (typeof first.pattern === 'string' && first.pattern.startsWith('^[a-z][a-z0-9-]')) return 'my-pipeline';
    if (typeof first.pattern === 'string' && /^\^\[(A-Z|a-z|A-Za-z)/.test(first.pattern)) return 'my_name';
    return 'text';
  }
  if (first.type === 'array' && first.items) return [synthesizedExample(`${path}[]`, first.items)];
  return undefined;
}

function exampleText(row: Row, examples: ReadonlyMap<string, unknown>): string {
  const value = examples.get(row.key) ?? synthesizedExample(row.path, row.schema);
  if (value === undefined) return 'see below';
  const text = inline(value);
  return text.length > 60 ? 'see below' : code(text);
}

/** A union worth a table per member: members told apart by a constant field, at least one with several fields. */
function sectionedUnion(objects: readonly JsonSchema[]): string | undefined {
  const discriminator = discriminatorOf(objects);
  const wide = objects.some((o) => Object.keys(o.properties ?? {}).length >= 3);
  return wide ? discriminator : undefined;
}

/** Merges rows of union members that share a path (`impute.strategy` is `mean`, ... in one, `constant` in another). */
function mergeRows(rows: Row[], more: readonly Row[]): void {
  for (const row of more) {
    const same = rows.find((r) => r.path === row.path);
    if (!same) rows.push(row);
    else if (JSON.stringify(same.schema) !== JSON.stringify(row.schema)) {
      same.schema = {
        description: same.schema.description ?? row.schema.description,
        anyOf: [same.schema, row.schema],
      };
      same.required &&= row.required;
    }
  }
}

/**
 * Rows for the fields under `s` (itself at `path`), and a section per member of each wide discriminated union.
 * `key` is the path with the union members chosen on the way (`data.source{s3}.key`), to find examples by.
 */
function descend(s: JsonSchema, path: string, key: string, rows: Row[], sections: Section[], intros: Intros): void {
  const join = (base: string, field: string) => (base ? `${base}.${field}` : field);
  if (isObject(s)) {
    for (const [field, schema] of Object.entries(s.properties ?? {})) {
      const required = (s.required ?? []).includes(field);
      rows.push({ path: join(path, field), key: join(key, field), schema, required });
      descend(schema, join(path, field), join(key, field), rows, sections, intros);
    }
  } else if (isRecord(s)) {
    const name = placeholder(path);
    const value = s.additionalProperties;
    if (isObject(value) || value.anyOf) {
      rows.push({ path: join(path, name), key: join(key, name), schema: value, required: false });
      descend(value, join(path, name), join(key, name), rows, sections, intros);
    }
  } else if (s.type === 'array' && s.items) {
    descend(s.items, `${path}[]`, `${key}[]`, rows, sections, intros);
  } else if (s.anyOf || s.oneOf) {
    const objects = alternativesOf(s).filter(isObject);
    const discriminator = sectionedUnion(objects);
    const merged: Row[] = [];
    const seen = new Map<string, number>();
    for (const member of objects) {
      const own: Row[] = [];
      if (!discriminator) {
        descend(member, path, key, own, sections, intros);
        for (const r of own) seen.set(r.path, (seen.get(r.path) ?? 0) + 1);
        mergeRows(merged, own);
        continue;
      }
      const tag = member.properties?.[discriminator];
      const memberKey = `${key}{${inline(tag?.const)}}`;
      descend(member, path, memberKey, own, sections, intros);
      sections.push({
        title: `\`${path}\` with \`${discriminator}: ${inline(tag?.const)}\``,
        intro: intros[memberKey] ?? member.description ?? tag?.description,
        rows: own,
      });
    }
    // A field only some members have is required in those members only.
    for (const r of merged) if ((seen.get(r.path) ?? 0) < objects.length) r.required = false;
    rows.push(...merged);
  }
}

function table(rows: readonly Row[], examples: ReadonlyMap<string, unknown>): string[] {
  return [
    '| Field | Type | Default | Allowed | Description | Example |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows
      .map((r) =>
        [
          code(r.path),
          cell(typeText(r.schema)),
          defaultText(r),
          allowedText(r.schema) || '—',
          cell(r.schema.description ?? ''),
          exampleText(r, examples),
        ].join(' | '),
      )
      .map((line) => `| ${line} |`),
  ];
}

/** Values the example specs give, by reference path (`candidates[].kind`, `expectations.columns.<column>.type`). */
export function collectExamples(schema: JsonSchema, value: unknown, path = '', out = new Map<string, unknown>()) {
  if (path && !out.has(path) && inline(value).length <= 60) out.set(path, value);
  const alternatives = alternativesOf(schema);
  const discriminator = sectionedUnion(alternatives.filter(isObject));
  for (const s of alternatives) {
    if (Array.isArray(value) && s.type === 'array' && s.items) {
      for (const item of value) collectExamples(s.items, item, `${path}[]`, out);
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      const tag = discriminator ? s.properties?.[discriminator]?.const : undefined;
      if (discriminator && tag !== record[discriminator]) continue;
      const base = discriminator ? `${path}{${inline(tag)}}` : path;
      for (const [key, v] of Object.entries(record)) {
        const field = s.properties?.[key];
        const child = base ? `${base}.${key}` : key;
        if (field) collectExamples(field, v, child, out);
        else if (isRecord(s)) collectExamples(s.additionalProperties, v, `${base}.${placeholder(path)}`, out);
      }
    }
  }
  return out;
}

/** Introductions of union members the schema cannot describe, by member key (`candidates[]{random_forest}`). */
export type Intros = Record<string, string>;

/** docs/SPEC.md from the spec's JSON Schema and the example spec documents. */
export function specReferenceMarkdown(
  schema: JsonSchema,
  exampleSpecs: readonly unknown[],
  intros: Intros = {},
): string {
  const examples = new Map<string, unknown>();
  for (const spec of exampleSpecs) collectExamples(schema, spec, '', examples);
  const top: Section = { title: 'Top level', rows: [] };
  const sections: Section[] = [top];
  for (const [key, field] of Object.entries(schema.properties ?? {})) {
    const row: Row = { path: key, key, schema: field, required: (schema.required ?? []).includes(key) };
    const nested = isObject(field) || field.type === 'array' || isRecord(field) || Boolean(field.anyOf ?? field.oneOf);
    if (!nested) {
      top.rows.push(row);
      continue;
    }
    const section: Section = { title: `\`${key}\``, intro: field.description, rows: [row] };
    const members: Section[] = [];
    descend(field, key, key, section.rows, members, intros);
    sections.push(section, ...members);
  }
  const lines = [
    '# Pipeline spec reference',
    '',
    '<!-- Generated by `npm run spec:schema` from lib/pipeline/spec.ts; do not edit (a unit test fails when stale). -->',
    '',
    'Every field a pipeline spec may hold, generated from the same schema that checks specs (`mlops spec validate`,',
    '`mlops pipelines apply`, the API) and that editors use (`pipelines/spec.schema.json`). A field not listed here',
    'is an error. `mlops spec init DATA.csv --label COLUMN` writes a complete spec for a data file to start from;',
    'pipelines/*.yaml are complete examples.',
    '',
    'Paths: `a.b` is field `b` of object `a`; `[]` is any item of a list; `<column>`, `<metric>`, `<key>` stand for',
    'a name you choose. **required** fields have no default; optional ones without a default are simply absent.',
    'Where a field holds one of several kinds of object (`data.source` by `kind`, a feature by `transform`, a',
    'candidate by `kind`), each kind has its own table below.',
    '',
    ...sections.map((s) => `- [${s.title.replace(/`/g, '')}](#${anchor(s.title)})`),
    '',
  ];
  for (const section of sections) {
    lines.push(`## ${section.title}`, '');
    if (section.intro) lines.push(section.intro, '');
    lines.push(...table(section.rows, examples), '');
  }
  return lines.join('\n');
}

/** GitHub's heading anchor. */
function anchor(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
}
