// Orchestration worker: every workflow plus the light and data activities, on the orchestration task queue.
import { Worker } from '@temporalio/worker';
import { createDataActivities } from '../activities/data';
import type { ActivityDeps } from '../activities/deps';
import { createLightActivities } from '../activities/light';
import { createMonitorActivities } from '../activities/monitor';
import { createRegistryActivities } from '../activities/registry';
import { connectClient, connectWorker } from '../infra/temporal-connection';
import { serveWorkerMetrics } from './metrics';
import { createActivityDeps, routeTemporalLogs, workflowSource } from './runtime';

export async function createOrchestrationWorker(deps: ActivityDeps, taskQueue = deps.config.taskQueues.orchestration) {
  const connection = await connectWorker(deps.config.temporal);
  // Monitors start retraining runs through this client.
  const client = await connectClient(deps.config.temporal);
  const worker = await Worker.create({
    connection,
    namespace: deps.config.temporal.namespace,
    taskQueue,
    ...workflowSource(),
    activities: {
      ...createLightActivities(deps),
      ...createRegistryActivities(deps),
      ...createDataActivities(deps),
      ...createMonitorActivities({ ...deps, client }),
    },
    maxConcurrentActivityTaskExecutions: deps.config.workers.orchestrationActivityConcurrency,
  });
  return {
    worker,
    connection,
    async close() {
      await client.connection.close();
      await connection.close();
    },
  };
}

async function main(): Promise<void> {
  const deps = await createActivityDeps('worker-orchestration');
  routeTemporalLogs(deps.log);
  const { worker, close } = await createOrchestrationWorker(deps);
  const metrics = serveWorkerMetrics({
    deps,
    worker,
    role: 'orchestration',
    activitySlots: deps.config.workers.orchestrationActivityConcurrency,
    defaultPort: 9464,
  });
  deps.log.info({ taskQueue: deps.config.taskQueues.orchestration }, 'orchestration worker started');
  // Worker.run resolves after SIGINT/SIGTERM once in-flight tasks finish (graceful shutdown).
  await worker.run();
  await metrics.close();
  await close();
  await deps.db.destroy();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
