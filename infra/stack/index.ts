import { isAlive, logTail, waitFor } from './processes';
import { postgresService } from './postgres';
import { s3Service } from './s3';
import type { StackService } from './service';
import { readState, withStackLock, writeState, type ServiceName, type ServiceState, type StackState } from './state';
import { temporalService } from './temporal';

export type { ServiceState, StackState } from './state';

export const SERVICES: StackService[] = [postgresService, s3Service, temporalService];

export class ServiceStartError extends Error {
  constructor(service: ServiceName, reason: string, tail: string) {
    super(`${service} failed to start: ${reason}\n--- last lines of its log ---\n${tail}`);
    this.name = 'ServiceStartError';
  }
}

export interface UpResult {
  service: ServiceName;
  action: 'started' | 'reused' | 'external';
  state: ServiceState;
}

async function healthy(service: StackService, state: ServiceState): Promise<boolean> {
  try {
    await service.check(state);
    return true;
  } catch {
    return false;
  }
}

async function upOne(service: StackService, stack: StackState, taken: Set<number>, log: (m: string) => void) {
  const external = service.external();
  if (external) {
    await waitFor(`${service.name} at ${Object.values(external.urls)[0]}`, () => service.check(external), {
      timeoutMs: 15_000,
    });
    await service.provision(external);
    return { service: service.name, action: 'external' as const, state: external };
  }
  const previous = stack.services[service.name];
  if (previous?.owned && previous.pid && isAlive(previous.pid)) {
    // Give a server that is still starting (a concurrent `up`) the same time to answer as a fresh one.
    await waitFor(service.name, () => service.check(previous), {
      timeoutMs: service.startTimeoutMs,
      pid: previous.pid,
    });
    await service.provision(previous);
    return { service: service.name, action: 'reused' as const, state: previous };
  }
  const previousPorts = previous?.ports ?? stack.lastPorts?.[service.name];
  for (const port of Object.values(previousPorts ?? {})) taken.delete(port);
  log(`starting ${service.name}...`);
  const state = await service.start({ taken, log, previousPorts });
  stack.services[service.name] = state;
  writeState(stack);
  try {
    await waitFor(service.name, () => service.check(state), { timeoutMs: service.startTimeoutMs, pid: state.pid });
    await service.provision(state);
  } catch (err) {
    await service.stop(state);
    delete stack.services[service.name];
    writeState(stack);
    throw new ServiceStartError(service.name, (err as Error).message, state.logFile ? logTail(state.logFile) : '');
  }
  return { service: service.name, action: 'started' as const, state };
}

/** Starts (or reuses) every service; on a failure, stops what this call started and rethrows. */
export async function stackUp(log: (m: string) => void = () => undefined): Promise<UpResult[]> {
  return withStackLock(async () => {
    const stack = readState();
    const taken = new Set<number>();
    for (const s of Object.values(stack.services)) for (const p of Object.values(s?.ports ?? {})) taken.add(p);
    const results: UpResult[] = [];
    try {
      for (const service of SERVICES) results.push(await upOne(service, stack, taken, log));
    } catch (err) {
      for (const started of results.filter((r) => r.action === 'started')) {
        await SERVICES.find((s) => s.name === started.service)?.stop(started.state);
        delete stack.services[started.service];
      }
      writeState(stack);
      throw err;
    }
    for (const r of results) stack.services[r.service] = r.state;
    writeState(stack);
    return results;
  });
}

/** Stops exactly the servers that `up` started (recorded pids); external services are left alone. */
export async function stackDown(
  log: (m: string) => void = () => undefined,
  only?: ServiceName[],
): Promise<ServiceName[]> {
  return withStackLock(async () => {
    const stack = readState();
    const stopped: ServiceName[] = [];
    for (const service of [...SERVICES].reverse()) {
      const state = stack.services[service.name];
      if (!state || (only && !only.includes(service.name))) continue;
      if (state.owned) {
        log(`stopping ${service.name} (pid ${state.pid})...`);
        await service.stop(state);
        stopped.push(service.name);
        stack.lastPorts = { ...stack.lastPorts, [service.name]: state.ports };
      }
      delete stack.services[service.name];
    }
    writeState(stack);
    return stopped;
  });
}

export interface ServiceStatus {
  service: ServiceName;
  status: 'up' | 'not answering' | 'stopped' | 'not started';
  state?: ServiceState;
}

export async function stackStatus(): Promise<ServiceStatus[]> {
  const stack = readState();
  const statuses: ServiceStatus[] = [];
  for (const service of SERVICES) {
    const state = stack.services[service.name] ?? service.external();
    if (!state) {
      statuses.push({ service: service.name, status: 'not started' });
      continue;
    }
    if (state.owned && state.pid && !isAlive(state.pid)) {
      statuses.push({ service: service.name, status: 'stopped', state });
      continue;
    }
    statuses.push({ service: service.name, status: (await healthy(service, state)) ? 'up' : 'not answering', state });
  }
  return statuses;
}
