import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresCluster, findPgBinaries, type PgProvider } from '../../infra/stack/postgres-cluster';
import { choosePort, stopProcess, waitFor } from '../../infra/stack/processes';

export interface RunningCluster {
  url: string;
  provider: PgProvider;
  version: string;
  stop(): Promise<void>;
}

/** A throwaway PostgreSQL server from the given provider's binaries, in a temp folder, on a free port. */
export async function startCluster(provider: PgProvider): Promise<RunningCluster> {
  const binaries = findPgBinaries(provider);
  const root = mkdtempSync(join(tmpdir(), `mlops-pg-${provider}-`));
  // mkdtemp makes a private folder; the server may run as the postgres user and must reach its data inside.
  chmodSync(root, 0o755);
  const cluster = new PostgresCluster({
    binaries,
    dataDir: join(root, 'data'),
    port: await choosePort(25433, new Set()),
    admin: { user: 'mlops_admin', password: 'admin-secret' },
    logFile: join(root, 'postgres.log'),
  });
  const pid = cluster.start();
  await waitFor(`postgres (${provider})`, () => cluster.check(), { timeoutMs: 60_000, pid });
  const app = { user: 'mlops_app', password: 'app-secret' };
  await cluster.provision({
    database: 'mlops',
    app,
    reader: { user: 'mlops_reader', password: 'reader-secret' },
    statementTimeoutMs: 60_000,
  });
  return {
    url: cluster.urlFor(app, 'mlops'),
    provider,
    version: binaries.version,
    async stop() {
      await stopProcess(pid, 'SIGINT');
      rmSync(root, { recursive: true, force: true });
    },
  };
}
