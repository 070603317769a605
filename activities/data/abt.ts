import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataError } from '../../lib/ml/errors';
import { recordArtifact, recordLineage } from '../../lib/metadata/artifacts';
import { lookupStepCache, stepCacheKey, storeStepCache } from '../../lib/metadata/step-cache';
import { BinaryCopyRows } from '../../lib/db/copy-binary';
import { readingOptionsOf } from '../../lib/ml/data/reading-spec';
import { applyTransforms, encodeLabels, labelColumnOf, type FittedTransforms } from '../../lib/ml';
import type { PipelineSpec } from '../../lib/pipeline/spec';
import type { ActivityDeps } from '../deps';
import type { AbtOutput, FeaturesOutput, IngestOutput, ValidateOutput } from '../pipeline-io';
import type { StepContext } from '../step-context';
import { selectCleanRows } from './clean-rows';
import { featuresCacheKey } from './features';

const ABT_SCHEMA = 'abt';

/** One column per model feature, named from the feature name (PostgreSQL identifiers: ≤ 63 bytes, unique). */
export function abtFeatureColumns(featureNames: string[]): string[] {
  const used = new Set<string>();
  return featureNames.map((name, i) => {
    const base = `f_${name.toLowerCase().replace(/[^a-z0-9_]+/g, '_')}`.slice(0, 50);
    const column = used.has(base) ? `${base}_${i}` : base;
    used.add(column);
    return column;
  });
}

export function abtTableName(spec: PipelineSpec, cacheKey: string): string {
  return `${ABT_SCHEMA}.${spec.name.replace(/-/g, '_')}_${cacheKey.slice(0, 16)}`;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function qualified(table: string): string {
  return table.split('.').map(quoteIdent).join('.');
}

async function tableRowCount(deps: ActivityDeps, table: string): Promise<number | undefined> {
  const [schema, name] = table.split('.');
  const exists = await deps.db('information_schema.tables').where({ table_schema: schema, table_name: name }).first();
  if (!exists) return undefined;
  const row = await deps
    .db(deps.db.raw(qualified(table)))
    .count({ n: '*' })
    .first();
  return Number(row?.n ?? 0);
}

/**
 * The ABT's rows in PostgreSQL's binary COPY format, batch by batch from one pass over the raw data (bounded memory
 * for any file size). Only the columns the transforms and the label read are parsed.
 */
async function* abtRows(
  deps: ActivityDeps,
  ctx: StepContext,
  input: {
    spec: PipelineSpec;
    raw: IngestOutput;
    validation: ValidateOutput;
    fitted: FittedTransforms;
    splitCodes: Uint8Array;
  },
): AsyncGenerator<Buffer> {
  const label = input.spec.features.label;
  const columns = [...new Set([...input.fitted.inputs.map((c) => c.name), label])];
  const rows = new BinaryCopyRows();
  const fieldCount = 5 + input.fitted.featureNames.length;
  let written = 0;
  yield BinaryCopyRows.header;
  for await (const { batch, rowIds } of selectCleanRows(deps, input.raw, input.validation, {
    columns,
    reading: readingOptionsOf(input.spec.data),
  })) {
    const { features, featureNames } = applyTransforms({ fitted: input.fitted, table: batch });
    const y = encodeLabels({ fitted: input.fitted, table: batch });
    const labelColumn = labelColumnOf(batch, label);
    const width = featureNames.length;
    for (let i = 0; i < batch.rowCount; i += 1) {
      const rowId = rowIds[i] as number;
      rows.row(fieldCount);
      rows.int8(rowId);
      rows.int4(batch.lineNumbers[i] as number);
      rows.int2(input.splitCodes[rowId] as number);
      rows.text(String(labelColumn.values[i]));
      rows.float8(y[i] as number);
      for (let j = i * width; j < (i + 1) * width; j += 1) rows.float4(features[j] as number);
    }
    written += batch.rowCount;
    yield rows.take();
    ctx.heartbeat({ abtRows: written });
  }
  yield BinaryCopyRows.trailer;
}

/** COPYs the rows in; returns how many PostgreSQL stored. */
async function copyInto(
  client: PoolClient,
  table: string,
  columns: string[],
  rows: AsyncIterable<Buffer>,
): Promise<number> {
  const sql = `COPY ${qualified(table)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN WITH (FORMAT binary)`;
  const sink = client.query(copyFrom(sql));
  // Two batches ahead of PostgreSQL at most: more only queues memory while it is the slower side.
  await pipeline(Readable.from(rows, { highWaterMark: 2 }), sink);
  return sink.rowCount;
}

/** PostgreSQL tables hold at most 1600 columns; one-hot encodings of many categories can exceed that. */
const MAX_TABLE_COLUMNS = 1600;

function assertAbtWidth(columns: number, spec: PipelineSpec): void {
  if (columns <= MAX_TABLE_COLUMNS) return;
  const onehot = spec.features.features.filter((f) => typeof f !== 'string' && f.transform === 'onehot');
  throw new DataError({
    code: 'TOO_MANY_COLUMNS',
    message:
      `The features expand to ${columns - 5} model inputs, more than the ${MAX_TABLE_COLUMNS - 5} an analytic base table can hold. ` +
      `Lower maxCategories of the one-hot features (${onehot.map((f) => (typeof f === 'string' ? f : f.column)).join(', ') || 'none declared'}), ` +
      'or raise minFrequency so rare categories share the unknown bucket.',
    details: { columns: columns - 5 },
  });
}

/**
 * Writes the analytic base table (one row per clean input row: split, label, encoded target and every model
 * feature) with COPY into a build table that is renamed into place at the end: a retried attempt never leaves
 * duplicate or partial rows, and the same inputs always give the same table (shared through the step cache).
 */
export async function buildAnalyticBaseTable(
  deps: ActivityDeps,
  ctx: StepContext,
  input: { spec: PipelineSpec; raw: IngestOutput; validation: ValidateOutput; features: FeaturesOutput },
): Promise<AbtOutput> {
  const { spec, raw, features } = input;
  const cacheKey = stepCacheKey('abt', raw.raw.sha256, { features: featuresCacheKey(spec, raw) });
  const table = abtTableName(spec, cacheKey);
  const hit = await lookupStepCache<{ rows: number }>(deps.db, cacheKey);
  const existingRows = hit ? await tableRowCount(deps, table) : undefined;
  const cached = hit !== undefined && existingRows === hit.outputs.rows;
  let rows = existingRows ?? 0;

  if (!cached) {
    const fitted = JSON.parse((await deps.store.getBytes(features.transform.key)).toString('utf8')) as FittedTransforms;
    const splitCodes = new Uint8Array(await deps.store.getBytes(features.split.key));
    const featureColumns = abtFeatureColumns(fitted.featureNames);
    assertAbtWidth(fitted.featureNames.length + 5, spec);
    const build = `${table}__build_${randomBytes(4).toString('hex')}`;
    const columns = ['row_id', 'source_line', 'split', 'label', 'y', ...featureColumns];
    // The primary key is added once the rows are in: one sorted index build instead of 3M index insertions
    // (about 40% of PostgreSQL's time in the load).
    const ddl = [
      'row_id bigint not null',
      'source_line integer not null',
      'split smallint not null',
      'label text',
      'y double precision not null',
      ...featureColumns.map((c) => `${quoteIdent(c)} real not null`),
    ];
    await deps.db.raw(`create schema if not exists ${ABT_SCHEMA}`);
    await deps.db.raw(`create table ${qualified(build)} (${ddl.join(', ')})`);
    const client = (await deps.db.client.acquireConnection()) as PoolClient;
    try {
      rows = await copyInto(client, build, columns, abtRows(deps, ctx, { ...input, fitted, splitCodes }));
      await deps.db.raw(`alter table ${qualified(build)} add primary key (row_id)`);
    } catch (err) {
      await deps.db.raw(`drop table if exists ${qualified(build)}`);
      throw err;
    } finally {
      await deps.db.client.releaseConnection(client);
    }
    await deps.db.transaction(async (trx) => {
      await trx.raw(`drop table if exists ${qualified(table)}`);
      await trx.raw(`alter table ${qualified(build)} rename to ${quoteIdent(table.split('.')[1] as string)}`);
      // COMMENT takes no bind parameters: a quoted literal.
      const comment = JSON.stringify({ featureNames: fitted.featureNames }).replace(/'/g, "''");
      await trx.raw(`comment on table ${qualified(table)} is '${comment}'`);
    });
    await storeStepCache(deps.db, { cacheKey, step: 'abt', producerRunId: ctx.runId, outputs: { rows } });
  }

  const artifactId = await recordArtifact(deps.db, {
    runId: ctx.runId,
    step: ctx.step,
    name: 'abt',
    kind: 'abt',
    uri: `postgres:${table}`,
    metadata: { rows, features: features.featureNames.length, cached },
  });
  await recordLineage(deps.db, {
    fromId: raw.raw.artifactId,
    toId: artifactId,
    relation: 'derived_from',
    runId: ctx.runId,
  });
  await recordLineage(deps.db, {
    fromId: features.transform.artifactId,
    toId: artifactId,
    relation: 'derived_from',
    runId: ctx.runId,
  });
  return { table, rows, artifactId, cached, method: 'copy' };
}
