import { z } from 'zod';
import { ConfigError } from '../config';

// Batch scoring settings, read from the environment like lib/config (kept beside the batch code, as the feature
// store keeps its own).
const EnvSchema = z.object({
  /** Key prefixes (comma-separated) of the artifact bucket that batch outputs may be written under. */
  BATCH_OUTPUT_PREFIXES: z.string().default('batch-predictions/,exports/'),
  /** Largest file POST /v1/models/{name}/batch-predictions/uploads accepts. */
  BATCH_UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(2 * 1024 ** 3),
});

export interface BatchConfig {
  outputPrefixes: string[];
  uploadMaxBytes: number;
}

export function loadBatchConfig(source: NodeJS.ProcessEnv = process.env): BatchConfig {
  const defined = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = EnvSchema.safeParse(defined);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(`Invalid configuration: ${String(issue?.path[0] ?? '?')}: ${issue?.message ?? 'invalid'}`);
  }
  return {
    outputPrefixes: result.data.BATCH_OUTPUT_PREFIXES.split(',')
      .map((p) => p.trim())
      .filter(Boolean),
    uploadMaxBytes: result.data.BATCH_UPLOAD_MAX_BYTES,
  };
}

/** Where an upload is kept (under uploads/, a prefix data sources may read). */
export function uploadKey(uploadId: string): string {
  return `uploads/batch/${uploadId}.csv`;
}

/** Staged input chunks of a job: internal, removed when the job finishes. */
export function stagedChunkKey(jobId: string, index: number): string {
  return `batch-jobs/${jobId}/input/chunk-${String(index).padStart(6, '0')}.csv`;
}
