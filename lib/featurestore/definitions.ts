import { z } from 'zod';
import { durationToMs } from './time';

// Feature definitions as users write them in features/*.yaml or send to POST /v1/features/apply. Every object is
// strict: an unknown key is an error that names it, never silently ignored.

/** Names that become SQL identifiers and online-store keys: short, lower case, no quoting surprises. */
export const FeatureStoreName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'lower-case letters, digits and underscores, starting with a letter (max 63)');

/**
 * A column of a user's table or file, also a key of request rows: letters, digits and underscores (mixed case and
 * SQL keywords are fine: every query quotes it), never an expression, a path or an object-prototype name.
 */
export const SourceColumnName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'letters, digits and underscores, not starting with a digit (max 63)')
  .refine((n) => !['__proto__', 'constructor', 'prototype'].includes(n), 'a reserved JavaScript property name');

const SqlName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, 'a plain SQL name: letters, digits, _ and $, starting with a letter or _');

/** Durations such as '90s', '30m', '24h', '30d', or milliseconds. */
export const FeatureDuration = z
  .union([
    z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, "a duration such as '30m', '24h' or '30d'"),
    z.number().int().positive(),
  ])
  .refine((v) => durationToMs(v) > 0, 'must be longer than 0');

export const FEATURE_TYPES = ['int', 'float', 'string', 'bool', 'timestamp'] as const;
export type FeatureType = (typeof FEATURE_TYPES)[number];

export const JoinKeySchema = z.strictObject({
  /** Column name of the key, the same in the entity dataframe, every source of a view and prediction requests. */
  name: SourceColumnName,
  /** How values are compared: 'int' keys are normalised ('007' and '7' are the same customer), 'string' keys are not. */
  type: z.enum(['string', 'int']).default('string'),
});

export const EntitySchema = z.strictObject({
  /** The entity's name, referred to by feature views (e.g. customer). */
  name: FeatureStoreName,
  /** Columns that identify one instance, in order (usually one, e.g. customer_id); a string is a string-typed key. */
  joinKeys: z
    .array(z.union([SourceColumnName.transform((name) => ({ name, type: 'string' as const })), JoinKeySchema]))
    .min(1, 'at least one join key')
    .max(4, 'at most 4 join keys'),
  /** What the entity is, for people browsing the registry. */
  description: z.string().max(2000).default(''),
  /** Free-form labels (team, domain). */
  tags: z.record(z.string().max(63), z.string().max(200)).default({}),
});
export type EntityDefinition = z.infer<typeof EntitySchema>;

export const FeatureSchema = z.strictObject({
  /** Column of the source holding the value; also the column name in training sets (unless the view is prefixed). */
  name: SourceColumnName,
  /** Value type: int (64-bit, within ±2^53), float, string, bool, timestamp. */
  type: z.enum(FEATURE_TYPES),
  description: z.string().max(2000).default(''),
});
export type FeatureDefinition = z.infer<typeof FeatureSchema>;

const TimestampColumns = {
  /** Column with each row's event time: when the value became true in the world. */
  timestampColumn: SourceColumnName.default('event_timestamp'),
  /**
   * Optional column with when the row was written. A row is only visible to training rows at or after this time
   * (late data cannot leak), and it breaks ties between rows with the same event time (the later write wins).
   */
  createdTimestampColumn: SourceColumnName.optional(),
};

export const FeatureSourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('table'),
    /** PostgreSQL schema of the table (default public). */
    schema: SqlName.default('public'),
    /** Table or view name; read through the read-only source connection (FEATURE_SOURCE_DATABASE_URL). */
    table: SqlName,
    ...TimestampColumns,
  }),
  z.strictObject({
    kind: z.literal('s3'),
    /** Key of a CSV or JSON Lines object in the artifact store's bucket. */
    key: z.string().min(1).max(1000),
    format: z.enum(['csv', 'jsonl']).default('csv'),
    ...TimestampColumns,
  }),
  z.strictObject({
    kind: z.literal('file'),
    /** A CSV or JSON Lines file relative to the project root (examples, local development); never outside it. */
    path: z
      .string()
      .min(1)
      .max(500)
      .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), 'a relative path inside the project'),
    format: z.enum(['csv', 'jsonl']).default('csv'),
    ...TimestampColumns,
  }),
]);
export type FeatureSource = z.infer<typeof FeatureSourceSchema>;

export const FeatureViewSchema = z.strictObject({
  /** The view's name, referred to by pipeline specs (data.source.views) and the online store. */
  name: FeatureStoreName,
  /** What the features describe and how they are computed. */
  description: z.string().max(2000).default(''),
  /** Who answers for the view (a team or a person); shown in listings and lineage. */
  owner: z.string().min(1).max(200),
  /** The entity (or entities) whose join keys identify a row of the source. */
  entities: z.array(FeatureStoreName).min(1).max(4),
  /** Where rows come from: a PostgreSQL table, an S3 object or a project file, each with an event-time column. */
  source: FeatureSourceSchema,
  /** The typed feature columns the view serves. */
  features: z.array(FeatureSchema).min(1).max(500),
  /**
   * How long a value stays valid after its event time: older values are null in training sets and reported as
   * stale at prediction time. Absent: values never expire.
   */
  ttl: FeatureDuration.optional(),
  /** Materialize into the online store (needed for online lookup at prediction time). */
  online: z.boolean().default(true),
  /** Each incremental materialization re-reads this much before its watermark, for rows that arrive late. */
  lateArrival: FeatureDuration.optional(),
  /** Free-form labels (team, domain, pii). */
  tags: z.record(z.string().max(63), z.string().max(200)).default({}),
});
export type FeatureViewDefinition = z.infer<typeof FeatureViewSchema>;

/** One definitions file (features/*.yaml) or one apply request: entities and feature views together. */
export const FeatureDefinitionsSchema = z.strictObject({
  /** Entities defined (or redefined) by this file. */
  entities: z.array(EntitySchema).default([]),
  /** Feature views defined (or redefined) by this file. */
  featureViews: z.array(FeatureViewSchema).default([]),
});
export type FeatureDefinitions = z.infer<typeof FeatureDefinitionsSchema>;
export type FeatureDefinitionsInput = z.input<typeof FeatureDefinitionsSchema>;

/** Consistency that a schema cannot express: unique names, distinct columns, known entities. */
export function definitionIssues(
  defs: FeatureDefinitions,
  knownEntities: ReadonlyMap<string, EntityDefinition>,
): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  const entities = new Map(knownEntities);
  const seen = new Set<string>();
  defs.entities.forEach((e, i) => {
    if (seen.has(e.name)) issues.push({ path: `entities.${i}.name`, message: `entity ${e.name} is defined twice` });
    seen.add(e.name);
    const keys = e.joinKeys.map((k) => k.name);
    if (new Set(keys).size !== keys.length)
      issues.push({ path: `entities.${i}.joinKeys`, message: 'a join key is listed twice' });
    entities.set(e.name, e);
  });
  const views = new Set<string>();
  defs.featureViews.forEach((v, i) => {
    const at = `featureViews.${i}`;
    if (views.has(v.name)) issues.push({ path: `${at}.name`, message: `feature view ${v.name} is defined twice` });
    views.add(v.name);
    const keys: string[] = [];
    v.entities.forEach((name, j) => {
      const entity = entities.get(name);
      if (!entity) {
        issues.push({
          path: `${at}.entities.${j}`,
          message: `unknown entity ${name}: define it in entities (this file or one applied before)`,
        });
      } else keys.push(...entity.joinKeys.map((k) => k.name));
    });
    const reserved = new Set([...keys, v.source.timestampColumn, v.source.createdTimestampColumn].filter(Boolean));
    const names = new Set<string>();
    v.features.forEach((f, j) => {
      if (names.has(f.name))
        issues.push({ path: `${at}.features.${j}.name`, message: `feature ${f.name} is listed twice` });
      if (reserved.has(f.name)) {
        issues.push({
          path: `${at}.features.${j}.name`,
          message: `${f.name} is a join key or timestamp column of the view, not a feature`,
        });
      }
      names.add(f.name);
    });
    if (new Set(keys).size !== keys.length)
      issues.push({ path: `${at}.entities`, message: 'two entities share a join key name' });
  });
  return issues;
}
