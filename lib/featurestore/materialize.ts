import type { Db } from '../db';
import type { ArtifactStore } from '../store';
import { FeatureStoreError } from './errors';
import { openObjectSource, readObjectRecords, type SourceRecord } from './object-source';
import type { OnlineRow, OnlineStore } from './online';
import { getView, type StoredView } from './registry';
import { openSourceClient } from './source-db';
import { ident, qualified } from './sql';
import { canonicalTimeSql, durationToMs, eventTimeMs, eventTimeOf } from './time';
import { entityKeyOf, toFeatureValue } from './values';

/** What one materialization run covers: rows with from < event time <= to (no from: everything up to `to`). */
export interface MaterializationPlan {
  view: string;
  version: number;
  hash: string;
  online: boolean;
  from?: string;
  to: string;
  /** The watermark before this run (what `from` was derived from). */
  previousWatermark?: string;
}

/** Where a materialization stands; heartbeated, so a retried attempt resumes here. */
export interface MaterializationCursor {
  /** Table sources: the last event time fully written. Object sources: records consumed. */
  position: string | number;
  /** The source content the position refers to (object sources: a changed object starts over). */
  fingerprint?: string;
  rowsRead: number;
  rowsWritten: number;
}

/**
 * The next window of a view: from its watermark (minus lateArrival, for rows that arrive late) up to `now`. A new
 * view version, or a full refresh, starts from the beginning of the source.
 */
export async function planMaterialization(
  db: Db,
  input: { view: string; now: Date; fullRefresh?: boolean },
): Promise<MaterializationPlan> {
  const view = await getView(db, input.view);
  const state = (await db('feature_materializations')
    .where({ view: view.name })
    .first('hash', db.raw(`${canonicalTimeSql('watermark')} as watermark`))) as
    { hash: string; watermark: string | null } | undefined;
  const to = eventTimeOf(input.now);
  const plan = { view: view.name, version: view.version, hash: view.hash, online: view.definition.online, to };
  if (!state?.watermark || state.hash !== view.hash || input.fullRefresh) return plan;
  const lateMs = view.definition.lateArrival === undefined ? 0 : durationToMs(view.definition.lateArrival);
  const from = lateMs > 0 ? eventTimeOf(new Date(eventTimeMs(state.watermark) - lateMs)) : state.watermark;
  return { ...plan, from, previousWatermark: state.watermark };
}

function onlineRow(view: StoredView, record: SourceRecord): OnlineRow {
  const values: OnlineRow['values'] = {};
  view.definition.features.forEach((f, i) => (values[f.name] = record.values[i] ?? null));
  return { entityKey: entityKeyOf(record.keys), eventTime: record.eventTime, created: record.created, values };
}

interface WindowArgs {
  view: StoredView;
  plan: MaterializationPlan;
  online: OnlineStore;
  batchRows: number;
  resume?: MaterializationCursor;
  progress: (cursor: MaterializationCursor) => void;
}

/** Table sources: keyset pages by event time; a page always ends on a complete event time, the resumable cursor. */
async function fromTable(args: WindowArgs & { sourceUrl: string }): Promise<MaterializationCursor> {
  const source = args.view.definition.source as Extract<StoredView['definition']['source'], { kind: 'table' }>;
  const table = qualified(source.schema, source.table);
  const ts = ident(source.timestampColumn);
  const created = source.createdTimestampColumn
    ? canonicalTimeSql(`(${ident(source.createdTimestampColumn)})::timestamptz`)
    : 'null';
  const select = [
    ...args.view.joinKeys.map((k, i) =>
      k.type === 'int' ? `(${ident(k.name)})::bigint::text as k${i}` : `(${ident(k.name)})::text as k${i}`,
    ),
    `${canonicalTimeSql(`(${ts})::timestamptz`)} as _ts`,
    `${created} as _created`,
    ...args.view.definition.features.map((f, i) =>
      f.type === 'timestamp'
        ? `${canonicalTimeSql(`(${ident(f.name)})::timestamptz`)} as f${i}`
        : `(${ident(f.name)})::text as f${i}`,
    ),
  ].join(', ');
  const cursor: MaterializationCursor = args.resume ?? {
    position: args.plan.from ?? '-infinity',
    rowsRead: 0,
    rowsWritten: 0,
  };
  const client = await openSourceClient(args.sourceUrl, 'mlops-feature-materialize');
  try {
    for (;;) {
      const after = String(cursor.position);
      const boundary = await client.query<{ b: string }>(
        `select ${canonicalTimeSql(`(${ts})::timestamptz`)} as b from ${table}
         where ${ts} > $1::timestamptz and ${ts} <= $2::timestamptz order by ${ts} offset $3 limit 1`,
        [after, args.plan.to, args.batchRows - 1],
      );
      const until = boundary.rows[0]?.b ?? args.plan.to;
      const page = await client.query<Record<string, string | null>>(
        `select ${select} from ${table} where ${ts} > $1::timestamptz and ${ts} <= $2::timestamptz`,
        [after, until],
      );
      const rows = page.rows.map((r, n) => {
        const record: SourceRecord = {
          line: cursor.rowsRead + n + 1,
          keys: args.view.joinKeys.map((_, i) => r[`k${i}`] as string),
          eventTime: r._ts as string,
          created: r._created ?? null,
          values: args.view.definition.features.map((f, i) => {
            try {
              return toFeatureValue(r[`f${i}`], f.type);
            } catch (err) {
              throw new FeatureStoreError(
                'SOURCE_ERROR',
                `Feature view ${args.view.name}, ${source.schema}.${source.table} column ${f.name}: ${(err as Error).message}.`,
              );
            }
          }),
        };
        return record;
      });
      // A row without a key cannot be looked up: it is skipped, as in the offline join.
      const written = await args.online.write(
        args.view.name,
        rows.filter((r) => r.keys.every((k) => k !== null)).map((r) => onlineRow(args.view, r)),
      );
      cursor.rowsRead += rows.length;
      cursor.rowsWritten += written.written;
      cursor.position = until;
      args.progress({ ...cursor });
      if (!boundary.rows[0]) return cursor;
    }
  } catch (err) {
    if (err instanceof FeatureStoreError) throw err;
    const message = (err as Error).message;
    const code = String((err as { code?: string }).code ?? '');
    if (code.startsWith('42') || code.startsWith('22')) {
      // 42xxx: undefined table/column, permission denied; 22xxx: a value that does not cast. Not the network.
      throw new FeatureStoreError(
        'SOURCE_ERROR',
        `Feature view ${args.view.name} cannot be read from ${source.schema}.${source.table}: ${message}.`,
      );
    }
    throw err;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Object sources (S3, files): one pass in source order; the cursor counts records, valid for the same content. */
async function fromObject(args: WindowArgs & { store: ArtifactStore }): Promise<MaterializationCursor> {
  const source = args.view.definition.source as Extract<StoredView['definition']['source'], { kind: 's3' | 'file' }>;
  const opened = await openObjectSource(args.store, source);
  const resumable = args.resume && args.resume.fingerprint === opened.fingerprint;
  const skip = resumable ? Number(args.resume?.position) : 0;
  const cursor: MaterializationCursor = resumable
    ? { ...(args.resume as MaterializationCursor) }
    : { position: 0, fingerprint: opened.fingerprint, rowsRead: 0, rowsWritten: 0 };
  let consumed = 0;
  let pending: OnlineRow[] = [];
  const flush = async () => {
    const written = await args.online.write(args.view.name, pending);
    cursor.rowsWritten += written.written;
    cursor.position = consumed;
    pending = [];
    args.progress({ ...cursor });
  };
  for await (const batch of readObjectRecords({ opened, format: source.format, view: args.view })) {
    for (const record of batch) {
      consumed += 1;
      if (consumed <= skip) continue;
      cursor.rowsRead += 1;
      const inWindow = record.eventTime <= args.plan.to && (!args.plan.from || record.eventTime > args.plan.from);
      if (inWindow) pending.push(onlineRow(args.view, record));
      if (cursor.rowsRead % args.batchRows === 0) await flush();
    }
  }
  await flush();
  return cursor;
}

/**
 * Writes a window of a view's source into the online store in batches, reporting a cursor after each. Writes are
 * newer-wins, so a batch replayed after a crash (or two overlapping runs) changes nothing: idempotent and resumable.
 */
export async function materializeWindow(
  deps: { db: Db; store: ArtifactStore; online: OnlineStore; sourceUrl: string },
  input: Omit<WindowArgs, 'view' | 'online'>,
): Promise<MaterializationCursor> {
  const view = await getView(deps.db, input.plan.view, input.plan.version);
  const args = { ...input, view, online: deps.online };
  return view.definition.source.kind === 'table'
    ? fromTable({ ...args, sourceUrl: deps.sourceUrl })
    : fromObject({ ...args, store: deps.store });
}

/** Advances the view's watermark to the window's end (never backwards); idempotent per workflow. */
export async function commitMaterialization(
  db: Db,
  input: { plan: MaterializationPlan; cursor: MaterializationCursor; workflowId: string },
): Promise<void> {
  const { plan, cursor } = input;
  await db.transaction(async (trx) => {
    const state = await trx('feature_materializations').where({ view: plan.view }).forUpdate().first();
    if (state?.last_workflow_id === input.workflowId) return;
    const sameVersion = state?.hash === plan.hash;
    await trx('feature_materializations')
      .insert({
        view: plan.view,
        version: plan.version,
        hash: plan.hash,
        watermark: plan.to,
        rows_written: cursor.rowsWritten,
        last_workflow_id: input.workflowId,
        updated_at: trx.fn.now(),
      })
      .onConflict('view')
      .merge({
        version: plan.version,
        hash: plan.hash,
        watermark: sameVersion ? trx.raw('greatest(feature_materializations.watermark, excluded.watermark)') : plan.to,
        rows_written: trx.raw('feature_materializations.rows_written + excluded.rows_written'),
        last_workflow_id: input.workflowId,
        updated_at: trx.fn.now(),
      });
    await trx('feature_materialization_runs').where({ workflow_id: input.workflowId }).update({
      status: 'succeeded',
      rows_read: cursor.rowsRead,
      rows_written: cursor.rowsWritten,
      finished_at: trx.fn.now(),
    });
  });
}
