// `npm run api`: the HTTP API and prediction service, with real dependencies.
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import type { RequestListener, Server } from 'node:http';
import { join } from 'node:path';
import { loadPayloadCodec } from '../infra/codec';
import { prepareMetadataStore } from '../infra/metadata-setup';
import { connectClient } from '../infra/temporal-connection';
import { createAuthenticator } from '../lib/auth';
import { PROJECT_ROOT, assertProductionReady, loadConfig, type AppConfig } from '../lib/config';
import { loadConsoleConfig } from '../lib/config/console';
import { loadScaleConfig, type ScaleConfig } from '../lib/config/scale';
import { createDb } from '../lib/db';
import { loadFeatureStoreConfig } from '../lib/featurestore/config';
import { createOnlineStore } from '../lib/featurestore/online';
import { createOnlineFeatureService } from '../lib/featurestore/serving';
import { createLogger, type Logger } from '../lib/logging';
import { initTfBackend, setDirectForwardMaxRows } from '../lib/ml';
import { createModelServer } from '../lib/serving/model-server';
import { createArtifactStore } from '../lib/store';
import { createApp } from './app';
import { apiWorkerNumber, runApiPrimary } from './cluster';
import { apiSettingsFrom } from './deps';
import { listenOrFail } from './http/listen';
import { storedCatalog } from './pipelines';

const SHUTDOWN_GRACE_MS = 15_000;

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

async function main(): Promise<void> {
  const config = loadConfig();
  assertProductionReady(config, 'api');
  const scale = loadScaleConfig();
  const worker = apiWorkerNumber();
  const log = createLogger({ name: 'mlops-api', level: config.logLevel });
  if (scale.api.workers > 1 && cluster.isPrimary) {
    // Migrations and seeding once, before any process serves.
    const db = createDb({ url: config.database.url, poolMax: 2, applicationName: 'mlops-api' });
    await prepareMetadataStore(db, config, log);
    await db.destroy();
    runApiPrimary({ workers: scale.api.workers, log, graceMs: SHUTDOWN_GRACE_MS });
    return;
  }
  await serve(config, scale, worker === undefined ? log : log.child({ apiWorker: worker }), worker);
}

async function serve(config: AppConfig, scale: ScaleConfig, log: Logger, worker: number | undefined): Promise<void> {
  const consoleConfig = loadConsoleConfig();
  const db = createDb({ url: config.database.url, poolMax: config.database.poolMax, applicationName: 'mlops-api' });
  if (worker === undefined) await prepareMetadataStore(db, config, log);
  const store = createArtifactStore(config.artifacts);
  const temporal = await connectClient(config.temporal);
  const backend = await initTfBackend({ preferred: config.tfjsBackend });
  setDirectForwardMaxRows(scale.directForwardMaxRows);
  const models = createModelServer({ db, store, log, notifyUrl: config.database.url, batching: scale.batching });
  const featureStore = loadFeatureStoreConfig();
  const online = createOnlineStore(featureStore, db);
  const codec = loadPayloadCodec(config.temporal);
  if (config.auth.disabled)
    log.warn('AUTH_DISABLED=true: every request acts as an admin. Never run like this in production.');
  if (codec) log.info({ activeKeyId: config.temporal.encryption?.activeKeyId }, 'payload encryption on');
  log.info({ backend }, 'TensorFlow.js backend for predictions');

  const app = createApp({
    settings: apiSettingsFrom(config, packageVersion()),
    db,
    temporal,
    models,
    pipelines: storedCatalog(db),
    authenticator: createAuthenticator({ db, jwt: config.auth.jwt, disabled: config.auth.disabled }),
    log,
    codec,
    store,
    processMetrics: config.metricsEnabled,
    onlineFeatures: createOnlineFeatureService({ db, online, log, cacheMs: featureStore.lookupCacheMs }),
    console: consoleConfig,
  });
  // With several API processes, each response names the one that served it (X-Mlops-Api-Worker: 1..N).
  const handler: RequestListener =
    worker === undefined
      ? app
      : (req, res) => {
          res.setHeader('X-Mlops-Api-Worker', String(worker));
          app(req, res);
        };
  const server: Server = await listenOrFail(handler, config.api.port, config.api.host);
  log.info({ url: config.api.publicUrl, console: `${config.api.publicUrl}/ui/` }, 'API listening');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing requests in flight');
    const force = setTimeout(() => {
      log.error('requests still open after the grace period; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    // Stop accepting, let requests in flight finish, then close the dependencies they use.
    server.close(() => {
      void (async () => {
        await models.close();
        await online.close();
        await temporal.connection.close();
        await db.destroy();
        log.info('stopped');
        process.exit(0);
      })();
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
