import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { ArtifactStore } from '../../store';
import { csvLine } from '../csv';
import type { FeatureDefinition } from '../definitions';
import { FeatureStoreError } from '../errors';
import { openObjectSource, readObjectRecords } from '../object-source';
import type { StoredView } from '../registry';
import { openSourceClient } from '../source-db';
import { ident, literal, qualified } from '../sql';
import { durationToMs, eventTimeMs, eventTimeOf } from '../time';
import { PG_TYPE } from '../values';

export interface StagedView {
  table: string;
  rows: number;
  features: FeatureDefinition[];
  ttlMs?: number;
  hasCreated: boolean;
}

/** The oldest event time any entity row can use: the earliest row time minus the TTL (and 1 ms of slack). */
function lowerBound(minTime: string, ttlMs: number | undefined): string | undefined {
  return ttlMs === undefined ? undefined : eventTimeOf(new Date(eventTimeMs(minTime) - ttlMs - 1));
}

function keyCast(name: string, type: 'string' | 'int'): string {
  return type === 'int' ? `(${ident(name)})::bigint::text` : `(${ident(name)})::text`;
}

async function stageFromTable(
  work: Client,
  sink: string,
  args: { view: StoredView; features: FeatureDefinition[]; from?: string; to: string; sourceUrl: string },
  heartbeat: (details: unknown) => void,
): Promise<void> {
  const source = args.view.definition.source as Extract<StoredView['definition']['source'], { kind: 'table' }>;
  const ts = ident(source.timestampColumn);
  const select = [
    ...args.view.joinKeys.map((k) => keyCast(k.name, k.type)),
    `(${ts})::timestamptz`,
    source.createdTimestampColumn ? `(${ident(source.createdTimestampColumn)})::timestamptz` : 'null::timestamptz',
    ...args.features.map((f) => `(${ident(f.name)})::${PG_TYPE[f.type]}`),
  ];
  const where = [`${ts} <= ${literal(args.to)}::timestamptz`];
  if (args.from) where.push(`${ts} >= ${literal(args.from)}::timestamptz`);
  const query = `select ${select.join(', ')} from ${qualified(source.schema, source.table)} where ${where.join(' and ')}`;
  const reader = await openSourceClient(args.sourceUrl, 'mlops-feature-stage');
  try {
    let bytes = 0;
    const out = reader.query(copyTo(`COPY (${query}) TO STDOUT WITH (FORMAT csv)`));
    out.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      heartbeat({ stage: `view ${args.view.name}`, bytes });
    });
    await pipeline(out, work.query(copyFrom(sink)) as Writable);
  } catch (err) {
    // 42xxx (no such table or column, no privilege) and 22xxx (a value that does not cast) are the definition's or
    // the data's fault: permanent. Anything else (a dropped connection) stays retryable.
    const code = String((err as { code?: string }).code ?? '');
    if (!code.startsWith('42') && !code.startsWith('22')) throw err;
    throw new FeatureStoreError(
      'SOURCE_ERROR',
      `Feature view ${args.view.name} could not be read from table ${source.schema}.${source.table}: ` +
        `${(err as Error).message}. Check the table, its columns and types, and the source role's grants.`,
    );
  } finally {
    await reader.end().catch(() => undefined);
  }
}

async function stageFromObject(
  work: Client,
  sink: string,
  args: { view: StoredView; features: FeatureDefinition[]; from?: string; to: string; store: ArtifactStore },
  heartbeat: (details: unknown) => void,
): Promise<void> {
  const source = args.view.definition.source as Extract<StoredView['definition']['source'], { kind: 's3' | 'file' }>;
  const opened = await openObjectSource(args.store, source);
  const records = readObjectRecords({ opened, format: source.format, view: args.view, features: args.features });
  let read = 0;
  const lines = async function* (): AsyncGenerator<string> {
    for await (const batch of records) {
      let out = '';
      for (const r of batch) {
        if (r.eventTime > args.to || (args.from !== undefined && r.eventTime < args.from)) continue;
        out += csvLine([...r.keys, r.eventTime, r.created, ...r.values]);
      }
      read += batch.length;
      heartbeat({ stage: `view ${args.view.name}`, rows: read });
      if (out) yield out;
    }
  };
  await pipeline(Readable.from(lines()), work.query(copyFrom(sink)) as Writable);
}

/**
 * Copies the rows of a view that any entity row can use (event time within [earliest row - TTL, latest row]) into
 * an indexed temporary table: keys k0.., _ts, _created, _row (source order, the last tie-breaker), f0...
 */
export async function stageView(
  work: Client,
  args: {
    index: number;
    view: StoredView;
    features: FeatureDefinition[];
    minTime: string;
    maxTime: string;
    sourceUrl: string;
    store: ArtifactStore;
    heartbeat: (details: unknown) => void;
  },
): Promise<StagedView> {
  const table = `fs_stage_${args.index}`;
  const { definition } = args.view;
  const ttlMs = definition.ttl === undefined ? undefined : durationToMs(definition.ttl);
  const keys = args.view.joinKeys.map((_, i) => `k${i}`);
  const features = args.features.map((f, i) => `f${i} ${PG_TYPE[f.type]}`);
  await work.query(
    `create temporary table ${table} (_row bigint generated always as identity, ${keys.map((k) => `${k} text`).join(', ')}, ` +
      `_ts timestamptz not null, _created timestamptz, ${features.join(', ')})`,
  );
  const columns = [...keys, '_ts', '_created', ...args.features.map((_, i) => `f${i}`)];
  const sink = `COPY ${table} (${columns.join(', ')}) FROM STDIN WITH (FORMAT csv)`;
  const range = { from: lowerBound(args.minTime, ttlMs), to: args.maxTime };
  if (definition.source.kind === 'table') {
    await stageFromTable(work, sink, { ...args, ...range }, args.heartbeat);
  } else {
    await stageFromObject(work, sink, { ...args, ...range }, args.heartbeat);
  }
  // The join probes (keys, time) backwards from each entity row's time: one index descent per row and view.
  await work.query(
    `create index on ${table} (${keys.join(', ')}, _ts desc, _created desc nulls last, _row desc); analyze ${table}`,
  );
  const count = await work.query<{ n: string }>(`select count(*)::text as n from ${table}`);
  return {
    table,
    rows: Number(count.rows[0]?.n ?? 0),
    features: args.features,
    ttlMs,
    hasCreated: Boolean(definition.source.createdTimestampColumn),
  };
}
