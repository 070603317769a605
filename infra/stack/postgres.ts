import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR } from '../../lib/config/paths';
import { PostgresCluster, clusterAdminFile, findPgBinaries, selectOne } from './postgres-cluster';
import { choosePort, runsProgram, stopProcess } from './processes';
import { APP_ROLE, READER_ROLE, stackSecrets } from './secrets';
import type { StackService } from './service';
import { LOG_DIR, type ServiceState } from './state';

const PG_DATABASE = process.env.PG_DATABASE ?? 'mlops';
const SOURCE_STATEMENT_TIMEOUT_MS = 600_000;

/** Data folders made before the stack recorded its superuser were initialised with mlops/mlops. */
function adminOf(dataDir: string): { user: string; password: string } {
  const secrets = stackSecrets();
  const recorded = existsSync(clusterAdminFile(dataDir)) ? readFileSync(clusterAdminFile(dataDir), 'utf8').trim() : '';
  if (existsSync(join(dataDir, 'PG_VERSION')) && !recorded) return { user: 'mlops', password: 'mlops' };
  return { user: recorded || secrets.pgAdminUser, password: secrets.pgAdminPassword };
}

function clusterFor(state: ServiceState): PostgresCluster {
  const binaries = findPgBinaries(state.details?.provider);
  const dataDir = state.details?.dataDir ?? '';
  return new PostgresCluster({
    binaries,
    dataDir,
    port: state.ports.postgres ?? 0,
    admin: adminOf(dataDir),
    logFile: state.logFile ?? join(LOG_DIR, 'postgres.log'),
  });
}

function roles() {
  const secrets = stackSecrets();
  return {
    app: { user: APP_ROLE, password: secrets.appPassword },
    reader: { user: READER_ROLE, password: secrets.readerPassword },
  };
}

export const postgresService: StackService = {
  name: 'postgres',
  startTimeoutMs: 60_000,

  external() {
    const url = process.env.DATABASE_URL;
    if (!url) return undefined;
    return { name: 'postgres', owned: false, ports: {}, env: { DATABASE_URL: url }, urls: { url: redact(url) } };
  },

  async start({ taken, previousPorts }) {
    const binaries = findPgBinaries();
    const port = await choosePort(previousPorts?.postgres ?? 15433, taken);
    // One data folder per provider and major version: their on-disk formats differ.
    const dataDir = join(DATA_DIR, 'pg', `${binaries.provider}-${binaries.version.split('.')[0]}`);
    const logFile = join(LOG_DIR, 'postgres.log');
    const cluster = new PostgresCluster({ binaries, dataDir, port, admin: adminOf(dataDir), logFile });
    const pid = cluster.start();
    const { app, reader } = roles();
    const url = cluster.urlFor(app, PG_DATABASE);
    return {
      name: 'postgres',
      owned: true,
      pid,
      program: join(binaries.binDir, 'postgres'),
      ports: { postgres: port },
      env: { DATABASE_URL: url, DATA_SOURCE_DATABASE_URL: cluster.urlFor(reader, PG_DATABASE) },
      urls: { url: redact(url) },
      logFile,
      startedAt: new Date().toISOString(),
      details: { provider: binaries.provider, version: binaries.version, dataDir, binDir: binaries.binDir },
    };
  },

  async check(state) {
    if (state.owned) return clusterFor(state).check();
    await selectOne(state.env.DATABASE_URL ?? '');
  },

  async provision(state) {
    if (!state.owned) return;
    await clusterFor(state).provision({
      database: PG_DATABASE,
      ...roles(),
      statementTimeoutMs: SOURCE_STATEMENT_TIMEOUT_MS,
    });
  },

  async stop(state) {
    // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
    if (state.pid && state.program && runsProgram(state.pid, state.program)) await stopProcess(state.pid, 'SIGINT');
  },
};

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
