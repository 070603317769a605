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
    user: 'mlops',
    password: 'mlops',
    database: 'mlops',
    logFile: join(root, 'postgres.log'),
  });
  const pid = cluster.start();
  await waitFor(`postgres (${provider})`, () => cluster.check(), { timeoutMs: 60_000, pid });
  await cluster.createDatabase();
  return {
    url: cluster.url,
    provider,
    version: binaries.version,
    async stop() {
      await stopProcess(pid, 'SIGINT');
      rmSync(root, { recursive: true, force: true });
    },
  };
}
