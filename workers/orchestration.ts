// Orchestration worker: every workflow plus the light and data activities, on the orchestration task queue.
import { Worker } from '@temporalio/worker';
import { createDataActivities } from '../activities/data';
import type { ActivityDeps } from '../activities/deps';
import { createLightActivities } from '../activities/light';
import { createMonitorActivities } from '../activities/monitor';
import { createRegistryActivities } from '../activities/registry';
import { dataConverterFor } from '../infra/codec';
import { connectClient, connectWorker } from '../infra/temporal-connection';
import { runWorkerProcess } from './metrics';
import { createActivityDeps, routeTemporalLogs, workflowSource } from './runtime';

export async function createOrchestrationWorker(deps: ActivityDeps, taskQueue = deps.config.taskQueues.orchestration) {
  const connection = await connectWorker(deps.config.temporal);
  // Monitors start retraining runs through this client.
  const client = await connectClient(deps.config.temporal);
  const worker = await Worker.create({
    connection,
    namespace: deps.config.temporal.namespace,
    taskQueue,
    // Encrypts every payload when PAYLOAD_ENCRYPTION_KEYS is set (the API and CLI use the same converter).
    dataConverter: dataConverterFor(deps.config.temporal),
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
  await runWorkerProcess({
    deps,
    worker,
    close,
    role: 'orchestration',
    activitySlots: deps.config.workers.orchestrationActivityConcurrency,
    defaultPort: 9464,
    started: { taskQueue: deps.config.taskQueues.orchestration },
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
