// One ETL stage of bench/etl-scale.ts in a process of its own, so that its peak RSS is its own: the real data
// activity (createDataActivities) runs inside MockActivityEnvironment, which gives it a heartbeating activity context.
import { fork } from 'node:child_process';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createDataActivities } from '../../activities/data';
import { loadConfig } from '../../lib/config';
import { createDb } from '../../lib/db';
import { createLogger } from '../../lib/logging';
import { createArtifactStore } from '../../lib/store';

export const STAGES = ['ingestRawData', 'validateDataset', 'fitFeatures', 'buildAnalyticBaseTable'] as const;
export type Stage = (typeof STAGES)[number];

export interface StageRequest {
  stage: Stage;
  runId: string;
  databaseUrl: string;
  input: Record<string, unknown>;
}

export interface StageResult {
  output: Record<string, unknown>;
  seconds: number;
  /** RSS right before the stage began (Node, tsx and the loaded modules). */
  startRss: number;
  /** Peak RSS while it ran: 100 ms samples and the kernel's high-water mark, whichever is larger. */
  peakRss: number;
}

function sampleRss(intervalMs = 100) {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), intervalMs);
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  };
}

async function runStage(request: StageRequest): Promise<StageResult> {
  const config = loadConfig({ ...process.env, DATABASE_URL: request.databaseUrl, LOG_LEVEL: 'warn' });
  const db = createDb({ url: request.databaseUrl, poolMax: 4, applicationName: `etl-scale-${request.stage}` });
  const store = createArtifactStore(config.artifacts);
  const log = createLogger({ name: 'etl-scale', level: 'warn' });
  const activities = createDataActivities({ db, store, log, config, codeVersion: 'bench' });
  const env = new MockActivityEnvironment({
    activityType: request.stage,
    workflowExecution: { workflowId: request.runId, runId: 'etl-scale' },
    attempt: 1,
  });
  try {
    const startRss = process.memoryUsage().rss;
    const stop = sampleRss();
    const started = performance.now();
    // The parent chains the stages, so inputs and outputs cross the process boundary as plain JSON.
    const run = activities[request.stage] as unknown as (input: unknown) => Promise<Record<string, unknown>>;
    const output: Record<string, unknown> = await env.run(run, request.input);
    const seconds = (performance.now() - started) / 1000;
    return { output, seconds, startRss, peakRss: stop() };
  } finally {
    await db.destroy();
  }
}

/** Runs a stage in a forked child (same tsx loader and environment, so the same private stack). */
export function stageInChild(request: StageRequest): Promise<StageResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--etl-stage'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (message) => {
      const reply = message as { result?: StageResult; error?: string };
      if (reply.result) resolve(reply.result);
      else reject(new Error(`${request.stage} failed: ${reply.error}`));
    });
    child.once('exit', (code) => code !== 0 && reject(new Error(`${request.stage} exited with ${code}`)));
    child.send(request);
  });
}

if (process.argv.includes('--etl-stage')) {
  process.once('message', (request: StageRequest) => {
    runStage(request).then(
      (result) => process.send?.({ result }, () => process.exit(0)),
      (err: unknown) =>
        process.send?.({ error: err instanceof Error ? err.message : String(err) }, () => process.exit(1)),
    );
  });
}
