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

/**
 * Drops a test database, ending its sessions. A session of another role (the read-only data-source role) cannot be
 * ended by the application role; such a session ends by itself once its pool is closed, so the drop is retried for a
 * few seconds, and a drop that still fails names the sessions that held the database.
 */
async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin(serverUrl, `drop database if exists "${name}" with (force)`);
      return;
    } catch (err) {
      if (!/permission denied to terminate/.test((err as Error).message) || attempt >= 10) {
        const adminUrl = new URL(serverUrl);
        adminUrl.pathname = '/postgres';
        const client = new Client({ connectionString: adminUrl.toString() });
        await client.connect();
        const sessions = await client
          .query(
            'select usename, application_name, backend_type, state, left(query, 120) as query from pg_stat_activity where datname = $1',
            [name],
          )
          .finally(() => client.end());
        throw new Error(`${(err as Error).message}; sessions on ${name}: ${JSON.stringify(sessions.rows)}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
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
      await dropDatabase(serverUrl, name);
    },
  };
}
