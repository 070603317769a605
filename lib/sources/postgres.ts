import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, type DatabaseError } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { DataError } from '../ml/errors';
import { assertSingleSelect, quoteTableName } from './sql';

export interface PostgresSourceInput {
  /** The read-only role's connection (never the application's own). */
  url: string;
  table?: string;
  query?: string;
  statementTimeoutMs: number;
}

export interface OpenedSource {
  stream: Readable;
  /** Settles when the source is fully read and its connection closed; rejects with the source's error. */
  done: Promise<void>;
}

/** SQLSTATE classes that mean the query itself is wrong or not allowed (retrying cannot help). */
const DETERMINISTIC_SQLSTATE = /^(22|23|25|26|28|2B|2F|3D|3F|42|44|P0)/;

/** A query error as data error (permanent) or as it is (connection trouble, retried by Temporal). */
export function sourceQueryError(err: unknown, describe: string): unknown {
  const code = (err as Partial<DatabaseError>).code;
  if (typeof code === 'string' && (DETERMINISTIC_SQLSTATE.test(code) || code === '57014')) {
    const reason = code === '57014' ? 'it ran longer than the statement timeout' : (err as Error).message;
    return new DataError({
      code: 'SOURCE_QUERY_FAILED',
      message: `Reading ${describe} failed: ${reason} (SQLSTATE ${code}). Fix data.source in the spec; the source is read with a read-only role that can only SELECT from the sources schema.`,
      details: { sqlstate: code },
    });
  }
  return err;
}

/**
 * Streams a table or one checked SELECT as CSV (with a header) through COPY, in a READ ONLY transaction with a
 * statement timeout, as the read-only role. Errors from the server, the connection or the COPY stream all reach
 * `done` and the returned stream (never an unhandled 'error' event that would take the worker down).
 */
export async function openPostgresSource(input: PostgresSourceInput): Promise<OpenedSource> {
  let select: string;
  if (input.table) select = `SELECT * FROM ${quoteTableName(input.table)}`;
  else {
    const query = (input.query ?? '').trim().replace(/;\s*$/, '');
    await assertSingleSelect(query);
    select = query;
  }
  const describe = input.table ? `table ${input.table}` : 'the data source query';
  const client = new Client({ connectionString: input.url, application_name: 'mlops-data-source' });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    // A refused login (wrong password, no such database) is permanent; an unreachable server is retried.
    throw sourceQueryError(err, describe);
  }
  const out = new PassThrough();
  const done = (async () => {
    try {
      await client.query('BEGIN TRANSACTION READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${Math.floor(input.statementTimeoutMs)}`);
      await client.query('SET LOCAL idle_in_transaction_session_timeout = 60000');
      const copy = client.query(copyTo(`COPY (${select}) TO STDOUT WITH (FORMAT csv, HEADER true)`));
      await pipeline(copy, out);
      await client.query('COMMIT');
    } catch (err) {
      const failure = sourceQueryError(err, describe);
      out.destroy(failure as Error);
      throw failure;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  // The caller reads `out`; `done` carries the same failure, so it is observed here to stay handled.
  done.catch(() => undefined);
  return { stream: out, done };
}
