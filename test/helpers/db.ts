import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loadConfig } from '../../lib/config';
import { createDb, type Db } from '../../lib/db';

export interface TestDatabase {
  url: string;
  /** The read-only data-source role on this database (the stack's reader), when the stack has one. */
  readerUrl?: string;
  db: Db;
  drop(): Promise<void>;
}

async function admin(url: string, sql: string): Promise<void> {
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const client = new Client({ connectionString: adminUrl.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh database on the given server (default: the stack's), so suites never see each other's rows. */
export async function createTestDatabase(serverUrl = loadConfig().database.url): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  await admin(serverUrl, `create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = createDb({ url: url.toString(), poolMax: 5, applicationName: 'mlops-test' });
  const reader = loadConfig().governance.dataSources.readerUrl;
  const readerUrl = reader && serverUrl === loadConfig().database.url ? new URL(reader) : undefined;
  if (readerUrl) readerUrl.pathname = `/${name}`;
  return {
    url: url.toString(),
    readerUrl: readerUrl?.toString(),
    db,
    async drop() {
      await db.destroy();
      await admin(serverUrl, `drop database if exists "${name}" with (force)`);
    },
  };
}
