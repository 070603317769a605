import { createServer, type Server } from 'node:http';
import type { Worker } from '@temporalio/worker';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { ActivityDeps } from '../activities/deps';
import { memoryLimitBytes, startResourceMonitor } from '../lib/observability/resources';

/**
 * A worker's /metrics endpoint (Prometheus): process CPU and memory, activity and workflow slots in use, database
 * and artifact-store sizes, with warnings logged when a configured limit is near.
 */
export function serveWorkerMetrics(input: {
  deps: ActivityDeps;
  worker: Worker;
  role: 'orchestration' | 'training';
  activitySlots: number;
  defaultPort: number;
}): { close(): Promise<void> } {
  const { deps, worker } = input;
  const registry = new Registry();
  registry.setDefaultLabels({ worker: input.role });
  collectDefaultMetrics({ register: registry });
  const monitor = startResourceMonitor({
    registry,
    log: deps.log,
    // Size checks run once per deployment, from the orchestration worker.
    db: input.role === 'orchestration' ? deps.db : undefined,
    store: input.role === 'orchestration' ? deps.store : undefined,
    slots: () => {
      const status = worker.getStatus();
      return [{ kind: 'activity', used: status.numInFlightActivities, capacity: input.activitySlots }];
    },
    limits: {
      memoryBytes: memoryLimitBytes(deps.config.resources.memoryLimitMb),
      dbBytes: deps.config.resources.dbSizeLimitMb * 1024 * 1024,
      storeBytes: deps.config.resources.storeSizeLimitMb * 1024 * 1024,
    },
    warnRatio: deps.config.resources.warnRatio,
  });
  const port = deps.config.workers.metricsPort ?? input.defaultPort;
  let server: Server | undefined;
  if (port > 0) {
    server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      registry
        .metrics()
        .then((body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body))
        .catch(() => res.writeHead(500).end());
    });
    server.on('error', (err) => deps.log.warn({ err, port }, 'worker metrics endpoint unavailable (port in use?)'));
    server.listen(port, '127.0.0.1', () =>
      deps.log.info({ port }, `worker metrics on http://127.0.0.1:${port}/metrics`),
    );
  }
  return {
    async close() {
      monitor.stop();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}

/**
 * The life of a worker process: metrics endpoint up, run until SIGINT/SIGTERM (Worker.run then finishes the tasks
 * in flight: a graceful shutdown), then close everything in order.
 */
export async function runWorkerProcess(input: {
  deps: ActivityDeps;
  worker: Worker;
  role: 'orchestration' | 'training';
  activitySlots: number;
  defaultPort: number;
  close(): Promise<void>;
  started: Record<string, unknown>;
}): Promise<void> {
  const metrics = serveWorkerMetrics(input);
  input.deps.log.info(input.started, `${input.role} worker started`);
  await input.worker.run();
  await metrics.close();
  await input.close();
  await input.deps.db.destroy();
}
