import { z } from 'zod';
import { TABLE_NAME } from '../sources/sql';

// What a batch scoring job reads, which version scores it, and where the predictions go. One schema for the API
// (request validation and the OpenAPI document), schedules (stored as the workflow's input) and the workflow's
// first activity (which parses it again: a schedule's input was written earlier, perhaps by older code).

/** Output table names: one plain identifier, created in the `batch_predictions` schema the application owns. */
export const OUTPUT_TABLE = /^[a-z_][a-z0-9_]{0,62}$/;

export const BatchInputSpec = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('s3'),
    /** Key of a CSV object in the artifact bucket, under a prefix data may be read from (DATA_S3_PREFIXES). */
    key: z.string().min(1).max(1024),
  }),
  z.strictObject({
    kind: z.literal('upload'),
    /** What POST /v1/models/{name}/batch-predictions/uploads returned. */
    uploadId: z.uuid(),
  }),
  z.strictObject({
    kind: z.literal('postgres'),
    /** A table or view in the `sources` schema (`sources.customers`), read whole as the read-only data-source role. */
    table: z.string().regex(TABLE_NAME, 'a table or view name: table or schema.table'),
  }),
]);
export type BatchInputSpec = z.infer<typeof BatchInputSpec>;

export const BatchOutputSpec = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('s3'),
    /** `csv` (one part per chunk, with a header) or `parquet` (one part per chunk). */
    format: z.enum(['csv', 'parquet']).default('csv'),
    /**
     * Folder of the artifact bucket under an allowed output prefix (BATCH_OUTPUT_PREFIXES); the job writes into
     * `<prefix>/<jobId>/`. Default: `batch-predictions/<model>/`.
     */
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/?$/, 'a key prefix such as exports/churn/')
      .max(400)
      .optional(),
  }),
  z.strictObject({
    kind: z.literal('postgres'),
    /** Table in the `batch_predictions` schema (lower-case identifier); created when missing. */
    table: z.string().regex(OUTPUT_TABLE, 'a lower-case identifier (letters, digits, _), at most 63 characters'),
    /**
     * `append` (default): rows are keyed by job id, so a scheduled job adds its rows beside earlier jobs';
     * `replace`: the table is dropped and created again by this job.
     */
    mode: z.enum(['append', 'replace']).default('append'),
  }),
]);
export type BatchOutputSpec = z.infer<typeof BatchOutputSpec>;

export const BatchOptionsSpec = z
  .strictObject({
    /** Rows per chunk: the unit of scoring, heartbeating and resumption. */
    chunkRows: z.number().int().min(100).max(1_000_000).default(50_000),
    /** Chunks scored at the same time (across training workers). */
    parallelism: z.number().int().min(1).max(16).default(2),
    /** Input columns copied into the output beside the prediction (default: every input column). */
    passthrough: z.array(z.string().min(1).max(200)).max(200).optional(),
    /** Share of scored rows written to the prediction log (monitoring); 0 (default) logs nothing. */
    logSampleRate: z.number().min(0).max(1).default(0),
    /** Fail the job when more than this share of rows breaks the model's input contract (default: never). */
    maxRejectedRatio: z.number().min(0).max(1).default(1),
  })
  .prefault({});
export type BatchOptionsSpec = z.infer<typeof BatchOptionsSpec>;

export const BatchJobRequest = z
  .strictObject({
    input: BatchInputSpec,
    /** A registered version to score with; default: the version deployed in `slot` when the job starts. */
    version: z.number().int().min(1).optional(),
    slot: z.enum(['production', 'staging']).optional(),
    output: BatchOutputSpec,
    options: BatchOptionsSpec,
  })
  .refine((r) => !(r.version !== undefined && r.slot !== undefined), {
    message: 'give version or slot, not both',
    path: ['slot'],
  });
export type BatchJobRequest = z.infer<typeof BatchJobRequest>;
export type BatchJobRequestInput = z.input<typeof BatchJobRequest>;
