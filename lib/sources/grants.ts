import type { Db } from '../db';

/**
 * The `sources` schema of the metadata database is where tables for `postgres` data sources live; the read-only
 * role may read it and nothing else (not the metadata tables in `public`). Idempotent; run by every process at
 * start (the application role owns the schema, so it can grant).
 */
export async function grantSourceReader(db: Db, readerRole: string): Promise<void> {
  const role = `"${readerRole.replace(/"/g, '""')}"`;
  const exists = await db.raw('select 1 from pg_roles where rolname = ?', [readerRole]);
  if ((exists.rows as unknown[]).length === 0) return;
  await db.raw('create schema if not exists sources');
  await db.raw(`grant usage on schema sources to ${role}`);
  await db.raw(`grant select on all tables in schema sources to ${role}`);
  await db.raw(`alter default privileges in schema sources grant select on tables to ${role}`);
  await db.raw(`revoke all on schema public from ${role}`);
}
