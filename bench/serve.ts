// `npm run bench:serve`: predictions/s and p50/p99 latency of POST /v1/predict at 50 connections (autocannon),
// beside a bare Express JSON handler measured in the same run. The servers run in a child process, so that the
// load generator and the server do not share one event loop.
import { spawn } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { parse } from 'csv-parse/sync';
import express from 'express';
import { createApp } from '../api/app';
import { apiSettingsFrom } from '../api/deps';
import { storedCatalog } from '../api/pipelines';
import { migrateLatest } from '../infra/migrations';
import { stackUp } from '../infra/stack';
import { connectClient } from '../infra/temporal-connection';
import { createApiKey, createAuthenticator, ensureUserPrincipal } from '../lib/auth';
import { PROJECT_ROOT, loadConfig } from '../lib/config';
import { createDb } from '../lib/db';
import { createLogger } from '../lib/logging';
import { buildDataset, disposeModel, fitFeatureTransforms, initTfBackend, readTable, trainModel } from '../lib/ml';
import { parseSpecDocument, readSpecFile } from '../lib/pipeline/load';
import { createModelServer } from '../lib/serving/model-server';
import { createArtifactStore } from '../lib/store';
import { createTestDatabase } from '../test/helpers/db';
import { promoteAndDeploy, storeAndRegister } from '../test/integration/api/model-fixture';
import { FS_MODEL, deployFeatureModel, entityOnlyRows, featureService, lookupLatency } from './lib/feature-serving';
import { machineLine, printTable } from './lib/report';
import { startRedisServer } from '../infra/stack/redis';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const DATA_FILE = join(PROJECT_ROOT, 'pipelines', 'data', 'churn.csv');

interface Ports {
  bare: number;
  apiNoLog: number;
  apiLogAll: number;
  /** Prediction log off; model inputs looked up in the PostgreSQL / Redis online store. */
  apiFeaturesPg: number;
  apiFeaturesRedis: number;
}

/** Child process: the bare handler and the API (twice: prediction log off, and every request logged). */
async function serve(): Promise<void> {
  const config = loadConfig({
    ...process.env,
    LOG_LEVEL: 'warn',
    PREDICT_RATE_LIMIT_PER_MINUTE: '0',
    PREDICT_MAX_ROWS: '1000',
  });
  const log = createLogger({ name: 'bench-api', level: 'warn' });
  await initTfBackend({ preferred: config.tfjsBackend });
  const db = createDb({ url: config.database.url, poolMax: 10, applicationName: 'bench-serve' });
  const store = createArtifactStore(config.artifacts);
  const temporal = await connectClient(config.temporal);
  const models = createModelServer({ db, store, log });
  const authenticator = createAuthenticator({ db });
  const api = (logSampleRate: number, onlineFeatures?: ReturnType<typeof featureService>) =>
    createApp({
      onlineFeatures,
      settings: { ...apiSettingsFrom(config, 'bench'), predict: { ...config.predict, logSampleRate } },
      db,
      temporal,
      models,
      pipelines: storedCatalog(db),
      authenticator,
      log,
      store,
    });
  const bare = express();
  bare.use(express.json({ limit: '1mb' }));
  bare.post('/predict', (req, res) => {
    const rows = (req.body as { rows: unknown[] }).rows;
    res.json({ predictions: rows.map(() => ({ prediction: 'no', probabilities: { no: 0.8, yes: 0.2 } })) });
  });
  const listen = (app: express.Express) =>
    new Promise<number>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const features = { db, log, redisUrl: process.env.BENCH_REDIS_URL };
  const ports: Ports = {
    bare: await listen(bare),
    apiNoLog: await listen(api(0)),
    apiLogAll: await listen(api(1)),
    apiFeaturesPg: await listen(api(0, featureService('postgres', features))),
    apiFeaturesRedis: await listen(api(0, featureService('redis', features))),
  };
  process.stdout.write(`${JSON.stringify(ports)}\n`);
}

/** The churn pipeline's MLP, trained briefly on its example data and registered in production. */
async function deployChurnModel(databaseUrl: string, redisUrl: string): Promise<void> {
  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl });
  const db = createDb({ url: databaseUrl, poolMax: 2 });
  const store = createArtifactStore(config.artifacts);
  await store.ensureReady();
  const spec = parseSpecDocument(readSpecFile(join(PROJECT_ROOT, 'pipelines', 'churn.yaml')).raw, 'churn.yaml');
  const table = await readTable({ stream: createReadStream(DATA_FILE), format: 'csv' });
  const fitted = fitFeatureTransforms({ table, spec: { ...spec.features, task: spec.task } });
  const candidate =
    spec.candidates.find((c) => c.kind === 'mlp_classifier') ??
    (spec.candidates[0] as (typeof spec.candidates)[number]);
  const result = await trainModel({
    candidate: { ...candidate, hyperparameters: { ...candidate.hyperparameters, epochs: 3 } },
    task: spec.task,
    numClasses: fitted.label.classes?.length,
    classNames: (fitted.label.classes ?? []).map(String),
    train: buildDataset({ fitted, table }),
    fitted,
  });
  disposeModel(result.model);
  await deployFeatureModel({ db, store }, { file: DATA_FILE, modelBytes: result.modelBytes, fitted, redisUrl });
  const version = await storeAndRegister(
    { db, store },
    { model: 'churn-bench', runId: `bench-${Date.now()}`, modelBytes: result.modelBytes, fitted },
  );
  await promoteAndDeploy({ db }, { model: 'churn-bench', versionId: version.id, actor: 'bench' });
  await db.destroy();
}

function requestRows(count: number): Array<Record<string, string>> {
  const records = parse(readFileSync(DATA_FILE, 'utf8'), { columns: true }) as Array<Record<string, string>>;
  return records.slice(0, count).map(({ churned: _label, ...features }) => features);
}

async function load(url: string, body: string, headers: Record<string, string>, duration = DURATION_S) {
  return autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

async function main(): Promise<void> {
  if (process.argv.includes('--serve')) return serve();
  await stackUp((m) => process.stderr.write(`[stack] ${m}\n`));
  const database = await createTestDatabase();
  await migrateLatest(database.db);
  const redis = await startRedisServer((m) => process.stderr.write(`[redis] ${m}\n`));
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--serve'], {
    env: { ...process.env, DATABASE_URL: database.url, BENCH_REDIS_URL: redis.url },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    process.stderr.write('training and registering the churn MLP...\n');
    await deployChurnModel(database.url, redis.url);
    await ensureUserPrincipal(database.db, 'bench', 'bench');
    const { key } = await createApiKey(database.db, { principal: 'bench', role: 'predictor', createdBy: 'bench' });
    const ports = await new Promise<Ports>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()) as Ports));
      child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
    });
    const auth = { authorization: `Bearer ${key}` };
    const scenarios = [
      { name: 'bare Express handler', rows: 1, url: `http://127.0.0.1:${ports.bare}/predict`, headers: {} },
      {
        name: '/v1/predict, log off',
        rows: 1,
        url: `http://127.0.0.1:${ports.apiNoLog}/v1/predict/churn-bench`,
        headers: auth,
      },
      {
        name: '/v1/predict, every request logged',
        rows: 1,
        url: `http://127.0.0.1:${ports.apiLogAll}/v1/predict/churn-bench`,
        headers: auth,
      },
      ...[1, 100].flatMap((rows) => [
        {
          name: '/v1/predict, log off, customer_id only: PostgreSQL online store',
          rows,
          url: `http://127.0.0.1:${ports.apiFeaturesPg}/v1/predict/${FS_MODEL}`,
          headers: auth,
          entityOnly: true,
        },
        {
          name: '/v1/predict, log off, customer_id only: Redis online store',
          rows,
          url: `http://127.0.0.1:${ports.apiFeaturesRedis}/v1/predict/${FS_MODEL}`,
          headers: auth,
          entityOnly: true,
        },
      ]),
      { name: 'bare Express handler', rows: 100, url: `http://127.0.0.1:${ports.bare}/predict`, headers: {} },
      {
        name: '/v1/predict, log off',
        rows: 100,
        url: `http://127.0.0.1:${ports.apiNoLog}/v1/predict/churn-bench`,
        headers: auth,
      },
    ];
    const table: Array<Array<string | number>> = [];
    for (const s of scenarios) {
      const rows = 'entityOnly' in s ? entityOnlyRows(DATA_FILE, s.rows) : requestRows(s.rows);
      const body = JSON.stringify({ rows });
      await load(s.url, body, s.headers, 2); // warm-up: model load, JIT, connection pools
      const r = await load(s.url, body, s.headers);
      const failed = r.non2xx + r.errors + r.timeouts;
      table.push([
        s.name,
        s.rows,
        Math.round(r.requests.average).toLocaleString('en-US'),
        Math.round(r.requests.average * s.rows).toLocaleString('en-US'),
        r.latency.p50,
        r.latency.p99,
        failed,
      ]);
      process.stderr.write(`${s.name} (${s.rows} rows): done\n`);
    }
    console.log(`\n${machineLine()}; ${CONNECTIONS} connections, ${DURATION_S} s per row after a 2 s warm-up\n`);
    printTable(['target', 'rows/request', 'requests/s', 'predictions/s', 'p50 ms', 'p99 ms', 'failed'], table);
    console.log('\nOnline feature lookup alone, one request at a time (7 features per row):\n');
    const lookups = await lookupLatency({
      db: database.db,
      log: createLogger({ name: 'bench', level: 'warn' }),
      file: DATA_FILE,
      redisUrl: redis.url,
    });
    printTable(['lookup', 'rows/request', 'p50 ms', 'p99 ms'], lookups);
  } finally {
    child.kill('SIGTERM');
    await redis.stop();
    await database.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
