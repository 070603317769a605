import { z } from 'zod';
import { FeatureStoreName, SourceColumnName } from './definitions';

/** Where the entity dataframe comes from: exactly one of file, s3Key or query. */
export const EntityFrameSchema = z
  .strictObject({
    /** A CSV file relative to the project root (never outside it). */
    file: z
      .string()
      .min(1)
      .max(500)
      .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), 'a relative path inside the project')
      .optional(),
    /** A CSV object in the artifact store's bucket. */
    s3Key: z.string().min(1).max(1000).optional(),
    /** A SQL query, run in a read-only session on the source database (FEATURE_SOURCE_DATABASE_URL). */
    query: z.string().min(1).max(100_000).optional(),
    /** Name of an environment variable with another source database URL for the query. */
    urlEnv: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{0,62}$/, 'an environment variable name')
      .optional(),
    /** Column with each row's point in time: features are taken as of this moment, never later. */
    timestampColumn: SourceColumnName.default('event_timestamp'),
  })
  .refine((e) => [e.file, e.s3Key, e.query].filter(Boolean).length === 1, {
    message: 'give exactly one of file, s3Key or query',
  });
export type EntityFrameSpec = z.infer<typeof EntityFrameSchema>;

export const ViewReferenceSchema = z.union([
  FeatureStoreName.transform((name) => ({ name, prefix: false })),
  z.strictObject({
    /** The feature view's name. */
    name: FeatureStoreName,
    /** Pin a version (default: the latest applied when the run ingests). */
    version: z.number().int().min(1).optional(),
    /** Only these features of the view (default: all). */
    features: z.array(SourceColumnName).min(1).optional(),
    /** Name the columns view__feature instead of feature (when two views share a feature name). */
    prefix: z.boolean().default(false),
  }),
]);
export type ViewReference = z.infer<typeof ViewReferenceSchema>;

/** A pipeline's training data as a point-in-time join of an entity dataframe with feature views. */
export const FeatureViewsSourceSchema = z.strictObject({
  kind: z.literal('feature_views'),
  /** Entity keys and timestamps (plus the label and any request-time columns, passed through as they are). */
  entities: EntityFrameSchema,
  /** The feature views to join, each row getting every view's latest values at or before its timestamp. */
  views: z.array(ViewReferenceSchema).min(1).max(20),
});
export type FeatureViewsSource = z.infer<typeof FeatureViewsSourceSchema>;
