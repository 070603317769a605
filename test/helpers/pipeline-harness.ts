import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities/deps';
import { prepareMetadataStore } from '../../infra/metadata-setup';
import { connectClient } from '../../infra/temporal-connection';
import { PROJECT_ROOT, loadConfig, type AppConfig } from '../../lib/config';
import { createLogger } from '../../lib/logging';
import { createArtifactStore } from '../../lib/store';
import { createOrchestrationWorker } from '../../workers/orchestration';
import { createTrainingWorker } from '../../workers/training';
import { statusQuery, type ApprovalResult, type PipelineStatus } from '../../workflows/pipeline/messages';
import { decideAsApi } from './approvals';
import { applyVariant } from './specs';
import { mlPipeline, type PipelineInput } from '../../workflows/pipeline/workflow';
import { createTestDatabase, type TestDatabase } from './db';

export { FAST_CHURN_CANDIDATES } from './fast-candidates';

export interface PipelineHarness {
  config: AppConfig;
  env: NodeJS.ProcessEnv;
  deps: ActivityDeps;
  database: TestDatabase;
  client: Client;
  /**
   * Applies a variant of an example spec (pipelines/<base>.yaml with `overrides` merged in) to the suite's database
   * as pipeline `name`, and returns the name. Tests are trusted: a run itself can only set declared parameters.
   */
  variant(name: string, overrides: Record<string, unknown>, base?: string): Promise<string>;
  start(input: PipelineInput, workflowId?: string): Promise<WorkflowHandle<typeof mlPipeline>>;
  /** Approves or rejects as `by`, signed with the stack's approval key as the API would. */
  decide(
    handle: WorkflowHandle<typeof mlPipeline>,
    decision: 'approved' | 'rejected',
    by: string,
    reason: string,
  ): Promise<ApprovalResult>;
  waitForStatus(
    handle: WorkflowHandle<typeof mlPipeline>,
    done: (s: PipelineStatus) => boolean,
    timeoutMs?: number,
  ): Promise<PipelineStatus>;
  /** A training worker in its own process (so a test can SIGKILL it), with the harness's queues and database. */
  spawnTrainingWorker(logName: string): ChildProcess;
  /** An orchestration worker (workflows and data steps) in its own process, likewise. */
  spawnOrchestrationWorker(logName: string): ChildProcess;
  stop(): Promise<void>;
}

/**
 * The real stack with an isolated database and task queues: the orchestration and training workers in this process,
 * unless `orchestrationInProcess` / `trainingInProcess` is false (crash tests run them as child processes).
 */
export async function startPipelineHarness(
  options: { trainingInProcess?: boolean; orchestrationInProcess?: boolean } = {},
): Promise<PipelineHarness> {
  const database = await createTestDatabase();
  const suffix = randomUUID().slice(0, 8);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database.url,
    DATA_SOURCE_DATABASE_URL: database.readerUrl ?? '',
    // Suites write their bad inputs under the OS temp folder.
    DATA_FILE_ROOTS: [join(PROJECT_ROOT, 'pipelines'), tmpdir()].join(','),
    TASK_QUEUE_ORCHESTRATION: `test-orch-${suffix}`,
    TASK_QUEUE_TRAINING: `test-train-${suffix}`,
    // Failing steps are expected in these suites: their error logs would drown the test output (TEST_LOG_LEVEL=info).
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    TFJS_BACKEND: 'wasm',
    // Child workers of parallel suites must not fight over the default metrics ports.
    WORKER_METRICS_PORT: '0',
  };
  const config = loadConfig(env);
  const deps: ActivityDeps = {
    db: database.db,
    store: createArtifactStore(config.artifacts),
    log: createLogger({ name: 'test-worker', level: config.logLevel }),
    config,
    codeVersion: 'test',
  };
  await deps.store.ensureReady();
  await prepareMetadataStore(database.db, config, deps.log);
  const client = await connectClient(config.temporal);
  const running: Array<{ worker: Worker; done: Promise<void> }> = [];
  const closers: Array<() => Promise<void>> = [];
  const run = (worker: Worker) => running.push({ worker, done: worker.run() });

  if (options.orchestrationInProcess !== false) {
    const orchestration = await createOrchestrationWorker(deps);
    run(orchestration.worker);
    closers.push(orchestration.close);
  }
  if (options.trainingInProcess !== false) {
    const training = await createTrainingWorker(deps);
    run(training.worker);
    closers.push(training.close);
  }
  const children: ChildProcess[] = [];
  const spawnWorker = (entry: 'training' | 'orchestration', logName: string): ChildProcess => {
    const logDir = join(PROJECT_ROOT, '.data', 'logs');
    mkdirSync(logDir, { recursive: true });
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'workers', `${entry}.ts`)], {
      cwd: PROJECT_ROOT,
      env: { ...env, MLOPS_CODE_VERSION: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => chunks.push(c));
    child.stderr?.on('data', (c: Buffer) => chunks.push(c));
    child.on('exit', () => writeFileSync(join(logDir, `${logName}.log`), Buffer.concat(chunks)));
    children.push(child);
    return child;
  };

  return {
    config,
    env,
    deps,
    database,
    client,
    variant: (name, overrides, base) => applyVariant(database.db, name, overrides, base),
    start: (input, workflowId = `test-${input.pipeline}-${randomUUID().slice(0, 8)}`) =>
      client.workflow.start(mlPipeline, { taskQueue: config.taskQueues.orchestration, workflowId, args: [input] }),
    decide: (handle, decision, by, reason) => decideAsApi(config, handle, decision, by, reason),
    async waitForStatus(handle, done, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const status = await handle.query(statusQuery);
        if (done(status)) return status;
        if (['failed', 'cancelled', 'succeeded', 'rejected', 'gate_failed'].includes(status.status)) {
          throw new Error(
            `run ended as ${status.status} (${status.error ?? status.step}) before the awaited state; ` +
              `candidate metrics: ${JSON.stringify(status.metrics)}`,
          );
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting; last status ${JSON.stringify(status)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    spawnTrainingWorker: (logName) => spawnWorker('training', logName),
    spawnOrchestrationWorker: (logName) => spawnWorker('orchestration', logName),
    async stop() {
      // Monitors outlive their runs by design (ABANDON); a test's must not outlive the test.
      const query = `TaskQueue="${config.taskQueues.orchestration}" AND ExecutionStatus="Running"`;
      for await (const execution of client.workflow.list({ query })) {
        await client.workflow
          .getHandle(execution.workflowId)
          .terminate('test finished')
          .catch(() => undefined);
      }
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      for (const { worker } of running) worker.shutdown();
      await Promise.all(running.map((r) => r.done));
      for (const close of closers) await close();
      await client.connection.close();
      await database.drop();
    },
  };
}
