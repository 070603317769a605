import type { Readable } from 'node:stream';
import { uploadKey } from '../../lib/batch/config';
import type { BatchInputSpec } from '../../lib/batch/spec';
import { assertSourceKey } from '../../lib/sources/locations';
import { openPostgresSource } from '../../lib/sources/postgres';
import { DataError } from '../../lib/ml/errors';
import { ArtifactNotFoundError } from '../../lib/store';
import type { ActivityDeps } from '../deps';

export interface OpenedInput {
  stream: Readable;
  /** Settles when the input is fully read (PostgreSQL: its read-only transaction committed). */
  done: Promise<void>;
}

/**
 * The job's input as a CSV stream, read with the same boundaries as pipeline data sources: S3 keys only under the
 * data prefixes, tables only through the read-only data-source role (which sees the `sources` schema alone).
 */
export async function openBatchInput(deps: ActivityDeps, input: BatchInputSpec): Promise<OpenedInput> {
  const sources = deps.config.governance.dataSources;
  if (input.kind === 's3') {
    assertSourceKey(input.key, sources.s3Prefixes);
    return { stream: await objectStream(deps, input.key, `S3 object ${input.key}`), done: Promise.resolve() };
  }
  if (input.kind === 'upload') {
    const stream = await objectStream(deps, uploadKey(input.uploadId), `upload ${input.uploadId}`);
    return { stream, done: Promise.resolve() };
  }
  if (!sources.readerUrl) {
    throw new Error('DATA_SOURCE_DATABASE_URL is not set: PostgreSQL batch inputs are read only as the read-only role');
  }
  return openPostgresSource({
    url: sources.readerUrl,
    table: input.table,
    statementTimeoutMs: sources.statementTimeoutMs,
  });
}

/** A missing object stays missing on a retry: a data error, not a transient one. */
async function objectStream(deps: ActivityDeps, key: string, what: string): Promise<Readable> {
  try {
    return await deps.store.get(key);
  } catch (err) {
    if (err instanceof ArtifactNotFoundError) {
      throw new DataError({ code: 'EMPTY_FILE', message: `The batch input ${what} does not exist.`, details: { key } });
    }
    throw err;
  }
}
