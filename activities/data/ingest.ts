import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataError } from '../../lib/ml/errors';
import type { DataSourceSpec } from '../../lib/pipeline/spec';
import { assertSourceKey, resolveSourceFile } from '../../lib/sources/locations';
import { openPostgresSource } from '../../lib/sources/postgres';
import { HashingStream } from '../../lib/store/hashing';
import { registerStoredArtifact } from '../artifacts';
import type { ActivityDeps } from '../deps';
import { dataError } from '../failures';
import type { IngestOutput } from '../pipeline-io';
import type { StepContext } from '../step-context';
import { openFeatureViewsSource } from '../featurestore/training-set';

/** Content-addressed location of raw bytes in the data lake: the same bytes are stored once. */
export function lakeKey(sha256: string, format: string): string {
  return `lake/raw/sha256/${sha256.slice(0, 2)}/${sha256}.${format}`;
}

function progress(ctx: StepContext): Transform {
  let bytes = 0;
  let last = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, callback) {
      bytes += chunk.length;
      if (Date.now() - last > 5_000) {
        last = Date.now();
        ctx.heartbeat({ bytesRead: bytes });
      }
      callback(null, chunk);
    },
  });
}

interface OpenedDataSource {
  stream: Readable;
  format: 'csv' | 'jsonl';
  describe: string;
  /** Settles once the source is read to the end (a database source's transaction); rejects with its failure. */
  done?: Promise<void>;
  /** Releases what the source holds (a feature-view join's temporary tables), once it has been read. */
  close?: () => Promise<void>;
  /** Recorded on the raw artifact (e.g. the feature-view versions a training set was joined from). */
  metadata?: Record<string, unknown>;
}

/** The read-only role's connection for a `postgres` source: another database (urlEnv) or the metadata one. */
function sourceDatabaseUrl(deps: ActivityDeps, urlEnv: string | undefined): string {
  if (urlEnv) {
    const url = process.env[urlEnv];
    // The variable's value is never echoed: it holds credentials, and step errors are readable by viewers.
    if (!url) throw dataError(`Environment variable ${urlEnv} (data.source.urlEnv) is not set on the worker.`);
    return url;
  }
  const reader = deps.config.governance.dataSources.readerUrl;
  if (!reader) {
    throw dataError(
      'postgres data sources on the metadata database need a read-only role: set DATA_SOURCE_DATABASE_URL on the worker (npm run stack -- up provides one).',
    );
  }
  return reader;
}

/** Opens a data source within the limits the operators set: data folders, bucket prefixes, a read-only role. */
async function openSource(deps: ActivityDeps, ctx: StepContext, source: DataSourceSpec): Promise<OpenedDataSource> {
  const limits = deps.config.governance.dataSources;
  switch (source.kind) {
    case 'file': {
      const path = resolveSourceFile(source.path, limits.fileRoots);
      return { stream: createReadStream(path), format: source.format, describe: `file ${source.path}` };
    }
    case 's3': {
      assertSourceKey(source.key, limits.s3Prefixes);
      const stat = await deps.store.stat(source.key);
      if (!stat) {
        throw dataError(`Data source ${deps.store.uri(source.key)} does not exist: upload it or fix data.source.key.`, {
          key: source.key,
        });
      }
      return { stream: await deps.store.get(source.key), format: source.format, describe: deps.store.uri(source.key) };
    }
    case 'postgres': {
      const opened = await openPostgresSource({
        url: sourceDatabaseUrl(deps, source.urlEnv),
        table: source.table,
        query: source.query,
        statementTimeoutMs: limits.statementTimeoutMs,
      });
      const describe = source.table ? `PostgreSQL table ${source.table}` : 'a PostgreSQL query';
      return { stream: opened.stream, format: 'csv', describe, done: opened.done };
    }
    case 'feature_views':
      return openFeatureViewsSource(deps, ctx, source);
  }
}

/** Streams the source through progress heartbeats into a local file, hashing as it goes; every error propagates. */
async function spoolSource(opened: OpenedDataSource, ctx: StepContext, file: string) {
  const hasher = new HashingStream();
  const [piped, finished] = await Promise.allSettled([
    pipeline(opened.stream, progress(ctx), hasher, createWriteStream(file)),
    opened.done ?? Promise.resolve(),
  ]);
  // The source's own verdict first: it says whether the failure is the data's (permanent) or the network's.
  if (finished.status === 'rejected') throw finished.reason;
  if (piped.status === 'rejected') {
    const err = piped.reason as Error;
    if (err instanceof DataError) throw err;
    throw new Error(`Could not read ${opened.describe}: ${err.message}`);
  }
  return { size: hasher.size, sha256: hasher.digest() };
}

/** Copies the source into the lake under its SHA-256; raw bytes are never modified or deleted afterwards. */
export async function ingestRawData(
  deps: ActivityDeps,
  ctx: StepContext,
  source: DataSourceSpec,
): Promise<IngestOutput> {
  const opened = await openSource(deps, ctx, source);
  const spool = join(tmpdir(), `mlops-ingest-${randomUUID()}`);
  try {
    let hashed: { size: number; sha256: string };
    try {
      hashed = await spoolSource(opened, ctx, spool);
    } finally {
      await opened.close?.();
    }
    if (hashed.size === 0) throw dataError(`Data source ${opened.describe} is empty (0 bytes): nothing to train on.`);
    const key = lakeKey(hashed.sha256, opened.format);
    const existing = await deps.store.stat(key);
    const alreadyInLake = existing?.sha256 === hashed.sha256;
    if (!alreadyInLake) {
      await deps.store.put(key, createReadStream(spool), {
        contentType: opened.format === 'csv' ? 'text/csv' : 'application/x-ndjson',
        metadata: { source: opened.describe.slice(0, 200) },
      });
    }
    const raw = await registerStoredArtifact(deps, ctx, {
      key,
      name: 'raw',
      kind: 'raw_dataset',
      sha256: hashed.sha256,
      size: hashed.size,
      metadata: { source: opened.describe, format: opened.format, ...opened.metadata },
    });
    ctx.log.info({ key, bytes: hashed.size, alreadyInLake }, 'raw data in the lake');
    return { raw, format: opened.format, alreadyInLake };
  } finally {
    await rm(spool, { force: true });
  }
}
