// Orchestration worker: every workflow plus the light and data activities, on the orchestration task queue.
import { Worker } from '@temporalio/worker';
import { createDataActivities } from '../activities/data';
import { createDeliveryActivities } from '../activities/delivery';
import type { ActivityDeps } from '../activities/deps';
import { createFeatureStoreActivities } from '../activities/featurestore';
import { createLightActivities } from '../activities/light';
import { createMonitorActivities } from '../activities/monitor';
import { createNotifyActivities } from '../activities/notify';
import { createRegistryActivities } from '../activities/registry';
import { runWorkerProcess } from './metrics';
import { ensureSearchAttributes } from './search-attributes';
import { connectWorkerRuntime, createActivityDeps, routeTemporalLogs, workflowSource } from './runtime';

export async function createOrchestrationWorker(deps: ActivityDeps, taskQueue = deps.config.taskQueues.orchestration) {
  // Monitors start retraining runs through the runtime's client.
  const { client, connection, workerOptions, close } = await connectWorkerRuntime(deps.config);
  await ensureSearchAttributes(client, deps.config.temporal.namespace, deps.log);
  const featureStore = createFeatureStoreActivities(deps);
  const worker = await Worker.create({
    ...workerOptions,
    taskQueue,
    ...workflowSource(),
    activities: {
      ...createLightActivities(deps),
      ...createRegistryActivities(deps),
      ...createDataActivities(deps),
      ...createMonitorActivities({ ...deps, client }),
      ...featureStore.activities,
      ...createNotifyActivities(deps),
      ...createDeliveryActivities(deps),
    },
    maxConcurrentActivityTaskExecutions: deps.config.workers.orchestrationActivityConcurrency,
    // Every poller holds a slot while it waits; with fewer pollers than slots, the activities a workflow task
    // schedules on this queue are handed back eagerly in the task's completion (no poll round trip).
    maxConcurrentActivityTaskPolls: deps.config.workers.orchestrationActivityPollers,
  });
  return { worker, connection, close: () => featureStore.close().then(close) };
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
