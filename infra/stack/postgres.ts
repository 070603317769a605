import { join } from 'node:path';
import { DATA_DIR } from '../../lib/config/paths';
import { PostgresCluster, findPgBinaries, selectOne } from './postgres-cluster';
import { choosePort, runsProgram, stopProcess } from './processes';
import type { StackService } from './service';
import { LOG_DIR, type ServiceState } from './state';

const PG_USER = process.env.PG_USER ?? 'mlops';
const PG_PASSWORD = process.env.PG_PASSWORD ?? 'mlops';
const PG_DATABASE = process.env.PG_DATABASE ?? 'mlops';

function clusterFor(state: ServiceState): PostgresCluster {
  const binaries = findPgBinaries(state.details?.provider);
  return new PostgresCluster({
    binaries,
    dataDir: state.details?.dataDir ?? '',
    port: state.ports.postgres ?? 0,
    user: PG_USER,
    password: PG_PASSWORD,
    database: PG_DATABASE,
    logFile: state.logFile ?? join(LOG_DIR, 'postgres.log'),
  });
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
    const cluster = new PostgresCluster({
      binaries,
      dataDir,
      port,
      user: PG_USER,
      password: PG_PASSWORD,
      database: PG_DATABASE,
      logFile,
    });
    const pid = cluster.start();
    return {
      name: 'postgres',
      owned: true,
      pid,
      program: join(binaries.binDir, 'postgres'),
      ports: { postgres: port },
      env: { DATABASE_URL: cluster.url },
      urls: { url: redact(cluster.url) },
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
    if (state.owned) await clusterFor(state).createDatabase();
  },

  async stop(state) {
    // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
    if (state.pid && state.program && runsProgram(state.pid, state.program)) await stopProcess(state.pid, 'SIGINT');
  },
};

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
