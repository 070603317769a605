// Stops one server of the (private) local stack and starts it again exactly as it ran: same binary, arguments, ports,
// data dir and OS user. `stackUp()` cannot do this: it forgets a stopped service and picks fresh ports (the preferred
// ones belong to the shared stack), and workers that already resolved the old address would never reconnect.
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { SERVICES } from '../../../infra/stack';
import { spawnDetached, waitFor } from '../../../infra/stack/processes';
import { readState, withStackLock, writeState, type ServiceName, type ServiceState } from '../../../infra/stack/state';

export interface StoppedService {
  name: ServiceName;
  state: ServiceState;
  argv: string[];
  cwd: string;
  user?: { uid: number; gid: number };
}

function serviceOf(name: ServiceName) {
  const service = SERVICES.find((s) => s.name === name);
  if (!service) throw new Error(`no stack service ${name}`);
  return service;
}

function ownedState(name: ServiceName): ServiceState & { pid: number } {
  const state = readState().services[name];
  if (!state?.owned || !state.pid) throw new Error(`${name} is not a server this stack started`);
  return state as ServiceState & { pid: number };
}

/** Stops the server the way an operator would (PostgreSQL: fast shutdown; the others: SIGTERM). */
export async function stopService(name: ServiceName): Promise<StoppedService> {
  const state = ownedState(name);
  const argv = readFileSync(`/proc/${state.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const cwd = readlinkSync(`/proc/${state.pid}/cwd`);
  const owner = statSync(`/proc/${state.pid}`);
  const user = owner.uid !== process.getuid?.() ? { uid: owner.uid, gid: owner.gid } : undefined;
  await serviceOf(name).stop(state);
  return { name, state, argv, cwd, user };
}

/** Starts the stopped server with its old command line and waits until it answers on its old ports. */
export async function restartService(stopped: StoppedService): Promise<ServiceState> {
  const [program, ...args] = stopped.argv;
  if (!program) throw new Error(`no command line recorded for ${stopped.name}`);
  const logFile = stopped.state.logFile ?? `${stopped.cwd}/${stopped.name}.log`;
  const child = spawnDetached(program, args, { logFile, cwd: stopped.cwd, user: stopped.user });
  const state: ServiceState = { ...stopped.state, pid: child.pid, startedAt: new Date().toISOString() };
  await withStackLock(async () => {
    const stack = readState();
    stack.services[stopped.name] = state;
    writeState(stack);
  });
  const service = serviceOf(stopped.name);
  await waitFor(stopped.name, () => service.check(state), { timeoutMs: service.startTimeoutMs, pid: child.pid });
  return state;
}

/** The stack's current state of one service (ports, pid), for the report. */
export function serviceState(name: ServiceName): ServiceState | undefined {
  return readState().services[name];
}
