import { createReadStream, statSync } from 'node:fs';
import { loadConfig } from '../config';
import { resolveSourceFile } from '../sources/locations';
import { csvRows, jsonlRows, type ByteSource, type SourceRow } from '../ml/data/sources';
import type { ArtifactStore } from '../store';
import type { FeatureSource } from './definitions';
import { FeatureStoreError } from './errors';
import type { StoredView } from './registry';
import { EventTimeError, parseEventTime } from './time';
import { ValueError, normalizeKey, toFeatureValue, type FeatureValue } from './values';

/** One source row as the store uses it: normalised keys, canonical event (and created) time, typed values. */
export interface SourceRecord {
  /** 1-based line (CSV) or record number (table reads) where the row starts. */
  line: number;
  keys: string[];
  eventTime: string;
  created: string | null;
  values: FeatureValue[];
}

export interface OpenedObject {
  stream: ByteSource;
  describe: string;
  /** Changes when the content may have changed (S3: SHA-256; file: size and mtime): resumes check it. */
  fingerprint: string;
}

type ObjectSourceSpec = Extract<FeatureSource, { kind: 's3' | 'file' }>;

/**
 * A source file, resolved (symlinks included) and checked to lie inside the data folders workers may read
 * (DATA_FILE_ROOTS), like every `file` data source.
 */
export function projectFile(path: string): string {
  try {
    return resolveSourceFile(path, loadConfig().governance.dataSources.fileRoots);
  } catch (err) {
    throw new FeatureStoreError('SOURCE_ERROR', `Feature source: ${(err as Error).message}`);
  }
}

export async function openObjectSource(store: ArtifactStore, source: ObjectSourceSpec): Promise<OpenedObject> {
  if (source.kind === 'file') {
    const file = projectFile(source.path);
    const stat = statSync(file);
    return {
      stream: createReadStream(file),
      describe: `file ${source.path}`,
      fingerprint: `file:${stat.size}:${stat.mtimeMs}`,
    };
  }
  const info = await store.stat(source.key);
  if (!info) {
    throw new FeatureStoreError(
      'SOURCE_ERROR',
      `Feature source ${store.uri(source.key)} does not exist: upload it or fix source.key.`,
    );
  }
  return { stream: await store.get(source.key), describe: store.uri(source.key), fingerprint: `s3:${info.sha256}` };
}

/** The columns a view reads from its source, in a fixed order: keys, event time, created time, features. */
export function sourceColumns(view: StoredView, features = view.definition.features) {
  const { source } = view.definition;
  return {
    keys: view.joinKeys,
    timestamp: source.timestampColumn,
    created: source.createdTimestampColumn,
    features,
  };
}

function cellError(where: string, line: number, column: string, message: string): FeatureStoreError {
  return new FeatureStoreError(
    'SOURCE_ERROR',
    `${where}, line ${line}, column ${column}: ${message}. Fix the source row (or the declared type).`,
    { line, column },
  );
}

/**
 * Typed records of a CSV or JSON Lines source, in batches as parsed. Missing columns, empty keys or event times and
 * values that do not fit their type fail with the line and column.
 */
export async function* readObjectRecords(args: {
  opened: OpenedObject;
  format: 'csv' | 'jsonl';
  view: StoredView;
  features?: StoredView['definition']['features'];
}): AsyncGenerator<SourceRecord[]> {
  const cols = sourceColumns(args.view, args.features);
  const where = `Feature view ${args.view.name} source ${args.opened.describe}`;
  const needed = [...cols.keys.map((k) => k.name), cols.timestamp, ...(cols.created ? [cols.created] : [])];
  needed.push(...cols.features.map((f) => f.name));
  let index: number[] | undefined;
  const rows =
    args.format === 'csv'
      ? csvRows({ stream: args.opened.stream, delimiter: ',', maxRecordSize: 1 << 20 })
      : jsonlRows({ stream: args.opened.stream, maxRecordSize: 1 << 20 });
  const cellOf = (row: SourceRow, i: number): unknown =>
    Array.isArray(row.cells) ? row.cells[index?.[i] as number] : (row.cells as Record<string, unknown>)[needed[i]!];
  for await (const batch of rows) {
    const out: SourceRecord[] = [];
    for (const row of batch) {
      if (args.format === 'csv' && !index) {
        const header = (row.cells as string[]).map((h) => h.trim());
        const missing = needed.filter((n) => !header.includes(n));
        if (missing.length > 0) {
          throw new FeatureStoreError(
            'SOURCE_ERROR',
            `${where} has no column ${missing.join(', ')} (its header: ${header.join(', ').slice(0, 300)}).`,
          );
        }
        index = needed.map((n) => header.indexOf(n));
        continue;
      }
      out.push(toRecord(row, cellOf, cols, where));
    }
    if (out.length > 0) yield out;
  }
}

function toRecord(
  row: SourceRow,
  cellOf: (row: SourceRow, i: number) => unknown,
  cols: ReturnType<typeof sourceColumns>,
  where: string,
): SourceRecord {
  let i = 0;
  const keys = cols.keys.map((k) => {
    try {
      return normalizeKey(cellOf(row, i++), k.type);
    } catch (err) {
      throw cellError(where, row.line, k.name, (err as Error).message);
    }
  });
  const time = (column: string, required: boolean): string | null => {
    const raw = cellOf(row, i++);
    if (raw === null || raw === undefined || raw === '') {
      if (required) throw cellError(where, row.line, column, 'the event time is empty');
      return null;
    }
    try {
      return parseEventTime(String(raw));
    } catch (err) {
      throw cellError(where, row.line, column, err instanceof EventTimeError ? err.message : String(err));
    }
  };
  const eventTime = time(cols.timestamp, true) as string;
  const created = cols.created ? time(cols.created, false) : null;
  const values = cols.features.map((f) => {
    try {
      return toFeatureValue(cellOf(row, i++), f.type);
    } catch (err) {
      throw cellError(where, row.line, f.name, err instanceof ValueError ? err.message : String(err));
    }
  });
  return { line: row.line, keys, eventTime, created, values };
}
