import { Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import { startResourceMonitor, type SlotUsage } from '../../../lib/observability/resources';

function capturingLogger() {
  const lines: Array<{ level: number; msg: string; resource?: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

async function gaugeValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values as Array<{ labels: Record<string, string>; value: number }> | undefined)?.find((v) =>
    Object.entries(labels).every(([k, val]) => v.labels[k] === val),
  )?.value;
}

describe('resource monitor', () => {
  it('exports usage and limits, warns once when a resource crosses the ratio, and once when it recovers', async () => {
    const { log, lines } = capturingLogger();
    const registry = new Registry();
    let slots: SlotUsage[] = [{ kind: 'activity', used: 1, capacity: 10 }];
    const monitor = startResourceMonitor({
      registry,
      log,
      slots: () => slots,
      limits: { memoryBytes: 64 * 1024 ** 3, dbBytes: 1, storeBytes: 1 },
      warnRatio: 0.8,
      intervalMs: 3_600_000,
    });
    await monitor.check();
    expect(await gaugeValue(registry, 'mlops_resource_usage', { resource: 'activity_slots' })).toBe(1);
    expect(await gaugeValue(registry, 'mlops_resource_limit', { resource: 'activity_slots' })).toBe(10);
    expect(await gaugeValue(registry, 'mlops_resource_warning', { resource: 'activity_slots' })).toBe(0);

    slots = [{ kind: 'activity', used: 9, capacity: 10 }];
    await monitor.check();
    await monitor.check();
    expect(await gaugeValue(registry, 'mlops_resource_warning', { resource: 'activity_slots' })).toBe(1);
    const warnings = lines.filter((l) => l.level === 40 && l.resource === 'activity_slots');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toBe('activity_slots is at 90% of its limit');

    slots = [{ kind: 'activity', used: 2, capacity: 10 }];
    await monitor.check();
    expect(lines.filter((l) => l.level === 30 && l.resource === 'activity_slots')).toHaveLength(1);
    expect(await gaugeValue(registry, 'mlops_resource_warning', { resource: 'activity_slots' })).toBe(0);
    const memory = await gaugeValue(registry, 'mlops_resource_usage', { resource: 'memory' });
    expect(memory).toBeGreaterThan(10 * 1024 * 1024);
    monitor.stop();
  });
});
