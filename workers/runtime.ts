import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { dataConverterFor } from '../infra/codec';
import { prepareMetadataStore } from '../infra/metadata-setup';
import { connectClient, connectWorker } from '../infra/temporal-connection';
import type { ActivityDeps } from '../activities/deps';
import { PROJECT_ROOT, assertProductionReady, loadConfig, type AppConfig } from '../lib/config';
import { createDb } from '../lib/db';
import { createLogger, type Logger } from '../lib/logging';
import { createArtifactStore } from '../lib/store';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Routes the Temporal SDK's own logs (worker state, workflow and activity context loggers) into pino. */
export function routeTemporalLogs(log: Logger): void {
  const temporalLog = log.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => {
      temporalLog[PINO_LEVEL[entry.level]]({ ...entry.meta }, entry.message);
    }),
  });
}

/** The code version recorded in lineage: MLOPS_CODE_VERSION, else the git commit, else the package version. */
export function codeVersion(): string {
  if (process.env.MLOPS_CODE_VERSION) return process.env.MLOPS_CODE_VERSION;
  try {
    return execSync('git rev-parse --short=12 HEAD', { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
    return `v${pkg.version}`;
  }
}

/** Workflows from the prebuilt production bundle when there is one (`npm run build:workflows`), else from source. */
export function workflowSource(): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const bundle = process.env.WORKFLOW_BUNDLE ?? join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');
  if (existsSync(bundle) && process.env.NODE_ENV === 'production') return { workflowBundle: { codePath: bundle } };
  return { workflowsPath: require.resolve('../workflows') };
}

/** Everything a worker's activities need, built once per process; migrations run first (knex locks them). */
export async function createActivityDeps(name: string, config: AppConfig = loadConfig()): Promise<ActivityDeps> {
  const log = createLogger({ name, level: config.logLevel });
  const db = createDb({ url: config.database.url, poolMax: config.database.poolMax, applicationName: name });
  assertProductionReady(config, 'worker');
  await prepareMetadataStore(db, config, log);
  const store = createArtifactStore(config.artifacts);
  await store.ensureReady();
  return { db, store, log, config, codeVersion: codeVersion() };
}

/**
 * What every worker of this project shares: a native connection for polling, a client its activities use to talk to
 * workflows (progress signals, retraining runs), and the data converter (payload encryption when keys are set).
 */
export async function connectWorkerRuntime(config: AppConfig) {
  const connection = await connectWorker(config.temporal);
  const client = await connectClient(config.temporal);
  return {
    connection,
    client,
    workerOptions: {
      connection,
      namespace: config.temporal.namespace,
      dataConverter: dataConverterFor(config.temporal),
    },
    async close() {
      await client.connection.close();
      await connection.close();
    },
  };
}
