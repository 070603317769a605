// `npm run demo`: the whole product on embedded defaults. Brings the stack up, starts both workers, runs the
// churn pipeline end to end, approves it as the demo user, asks the production model for a prediction, prints
// where to look, and stops what it started (after Enter when run in a terminal, so the UI can be explored).
import { spawn, type ChildProcess } from 'node:child_process';
import type { WorkflowHandle } from '@temporalio/client';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { stackDown, stackUp } from '../infra/stack';
import type { ServiceName } from '../infra/stack/state';
import { connectClient } from '../infra/temporal-connection';
import { DATA_DIR, PROJECT_ROOT, loadConfig } from '../lib/config';
import { createDb } from '../lib/db';
import { createLogger } from '../lib/logging';
import { createArtifactStore } from '../lib/store';
import { createModelServer } from '../lib/serving/model-server';
import { approveUpdate, statusQuery } from '../workflows/pipeline/messages';
import { mlPipeline } from '../workflows/pipeline/workflow';

const PIPELINE = 'churn';
const APPROVER = 'demo-approver';

function say(message: string): void {
  console.log(`\n▶ ${message}`);
}

function startWorker(name: string): ChildProcess {
  const logFile = join(DATA_DIR, 'logs', `demo-${name}.log`);
  mkdirSync(join(DATA_DIR, 'logs'), { recursive: true });
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'workers', `${name}.ts`)], {
    cwd: PROJECT_ROOT,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  console.log(`  ${name} worker: pid ${child.pid}, log ${logFile}`);
  return child;
}

async function waitUntilWaiting(handle: WorkflowHandle<typeof mlPipeline>) {
  let lastLine = '';
  for (;;) {
    const status = await handle.query(statusQuery);
    const training = Object.values(status.progress.training)
      .map((p) => `${p.candidate} ${p.epochsDone}/${p.totalEpochs}`)
      .join(', ');
    const line = `  [${status.phase}] ${status.step}${training ? ` (epochs: ${training})` : ''}`;
    if (line !== lastLine) console.log(line);
    lastLine = line;
    if (status.status !== 'running') return status;
    await new Promise((r) => setTimeout(r, 1000));
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
  const config = loadConfig();
  const workers: ChildProcess[] = [];
  const client = await connectClient(config.temporal);
  try {
    say('Starting the orchestration and training workers');
    workers.push(startWorker('orchestration'), startWorker('training'));

    const runId = `${PIPELINE}-demo-${new Date()
      .toISOString()
      .replace(/[-:.TZ]/g, '')
      .slice(0, 14)}`;
    say(`Starting pipeline "${PIPELINE}" as run ${runId}`);
    const handle = await client.workflow.start(mlPipeline, {
      taskQueue: config.taskQueues.orchestration,
      workflowId: runId,
      args: [{ pipeline: PIPELINE, trigger: { kind: 'manual', by: 'demo' } }],
    });
    const status = await waitUntilWaiting(handle);
    if (status.status !== 'waiting_approval')
      throw new Error(`The run ended early: ${status.status} ${status.error ?? ''}`);
    for (const [candidate, metrics] of Object.entries(status.metrics)) {
      console.log(
        `  ${candidate}: ${Object.entries(metrics)
          .map(([k, v]) => `${k}=${v.toFixed(3)}`)
          .join(' ')}`,
      );
    }
    console.log(
      `  best: ${status.best}; registered ${status.modelVersion?.model} v${status.modelVersion?.version} in staging`,
    );

    say(`Approving as ${APPROVER}`);
    await handle.executeUpdate(approveUpdate, { args: [{ by: APPROVER, reason: 'demo: metrics meet the gate' }] });
    const result = await handle.result();
    console.log(`  ${result.outcome}: ${result.message}`);

    say('Asking the production model for a prediction');
    const db = createDb({ url: config.database.url });
    const server = createModelServer({
      db,
      store: createArtifactStore(config.artifacts),
      log: createLogger({ name: 'demo', level: 'warn' }),
    });
    const row = {
      customer_id: 'C-NEW',
      tenure_months: 3,
      monthly_charges: 99.5,
      contract: 'month-to-month',
      support_calls: 4,
      has_internet: true,
      region: 'north',
      signup_date: '2024-11-02',
    };
    const prediction = await server.predict({ model: result.model ?? PIPELINE, slot: 'production', rows: [row] });
    console.log(`  input: ${JSON.stringify(row)}`);
    console.log(`  production v${prediction.version} says: ${JSON.stringify(prediction.predictions[0])}`);
    await server.close();
    await db.destroy();

    say('Where to look');
    console.log(
      `  Temporal Web UI (this run): ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${runId}`,
    );
    console.log(`  Run report: ${status.artifacts.reportJson}`);
    console.log(`  Worker logs: ${join(DATA_DIR, 'logs')}`);
    if (process.stdin.isTTY) {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      await rl.question(
        '\nPress Enter to stop the workers and the stack (history persists for the next `npm run stack -- up`)... ',
      );
      rl.close();
    }
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await client.connection.close();
    const stopped = await stackDown(() => undefined, started);
    if (stopped.length) console.log(`\nStopped: ${stopped.join(', ')}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
