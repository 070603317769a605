// Training worker: TensorFlow.js activities on the training task queue. The same file serves GPU hosts: install
// @tensorflow/tfjs-node-gpu there and set TASK_QUEUE_TRAINING=training-gpu (see README).
import { Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/deps';
import { createBatchActivities } from '../activities/batch';
import { createTrainingActivities } from '../activities/training';
import { loadScaleConfig } from '../lib/config/scale';
import { initTfBackend } from '../lib/ml';
import { runWorkerProcess } from './metrics';
import { connectWorkerRuntime, createActivityDeps, routeTemporalLogs } from './runtime';

export async function createTrainingWorker(deps: ActivityDeps, taskQueue = deps.config.taskQueues.training) {
  const backend = await initTfBackend({
    preferred: deps.config.tfjsBackend === 'auto' ? undefined : deps.config.tfjsBackend,
  });
  // Activities signal training progress (epochs) to their workflow through the runtime's client.
  const { client, workerOptions, close } = await connectWorkerRuntime(deps.config);
  const scale = loadScaleConfig();
  const worker = await Worker.create({
    ...workerOptions,
    taskQueue,
    activities: {
      ...createTrainingActivities({
        ...deps,
        client,
        backend,
        trainingThreads: scale.training.threads,
        trainingData: { memoryBudgetBytes: scale.training.memoryBudgetBytes, cacheDir: scale.training.cacheDir },
      }),
      ...createBatchActivities(deps),
    },
    maxConcurrentActivityTaskExecutions: deps.config.workers.trainingConcurrency,
  });
  return { worker, backend, close };
}

async function main(): Promise<void> {
  const deps = await createActivityDeps('worker-training');
  routeTemporalLogs(deps.log);
  const { worker, backend, close } = await createTrainingWorker(deps);
  await runWorkerProcess({
    deps,
    worker,
    close,
    role: 'training',
    activitySlots: deps.config.workers.trainingConcurrency,
    defaultPort: 9465,
    started: { taskQueue: deps.config.taskQueues.training, backend },
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
