import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../lib/logging';

/** A worker that dies this many times within RESTART_WINDOW_MS is not restarted again: the primary gives up. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

/** Environment variable carrying a worker's number (1..N) into its process, for logs and the response header. */
export const API_WORKER_ENV = 'MLOPS_API_WORKER';

/** This process's API worker number, or undefined when the API runs as one process. */
export function apiWorkerNumber(): number | undefined {
  const value = process.env[API_WORKER_ENV];
  return cluster.isWorker && value ? Number(value) : undefined;
}

/**
 * The primary of `API_WORKERS=N` (node:cluster): forks N API processes that share the listening port (the primary
 * hands out connections round-robin) and each load their own models and listen for deployment changes, so a hot
 * swap reaches every process. A worker that fails before the API is up stops the whole API with its error (a taken
 * port must fail loudly, not respawn forever); one that dies later is restarted. SIGTERM/SIGINT are passed on, and
 * the primary exits when every worker has finished its requests in flight.
 */
export function runApiPrimary(args: { workers: number; log: Logger; graceMs: number }): void {
  const { log } = args;
  const numberOf = new Map<Worker, number>();
  const restarts: number[] = [];
  let listening = 0;
  let started = false;
  let stopping = false;
  let exitCode = 0;

  const fork = (n: number) => {
    const worker = cluster.fork({ [API_WORKER_ENV]: String(n) });
    numberOf.set(worker, n);
    worker.once('listening', () => {
      listening += 1;
      if (!started && listening === args.workers) {
        started = true;
        log.info({ workers: args.workers }, 'API processes listening');
      }
    });
  };

  const stopAll = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const worker of numberOf.keys()) worker.process.kill(signal);
    const force = setTimeout(() => {
      log.error('API processes still running after the grace period; exiting');
      process.exit(1);
    }, args.graceMs + 2_000);
    force.unref();
  };

  cluster.on('exit', (worker, code, signal) => {
    const n = numberOf.get(worker) ?? 0;
    numberOf.delete(worker);
    if (code !== 0) exitCode = 1;
    if (stopping || !started) {
      if (!stopping) {
        log.error({ worker: n, code, signal }, 'an API process failed while starting: stopping the API');
        stopAll('SIGTERM');
      }
      if (numberOf.size === 0) process.exit(started ? exitCode : 1);
      return;
    }
    const now = Date.now();
    restarts.push(now);
    while ((restarts[0] as number) < now - RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length > MAX_RESTARTS) {
      log.error({ worker: n, code, signal }, `API processes died ${restarts.length} times within a minute: stopping`);
      stopAll('SIGTERM');
      return;
    }
    log.error({ worker: n, code, signal }, 'an API process died: starting a new one');
    fork(n);
  });

  process.on('SIGTERM', () => stopAll('SIGTERM'));
  process.on('SIGINT', () => stopAll('SIGTERM'));
  for (let n = 1; n <= args.workers; n++) fork(n);
}
