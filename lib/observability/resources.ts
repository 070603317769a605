import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../db';
import type { Logger } from '../logging';
import type { ArtifactStore } from '../store';

export interface SlotUsage {
  kind: 'activity' | 'workflow';
  used: number;
  capacity: number;
}

export interface ResourceMonitorOptions {
  registry: Registry;
  log: Logger;
  db?: Db;
  store?: ArtifactStore;
  /** Worker slots in use (activities, workflow tasks) and their configured maximum. */
  slots?: () => SlotUsage[];
  limits: { memoryBytes?: number; dbBytes: number; storeBytes: number };
  warnRatio: number;
  intervalMs?: number;
  /** Listing a bucket costs more than a query: the store is measured less often. */
  storeIntervalMs?: number;
}

/** The container's memory limit (cgroup v2, then v1), else the machine's memory. */
export function memoryLimitBytes(configuredMb?: number): number {
  if (configuredMb) return configuredMb * 1024 * 1024;
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const value = Number(readFileSync(file, 'utf8').trim());
      // "max" (NaN) or an absurd v1 value means no limit.
      if (Number.isFinite(value) && value > 0 && value < totalmem() * 4) return value;
    } catch {
      // Not in a cgroup that exposes it.
    }
  }
  return totalmem();
}

/**
 * Periodically measures process memory, worker slots, database and artifact-store sizes as Prometheus gauges, and
 * logs a warning when one crosses warnRatio of its limit (and once more when it recovers), so operators hear about
 * a filling disk or an exhausted slot pool before runs fail.
 */
export function startResourceMonitor(options: ResourceMonitorOptions): { stop(): void; check(): Promise<void> } {
  const { registry, log, warnRatio } = options;
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const usage = gauge('mlops_resource_usage', 'Current usage of a watched resource', ['resource', 'unit']);
  const limit = gauge('mlops_resource_limit', 'Configured or detected limit of a watched resource', [
    'resource',
    'unit',
  ]);
  const warning = gauge('mlops_resource_warning', '1 while a resource is above its warning ratio', ['resource']);
  const warned = new Set<string>();

  const observe = (resource: string, unit: string, value: number, max: number) => {
    usage.set({ resource, unit }, value);
    limit.set({ resource, unit }, max);
    const high = max > 0 && value >= max * warnRatio;
    warning.set({ resource }, high ? 1 : 0);
    if (high && !warned.has(resource)) {
      warned.add(resource);
      log.warn(
        { resource, value, limit: max, ratio: value / max },
        `${resource} is at ${Math.round((value / max) * 100)}% of its limit`,
      );
    } else if (!high && warned.delete(resource)) {
      log.info(
        { resource, value, limit: max },
        `${resource} is back below ${Math.round(warnRatio * 100)}% of its limit`,
      );
    }
  };

  const memory = options.limits.memoryBytes ?? memoryLimitBytes();
  async function check(): Promise<void> {
    observe('memory', 'bytes', process.memoryUsage().rss, memory);
    for (const slot of options.slots?.() ?? []) observe(`${slot.kind}_slots`, 'slots', slot.used, slot.capacity);
    if (options.db) {
      const { rows } = (await options.db.raw('select pg_database_size(current_database()) as bytes')) as {
        rows: Array<{ bytes: number }>;
      };
      observe('database', 'bytes', Number(rows[0]?.bytes ?? 0), options.limits.dbBytes);
    }
  }
  let lastStoreCheck = 0;
  async function checkStore(): Promise<void> {
    if (!options.store || Date.now() - lastStoreCheck < (options.storeIntervalMs ?? 300_000)) return;
    lastStoreCheck = Date.now();
    const { bytes } = await options.store.usage();
    observe('artifact_store', 'bytes', bytes, options.limits.storeBytes);
  }
  const tick = () =>
    Promise.all([check(), checkStore()]).catch((err: unknown) => log.warn({ err }, 'resource check failed'));
  void tick();
  const timer = setInterval(() => void tick(), options.intervalMs ?? 30_000);
  timer.unref();
  return { stop: () => clearInterval(timer), check };
}
