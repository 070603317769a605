// `npm run demo`: the whole product on embedded defaults, driven through the HTTP API like a user would. Brings the
// stack up, starts both workers and the API, runs the churn pipeline end to end, approves it as the demo approver,
// asks the production model for a prediction, prints where to look, and stops what it started (after Enter when run
// in a terminal, so the Temporal Web UI and the reports can be explored first).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { stackDown, stackUp } from '../infra/stack';
import { choosePort } from '../infra/stack/processes';
import type { ServiceName } from '../infra/stack/state';
import { createApiKey, ensureUserPrincipal, type Role } from '../lib/auth';
import { DATA_DIR, PROJECT_ROOT, loadConfig } from '../lib/config';
import { createDb } from '../lib/db';
import { migrateLatest } from '../infra/migrations';
import { ensureConsoleBuilt } from '../infra/console-build';

const PIPELINE = 'churn';
const MODEL = 'churn-classifier';
const LOG_DIR = join(DATA_DIR, 'logs');

const say = (message: string) => console.log(`\n▶ ${message}`);

function startProcess(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, `demo-${name}.log`);
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, script)], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  console.log(`  ${name}: pid ${child.pid}, log ${logFile}`);
  return child;
}

/** A small HTTP client for the API with one key. */
function apiClient(baseUrl: string, key: string) {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T & { message?: string };
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${json.message ?? JSON.stringify(json)}`);
    return json;
  };
}

async function waitForApi(baseUrl: string, api: ChildProcess): Promise<void> {
  for (let i = 0; i < 240; i += 1) {
    if (api.exitCode !== null) throw new Error(`the API exited (code ${api.exitCode}); see ${LOG_DIR}/demo-api.log`);
    try {
      if ((await fetch(`${baseUrl}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the API did not become ready; see ${LOG_DIR}/demo-api.log`);
}

interface RunView {
  status: string;
  phase: string;
  step: string | null;
  progress: { training?: Record<string, { epochsDone: number; totalEpochs: number }> };
  metrics: Record<string, Record<string, number>>;
  best: string | null;
  modelVersion: { model: string; version: number } | null;
  error: string | null;
  links: Record<string, string>;
}

async function follow(
  get: ReturnType<typeof apiClient>,
  runId: string,
  until: (r: RunView) => boolean,
): Promise<RunView> {
  let last = '';
  for (;;) {
    const run = await get<RunView>('GET', `/v1/runs/${runId}`);
    const training = Object.entries(run.progress.training ?? {})
      .map(([c, p]) => `${c} ${p.epochsDone}/${p.totalEpochs}`)
      .join(', ');
    const line = `  [${run.phase}] ${run.step ?? run.status}${training ? ` (epochs: ${training})` : ''}`;
    if (line !== last) console.log(line);
    last = line;
    if (until(run)) return run;
    if (['failed', 'cancelled', 'rejected', 'gate_failed', 'rolled_back'].includes(run.status)) {
      throw new Error(`run ${runId} ended as ${run.status}: ${run.error ?? ''}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function demoKeys(): Promise<Record<'operator' | 'approver' | 'predictor' | 'admin', string>> {
  const db = createDb({ url: loadConfig().database.url, poolMax: 2 });
  try {
    await migrateLatest(db);
    const make = async (name: string, role: Role) => {
      await ensureUserPrincipal(db, name, 'demo');
      return (await createApiKey(db, { principal: name, role, createdBy: 'demo' })).key;
    };
    // demo-approver is in pipelines/churn.yaml's approvers list.
    return {
      operator: await make('demo-operator', 'operator'),
      approver: await make('demo-approver', 'approver'),
      predictor: await make('demo-predictor', 'predictor'),
      admin: await make('demo-admin', 'admin'),
    };
  } finally {
    await db.destroy();
  }
}

async function main(): Promise<void> {
  process.env.PG_PROVIDER ??= 'embedded';
  say('Bringing up the local stack (Temporal dev server, PostgreSQL, SeaweedFS S3)');
  const started: ServiceName[] = [];
  for (const r of await stackUp((m) => console.log(`  ${m}`))) {
    console.log(`  ${r.service}: ${r.action}`);
    if (r.action === 'started') started.push(r.service);
  }
  say('Building the web console (skipped when its sources are unchanged)');
  console.log(`  ${ensureConsoleBuilt((m) => console.log(`  ${m}`))}`);
  const config = loadConfig();
  const port = await choosePort(8080, new Set());
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = { ...process.env, API_PORT: String(port), API_PUBLIC_URL: baseUrl, LOG_PRETTY: 'true' };
  const children: ChildProcess[] = [];
  try {
    say('Starting the orchestration worker, the training worker and the API');
    children.push(startProcess('orchestration', 'workers/orchestration.ts', env));
    children.push(startProcess('training', 'workers/training.ts', env));
    const api = startProcess('api', 'api/server.ts', env);
    children.push(api);
    const keys = await demoKeys();
    await waitForApi(baseUrl, api);
    console.log(`  API ready at ${baseUrl} (OpenAPI: ${baseUrl}/openapi.json)`);
    const operator = apiClient(baseUrl, keys.operator);

    say(`Starting pipeline "${PIPELINE}": POST /v1/pipelines/${PIPELINE}/runs`);
    const { runId } = await operator<{ runId: string }>('POST', `/v1/pipelines/${PIPELINE}/runs`, { params: {} });
    console.log(`  run ${runId}`);
    const waiting = await follow(operator, runId, (r) => r.status === 'waiting_approval');
    for (const [candidate, metrics] of Object.entries(waiting.metrics)) {
      console.log(
        `  ${candidate}: ${Object.entries(metrics)
          .map(([k, v]) => `${k}=${v.toFixed(3)}`)
          .join(' ')}`,
      );
    }
    console.log(
      `  best: ${waiting.best}; ${waiting.modelVersion?.model} v${waiting.modelVersion?.version} is in staging, waiting for approval`,
    );

    say('Approving as demo-approver: POST /v1/runs/{id}/approve');
    const approver = apiClient(baseUrl, keys.approver);
    await approver('POST', `/v1/runs/${runId}/approve`, { reason: 'demo: metrics meet the gate' });
    const done = await follow(operator, runId, (r) => r.status === 'succeeded');

    say(`Asking the production model: POST /v1/predict/${MODEL}`);
    const predictor = apiClient(baseUrl, keys.predictor);
    const row = {
      tenure_months: 3,
      monthly_charges: 99.5,
      contract: 'month-to-month',
      support_calls: 4,
      has_internet: true,
      region: 'north',
      signup_date: '2024-11-02',
    };
    const answer = await predictor<{ version: number; predictions: unknown[] }>('POST', `/v1/predict/${MODEL}`, {
      rows: [row],
    });
    console.log(`  input: ${JSON.stringify(row)}`);
    console.log(`  production v${answer.version} says: ${JSON.stringify(answer.predictions[0])}`);

    say('Where to look');
    console.log(`  Web console:      ${baseUrl}/ui/`);
    console.log(`    sign in as demo-approver (approve, roll back): ${keys.approver}`);
    console.log(`    or as demo-admin (also notification channels and keys): ${keys.admin}`);
    console.log(`  Temporal Web UI (this run): ${done.links.temporalUi ?? config.temporal.uiUrl}`);
    console.log(`  Run (API):        ${baseUrl}/v1/runs/${runId}`);
    console.log(`  Run report:       ${baseUrl}/v1/runs/${runId}/report.html  (also .xlsx, .csv)`);
    console.log(`  Monitoring:       ${baseUrl}/v1/models/${MODEL}/monitoring`);
    console.log(`  CLI:              MLOPS_API_URL=${baseUrl} MLOPS_API_KEY=${keys.operator} npm run mlops -- list`);
    console.log(`  Logs:             ${LOG_DIR}`);
    if (process.stdin.isTTY) {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      await rl.question(
        '\nPress Enter to stop the API, the workers and the stack (history persists for the next `npm run stack -- up`)... ',
      );
      rl.close();
    }
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once('exit', resolve)))),
    );
    const stopped = await stackDown(() => undefined, started);
    if (stopped.length) console.log(`\nStopped: the API, both workers, ${stopped.join(', ')}`);
  }
}

main().catch((err: unknown) => {
  console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
