import { createReadStream } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { csvRows, type ByteSource } from '../../ml/data/sources';
import type { ArtifactStore } from '../../store';
import { csvLine } from '../csv';
import { FeatureStoreError } from '../errors';
import { projectFile } from '../object-source';
import type { JoinKey } from '../registry';
import type { EntityFrameSpec } from '../spec';
import { assertSingleSelect } from '../../sources/sql';
import { openSourceClient } from '../source-db';
import { EventTimeError, canonicalTimeSql, looksLikeEventTime } from '../time';
import { normalizeKey } from '../values';

export const ENTITY_TABLE = 'fs_entities';

export interface LoadedEntityFrame {
  /** The frame's header, in order (every column is passed through to the training set). */
  columns: string[];
  rows: number;
  /** Earliest and latest row timestamps (canonical), undefined when there are no rows. */
  minTime?: string;
  maxTime?: string;
  /** Join key name → column k<i> of the temporary table. */
  keyColumn: Map<string, string>;
}

async function openFrame(
  spec: EntityFrameSpec,
  deps: { store: ArtifactStore; sourceUrl: string },
): Promise<{ stream: ByteSource; describe: string; close(): Promise<void> }> {
  if (spec.file) {
    return { stream: createReadStream(projectFile(spec.file)), describe: `file ${spec.file}`, close: async () => {} };
  }
  if (spec.s3Key) {
    if (!(await deps.store.stat(spec.s3Key))) {
      throw new FeatureStoreError('SOURCE_ERROR', `Entity dataframe ${deps.store.uri(spec.s3Key)} does not exist.`);
    }
    return { stream: await deps.store.get(spec.s3Key), describe: deps.store.uri(spec.s3Key), close: async () => {} };
  }
  const url = spec.urlEnv ? process.env[spec.urlEnv] : deps.sourceUrl;
  if (!url) {
    throw new FeatureStoreError('SOURCE_ERROR', `Environment variable ${spec.urlEnv} (entities.urlEnv) is not set.`);
  }
  const query = (spec.query as string).trim().replace(/;+\s*$/, '');
  // One SELECT, checked by PostgreSQL's parser before it is wrapped in COPY (see lib/sources/sql.ts).
  await assertSingleSelect(query, 'data.source.entities.query');
  const client = await openSourceClient(url, 'mlops-entity-frame');
  const stream = client.query(copyTo(`COPY (${query}) TO STDOUT WITH (FORMAT csv, HEADER true)`));
  return { stream, describe: 'the entity query', close: () => client.end() };
}

function frameError(describe: string, line: number, column: string, message: string): FeatureStoreError {
  return new FeatureStoreError(
    'INVALID_TRAINING_SET',
    `Entity dataframe (${describe}), line ${line}, column ${column}: ${message}.`,
    { line, column },
  );
}

/**
 * Loads the entity dataframe into a temporary table: every column as text (passed through), the join keys
 * normalised (k0, k1, ...), the row's time as timestamptz, and its position (_eid) so output keeps input order.
 */
export async function loadEntityFrame(
  work: Client,
  args: {
    spec: EntityFrameSpec;
    joinKeys: JoinKey[];
    store: ArtifactStore;
    sourceUrl: string;
    heartbeat: (details: unknown) => void;
  },
): Promise<LoadedEntityFrame> {
  const opened = await openFrame(args.spec, args);
  const keyColumn = new Map(args.joinKeys.map((k, i) => [k.name, `k${i}`]));
  let columns: string[] | undefined;
  let rows = 0;
  const positions: Record<string, number> = Object.create(null) as Record<string, number>;
  try {
    const lines = async function* (): AsyncGenerator<string> {
      for await (const batch of csvRows({ stream: opened.stream, delimiter: ',', maxRecordSize: 1 << 20 })) {
        let out = '';
        for (const row of batch) {
          const cells = row.cells as string[];
          if (!columns) {
            columns = cells.map((c) => c.trim());
            await createEntityTable(work, columns, args, opened.describe);
            continue;
          }
          const header = columns;
          const cellAt = (name: string) => cells[(positions[name] ??= header.indexOf(name))] ?? '';
          const keys = args.joinKeys.map((k) => {
            const raw = cellAt(k.name);
            if (raw === '') return null;
            try {
              return normalizeKey(raw, k.type);
            } catch (err) {
              throw frameError(opened.describe, row.line, k.name, (err as Error).message);
            }
          });
          // The shape is checked here (with the line); PostgreSQL parses the value during COPY (no offset: UTC).
          const time = cellAt(args.spec.timestampColumn);
          if (!looksLikeEventTime(time)) {
            const reason = new EventTimeError(time).message;
            throw frameError(opened.describe, row.line, args.spec.timestampColumn, reason);
          }
          rows += 1;
          out += csvLine([rows, time, ...keys, ...header.map((_, i) => cells[i] ?? null)]);
        }
        args.heartbeat({ stage: 'entities', rows });
        if (out) yield out;
      }
    };
    // The COPY can only start once the header has created the table: the first chunk is pulled before it is issued.
    const iterator = lines();
    const first = await iterator.next();
    if (!columns)
      throw new FeatureStoreError('INVALID_TRAINING_SET', `Entity dataframe (${opened.describe}) is empty.`);
    const sink = work.query(copyFrom(`COPY ${ENTITY_TABLE} FROM STDIN WITH (FORMAT csv)`)) as Writable;
    const rest = async function* () {
      if (!first.done) yield first.value;
      yield* iterator;
    };
    try {
      await pipeline(Readable.from(rest()), sink);
    } catch (err) {
      // e.g. "date/time field value out of range: 2024-02-30", where: "COPY fs_entities, line 3, column _ts: ..."
      const at = /COPY \w+, line (\d+), column _ts/.exec(String((err as { where?: string }).where ?? ''));
      if (!at) throw err;
      // COPY counts our rows; the header is line 1 of the source.
      const line = Number(at[1]) + 1;
      throw frameError(opened.describe, line, args.spec.timestampColumn, `${(err as Error).message}`);
    }
  } finally {
    await opened.close();
  }
  await work.query(`alter table ${ENTITY_TABLE} add primary key (_eid); analyze ${ENTITY_TABLE}`);
  const range = await work.query<{ min: string | null; max: string | null }>(
    `select ${canonicalTimeSql('min(_ts)')} as min, ${canonicalTimeSql('max(_ts)')} as max from ${ENTITY_TABLE}`,
  );
  const { min, max } = range.rows[0] ?? { min: null, max: null };
  return { columns: columns as string[], rows, minTime: min ?? undefined, maxTime: max ?? undefined, keyColumn };
}

async function createEntityTable(
  work: Client,
  columns: string[],
  args: { spec: EntityFrameSpec; joinKeys: JoinKey[] },
  describe: string,
): Promise<void> {
  const seen = new Set<string>();
  for (const c of columns) {
    if (c === '')
      throw new FeatureStoreError('INVALID_TRAINING_SET', `Entity dataframe (${describe}) has an empty column name.`);
    if (seen.has(c))
      throw new FeatureStoreError('INVALID_TRAINING_SET', `Entity dataframe (${describe}) has column ${c} twice.`);
    seen.add(c);
  }
  const required = [...args.joinKeys.map((k) => k.name), args.spec.timestampColumn];
  const missing = required.filter((c) => !seen.has(c));
  if (missing.length > 0) {
    throw new FeatureStoreError(
      'INVALID_TRAINING_SET',
      `Entity dataframe (${describe}) has no column ${missing.join(', ')}: it needs the views' join keys ` +
        `(${args.joinKeys.map((k) => k.name).join(', ')}) and its timestamp column (entities.timestampColumn).`,
    );
  }
  const keys = args.joinKeys.map((_, i) => `k${i} text`);
  const passthrough = columns.map((_, i) => `c${i} text`);
  await work.query(
    `create temporary table ${ENTITY_TABLE} (_eid bigint not null, _ts timestamptz not null, ${[...keys, ...passthrough].join(', ')})`,
  );
}
