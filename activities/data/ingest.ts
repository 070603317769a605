import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { PROJECT_ROOT } from '../../lib/config';
import type { DataSourceSpec } from '../../lib/pipeline/spec';
import { registerStoredArtifact } from '../artifacts';
import type { ActivityDeps } from '../deps';
import { dataError } from '../failures';
import type { IngestOutput } from '../pipeline-io';
import type { StepContext } from '../step-context';
import { spoolToFile } from '../../lib/store/hashing';
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

async function openSource(
  deps: ActivityDeps,
  ctx: StepContext,
  source: DataSourceSpec,
): Promise<{
  stream: Readable;
  format: 'csv' | 'jsonl';
  describe: string;
  close?: () => Promise<void>;
  metadata?: Record<string, unknown>;
}> {
  switch (source.kind) {
    case 'file': {
      const path = isAbsolute(source.path) ? source.path : join(PROJECT_ROOT, source.path);
      if (!existsSync(path) || !statSync(path).isFile()) {
        throw dataError(
          `Data source file ${source.path} does not exist (resolved to ${path}): fix data.source.path in the spec.`,
          {
            path,
          },
        );
      }
      return { stream: createReadStream(path), format: source.format, describe: `file ${source.path}` };
    }
    case 's3': {
      const stat = await deps.store.stat(source.key);
      if (!stat) {
        throw dataError(`Data source ${deps.store.uri(source.key)} does not exist: upload it or fix data.source.key.`, {
          key: source.key,
        });
      }
      return { stream: await deps.store.get(source.key), format: source.format, describe: deps.store.uri(source.key) };
    }
    case 'postgres': {
      const url = source.urlEnv ? process.env[source.urlEnv] : deps.config.database.url;
      if (!url) throw dataError(`Environment variable ${source.urlEnv} (data.source.urlEnv) is not set on the worker.`);
      const client = new Client({ connectionString: url });
      await client.connect();
      // COPY streams the query result as CSV straight from the server: no row objects, bounded memory.
      const query = source.query.trim().replace(/;+$/, '');
      const stream = client.query(copyTo(`COPY (${query}) TO STDOUT WITH (FORMAT csv, HEADER true)`));
      return { stream, format: 'csv', describe: 'a PostgreSQL query', close: () => client.end() };
    }
    case 'feature_views':
      return openFeatureViewsSource(deps, ctx, source);
  }
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
      hashed = await spoolToFile(opened.stream.pipe(progress(ctx)), spool);
    } catch (err) {
      throw dataError(`Could not read ${opened.describe}: ${(err as Error).message}`);
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
