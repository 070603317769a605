// `npm run bench:serve-scale`: the prediction service as `npm run api` runs it (api/server.ts, real stack), one-row
// requests at 50 connections, against a bare Express handler in the same run:
//   - before: one process, micro-batching off (PREDICT_BATCH_MAX_ROWS=1), TensorFlow.js forward pass
//     (PREDICT_DIRECT_MAX_ROWS=0);
//   - micro-batching alone, the direct forward pass alone, then both;
//   - API_WORKERS=N processes sharing the port (node:cluster), beside a bare handler in as many processes.
import { spawn, type ChildProcess } from 'node:child_process';
import cluster from 'node:cluster';
import { createReadStream, readFileSync, readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { parse } from 'csv-parse/sync';
import express from 'express';
import { listenOrFail } from '../api/http/listen';
import { migrateLatest } from '../infra/migrations';
import { stackUp } from '../infra/stack';
import { createApiKey, ensureUserPrincipal } from '../lib/auth';
import { PROJECT_ROOT, loadConfig } from '../lib/config';
import { createDb } from '../lib/db';
import { buildDataset, disposeModel, fitFeatureTransforms, readTable, trainModel } from '../lib/ml';
import { parseSpecDocument, readSpecFile } from '../lib/pipeline/load';
import { createArtifactStore } from '../lib/store';
import { createTestDatabase } from '../test/helpers/db';
import { promoteAndDeploy, storeAndRegister } from '../test/integration/api/model-fixture';
import { machineLine, printTable } from './lib/report';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WORKERS = Number(process.env.BENCH_API_WORKERS ?? availableParallelism());
const DATA_FILE = join(PROJECT_ROOT, 'pipelines', 'data', 'churn.csv');
const TSX = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
/** Only the scenarios whose name matches (the bare one-process anchor always runs), e.g. 'direct forward \\+'. */
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : undefined;
/** A folder: the servers run with --cpu-prof and write their V8 CPU profiles there when stopped. */
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;

/** Child: the bare handler (express.json and one canned prediction per row), in BENCH_WORKERS processes. */
function bare(): void {
  const workers = Number(process.env.BENCH_WORKERS ?? 1);
  if (workers > 1 && cluster.isPrimary) {
    for (let i = 0; i < workers; i++) cluster.fork();
    // A process that could not listen (port taken) stops the whole handler, loudly.
    cluster.on('exit', (_worker, code) => {
      if (code !== 0) process.exit(1);
    });
    return;
  }
  // A clean exit on SIGTERM, so that a --cpu-prof profile is written.
  process.on('SIGTERM', () => process.exit(0));
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.post('/predict', (req, res) => {
    const rows = (req.body as { rows: unknown[] }).rows;
    res.json({ predictions: rows.map(() => ({ prediction: 'no', probabilities: { no: 0.8, yes: 0.2 } })) });
  });
  app.get('/healthz', (_req, res) => res.json({ ok: true }));
  listenOrFail(app, Number(process.env.API_PORT), '127.0.0.1').catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}

/** CPU seconds (user + system) used so far by a process and all its descendants (tsx runs the server in a child). */
function treeCpuSeconds(root: number): number {
  const stats: Array<{ pid: number; ppid: number; ticks: number }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) in parentheses: state ppid ... utime(14) stime(15).
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.push({ pid: Number(entry), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The process ended meanwhile.
    }
  }
  const inTree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const st of stats) {
      if (!inTree.has(st.pid) && inTree.has(st.ppid)) {
        inTree.add(st.pid);
        grew = true;
      }
    }
  }
  return stats.filter((st) => inTree.has(st.pid)).reduce((sum, st) => sum + st.ticks, 0) / 100;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The churn pipeline's MLP (hidden 32, 16), trained briefly on its example data and deployed to production. */
async function deployChurnModel(databaseUrl: string): Promise<void> {
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
  const version = await storeAndRegister(
    { db, store },
    { model: 'churn-bench', runId: `bench-${Date.now()}`, modelBytes: result.modelBytes, fitted },
  );
  await promoteAndDeploy({ db }, { model: 'churn-bench', versionId: version.id, actor: 'bench' });
  await db.destroy();
}

interface Server {
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

async function start(args: string[], env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(TSX, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env, API_PORT: String(port), API_HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`${args.join(' ')} did not answer /healthz`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    child,
    port,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
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
  if (process.argv.includes('--bare')) return bare();
  await stackUp((m) => process.stderr.write(`[stack] ${m}\n`));
  const database = await createTestDatabase();
  try {
    await migrateLatest(database.db);
    process.stderr.write('training and registering the churn MLP...\n');
    await deployChurnModel(database.url);
    await ensureUserPrincipal(database.db, 'bench', 'bench');
    const { key } = await createApiKey(database.db, { principal: 'bench', role: 'predictor', createdBy: 'bench' });
    const auth = { authorization: `Bearer ${key}` };
    const api = [join(PROJECT_ROOT, 'api', 'server.ts')];
    const apiEnv = (workers: number, batchRows: number, directRows: number) => ({
      DATABASE_URL: database.url,
      LOG_LEVEL: 'warn',
      PREDICT_RATE_LIMIT_PER_MINUTE: '0',
      PREDICTION_LOG_SAMPLE_RATE: '0',
      API_WORKERS: String(workers),
      PREDICT_BATCH_MAX_ROWS: String(batchRows),
      PREDICT_DIRECT_MAX_ROWS: String(directRows),
    });
    const allScenarios: Array<{ name: string; args: string[]; env: Record<string, string>; bare?: boolean }> = [
      { name: 'bare Express, 1 process', args: [__filename, '--bare'], env: { BENCH_WORKERS: '1' }, bare: true },
      { name: 'API before: 1 process, TF.js forward, no batching', args: api, env: apiEnv(1, 1, 0) },
      { name: 'API: 1 process, TF.js forward + micro-batching', args: api, env: apiEnv(1, 256, 0) },
      { name: 'API: 1 process, direct forward', args: api, env: apiEnv(1, 1, 32) },
      { name: 'API: 1 process, direct forward + micro-batching', args: api, env: apiEnv(1, 256, 32) },
      // Batches no larger than the direct pass takes: a burst of one-row requests never falls back to TF.js.
      { name: 'API: 1 process, direct forward + micro-batching ≤ 32 rows', args: api, env: apiEnv(1, 32, 32) },
      {
        name: `bare Express, ${WORKERS} processes`,
        args: [__filename, '--bare'],
        env: { BENCH_WORKERS: String(WORKERS) },
        bare: true,
      },
      { name: `API: API_WORKERS=${WORKERS}, direct + batching`, args: api, env: apiEnv(WORKERS, 256, 32) },
    ];
    const scenarios = allScenarios.filter((s, i) => i === 0 || !ONLY || ONLY.test(s.name));
    if (PROFILE_DIR) {
      // Node flags before the script: tsx hands them to the node process that runs it (not allowed in NODE_OPTIONS).
      for (const s of scenarios) s.args = ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, ...s.args];
    }
    const body = JSON.stringify({ rows: requestRows(1) });
    const table: Array<Array<string | number>> = [];
    // Every server up first (idle ones cost next to nothing), then rounds that take each in turn: on a shared
    // machine the load drifts, and interleaving spreads the drift over all rows alike. Each row is the median round.
    const servers: Server[] = [];
    try {
      for (const s of scenarios) {
        servers.push(await start(s.args, s.env));
        process.stderr.write(`${s.name}: up\n`);
      }
      // What each server burns with no request at all (timers, pools, the Temporal client's threads).
      const idleBefore = servers.map((server) => treeCpuSeconds(server.child.pid as number));
      await new Promise((r) => setTimeout(r, 3000));
      const idleMsPerSecond = servers.map(
        (server, i) => ((treeCpuSeconds(server.child.pid as number) - (idleBefore[i] as number)) * 1000) / 3,
      );
      for (const [i, s] of scenarios.entries()) {
        process.stderr.write(`${s.name}: ${(idleMsPerSecond[i] as number).toFixed(0)} ms CPU per second idle\n`);
      }
      const results: Array<Array<{ rps: number; p50: number; p99: number; failed: number; cpuUs: number }>> =
        scenarios.map(() => []);
      for (let round = 1; round <= ROUNDS; round++) {
        for (const [i, s] of scenarios.entries()) {
          const port = (servers[i] as Server).port;
          const url = s.bare ? `http://127.0.0.1:${port}/predict` : `http://127.0.0.1:${port}/v1/predict/churn-bench`;
          const headers = s.bare ? {} : auth;
          await load(url, body, headers, 2); // warm-up: model load, JIT, connection pools
          const pid = (servers[i] as Server).child.pid as number;
          const cpuBefore = treeCpuSeconds(pid);
          const r = await load(url, body, headers);
          const cpuSeconds = treeCpuSeconds(pid) - cpuBefore;
          results[i]?.push({
            rps: r.requests.average,
            p50: r.latency.p50,
            p99: r.latency.p99,
            failed: r.non2xx + r.errors + r.timeouts,
            cpuUs: (cpuSeconds * 1e6) / Math.max(1, r.requests.total),
          });
          process.stderr.write(`round ${round}: ${s.name}: ${Math.round(r.requests.average)} req/s\n`);
        }
      }
      const medians = results.map((rs) => ({
        rps: median(rs.map((r) => r.rps)),
        p50: median(rs.map((r) => r.p50)),
        p99: median(rs.map((r) => r.p99)),
        failed: rs.reduce((sum, r) => sum + r.failed, 0),
        cpuUs: median(rs.map((r) => r.cpuUs)),
      }));
      const anchor = medians[0] as (typeof medians)[number];
      const anchorRounds = results[0] as (typeof results)[number];
      for (const [i, s] of scenarios.entries()) {
        const m = medians[i] as (typeof medians)[number];
        // p99 against the bare handler's p99 of the same round (measured minutes apart at most), then the median
        // and range of those ratios: steadier than a ratio of medians when the machine's load drifts between rounds.
        const paired = (results[i] as (typeof results)[number]).map(
          (r, round) => r.p99 / (anchorRounds[round] as (typeof anchorRounds)[number]).p99,
        );
        table.push([
          s.name,
          Math.round(m.rps).toLocaleString('en-US'),
          (m.rps / anchor.rps).toFixed(2),
          m.p50,
          m.p99,
          (m.p99 / anchor.p99).toFixed(2),
          `${median(paired).toFixed(2)} [${Math.min(...paired).toFixed(2)}-${Math.max(...paired).toFixed(2)}]`,
          Math.round(m.cpuUs),
          m.failed,
        ]);
      }
    } finally {
      for (const server of servers) await server.stop();
    }
    console.log(
      `\n${machineLine()}; ${CONNECTIONS} connections, 1 row/request, median of ${ROUNDS} interleaved rounds of ${DURATION_S} s after a 2 s warm-up\n`,
    );
    console.log(
      `load average (1/5/15 min) at the end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' / ')}`,
    );
    console.log("CPU µs/request: the server processes' user + system CPU during a round over the requests it answered");
    printTable(
      [
        'server',
        'requests/s',
        '× bare 1 proc',
        'p50 ms',
        'p99 ms',
        'p99 × bare 1 proc',
        'p99 × bare, per round: median [range]',
        'CPU µs/request',
        'failed',
      ],
      table,
    );
  } finally {
    await database.drop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function requestRows(count: number): Array<Record<string, string>> {
  const records = parse(readFileSync(DATA_FILE, 'utf8'), { columns: true }) as Array<Record<string, string>>;
  // Only the model's inputs: customer_id is not one, and an unknown field is answered 400 (the signature check).
  return records.slice(0, count).map(({ churned: _label, customer_id: _id, ...features }) => features);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
