import type { Db } from '../../db';
import { canonicalTimeSql } from '../time';
import { newestPerEntity, type OnlineRow, type OnlineStore, type OnlineValue } from './types';

/** The default online store: a table in the metadata database, primary key (view, entity key). */
export function createPostgresOnlineStore(db: Db): OnlineStore {
  return {
    kind: 'postgres',

    async write(view, rows) {
      if (rows.length === 0) return { written: 0 };
      const batch = newestPerEntity(rows);
      const result = await db.raw(
        `insert into feature_online (view, entity_key, event_ts, created_ts, "values", written_at)
         select ?, t.k, t.e::timestamptz, t.c::timestamptz, t.v, now()
         from jsonb_to_recordset(?::jsonb) as t(k text, e text, c text, v jsonb)
         on conflict (view, entity_key) do update set
           event_ts = excluded.event_ts, created_ts = excluded.created_ts, "values" = excluded."values",
           written_at = excluded.written_at
         where (excluded.event_ts, coalesce(excluded.created_ts, '-infinity'))
            >= (feature_online.event_ts, coalesce(feature_online.created_ts, '-infinity'))`,
        // One JSON parameter for the whole batch (knex would expand an array into a list of placeholders).
        [view, JSON.stringify(batch.map((r) => ({ k: r.entityKey, e: r.eventTime, c: r.created, v: r.values })))],
      );
      return { written: (result as { rowCount: number }).rowCount };
    },

    async read(view, entityKeys) {
      if (entityKeys.length === 0) return [];
      // = any(array(...)) keeps it one primary-key index scan; "in (select ...)" would scan the whole view.
      const result = await db.raw(
        `select entity_key, ${canonicalTimeSql('event_ts')} as event_time, ${canonicalTimeSql('created_ts')} as created,
                "values" from feature_online
         where view = ? and entity_key = any(array(select jsonb_array_elements_text(?::jsonb)))`,
        [view, JSON.stringify([...new Set(entityKeys)])],
      );
      const found = new Map<string, OnlineValue>();
      for (const r of (result as { rows: Array<Record<string, unknown>> }).rows) {
        found.set(r.entity_key as string, {
          eventTime: r.event_time as string,
          created: (r.created as string | null) ?? null,
          values: r.values as OnlineRow['values'],
        });
      }
      return entityKeys.map((k) => found.get(k));
    },

    async clear(view) {
      await db('feature_online').where({ view }).delete();
    },

    async ping() {
      await db.raw('select 1');
    },

    async close() {
      // The knex pool belongs to the caller.
    },
  };
}
