import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DATA_DIR, STACK_ENV_FILE } from '../../lib/config/paths';
import { isAlive } from './processes';
import { approvalKeyEnv } from './secrets';

export type ServiceName = 'temporal' | 'postgres' | 's3';

export interface ServiceState {
  name: ServiceName;
  /** false when the service was given from outside (env var) and is only checked, never started or stopped. */
  owned: boolean;
  pid?: number;
  program?: string;
  ports: Record<string, number>;
  /** Environment variables that point clients at this service. */
  env: Record<string, string>;
  urls: Record<string, string>;
  logFile?: string;
  startedAt?: string;
  details?: Record<string, string>;
}

export interface StackState {
  services: Partial<Record<ServiceName, ServiceState>>;
  /** Ports of services that were stopped: a restarted server comes back where running clients expect it. */
  lastPorts?: Partial<Record<ServiceName, Record<string, number>>>;
}

export const STACK_DIR = join(DATA_DIR, 'stack');
export const LOG_DIR = join(DATA_DIR, 'logs');
const STATE_FILE = join(STACK_DIR, 'state.json');
const LOCK_FILE = join(STACK_DIR, 'lock');

function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

export function readState(): StackState {
  if (!existsSync(STATE_FILE)) return { services: {} };
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as StackState;
}

/** Saves the state and the endpoints file that loadConfig() reads as defaults. */
export function writeState(state: StackState): void {
  writeJsonAtomic(STATE_FILE, state);
  const endpoints: Record<string, string> = {};
  for (const service of Object.values(state.services)) Object.assign(endpoints, service?.env);
  if (Object.keys(endpoints).length === 0) rmSync(STACK_ENV_FILE, { force: true });
  else {
    writeJsonAtomic(STACK_ENV_FILE, { ...endpoints, ...approvalKeyEnv() });
    chmodSync(STACK_ENV_FILE, 0o600);
  }
}

/** One stack command at a time (two test runs starting together must not both start a server). */
export async function withStackLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(STACK_DIR, { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      closeSync(openSync(LOCK_FILE, 'wx'));
      writeFileSync(LOCK_FILE, String(process.pid));
      break;
    } catch {
      const holder = Number(readFileSync(LOCK_FILE, 'utf8') || '0');
      if (holder && !isAlive(holder)) {
        rmSync(LOCK_FILE, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another stack command (pid ${holder}) holds ${LOCK_FILE}`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK_FILE, { force: true });
  }
}
