import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../lib/config/paths';
import { isAlive } from '../../infra/stack/processes';

const run = promisify(execFile);

/** The stack CLI against its own data folder, so this test never touches the stack the other suites use. */
async function stack(dataDir: string, command: 'up' | 'down' | 'status') {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'infra/stack/cli.ts'), command],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, MLOPS_DATA_DIR: dataDir, PG_PROVIDER: 'embedded' },
      timeout: 180_000,
    },
  ).catch((err: { stdout?: string; stderr?: string; code?: number }) => ({
    // A failed command's error output is kept, so a failing expectation shows why the stack did not come up.
    stdout: `${err.stdout ?? ''}${err.stderr ? `\n--- stderr (exit ${err.code}) ---\n${err.stderr}` : ''}`,
    code: err.code,
  }));
  return stdout;
}

describe('npm run stack -- up | up | status | down', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mlops-stack-'));
  // PostgreSQL runs as its own OS user when we are root: it must be able to reach the data folder.
  chmodSync(dataDir, 0o755);
  afterAll(async () => {
    await stack(dataDir, 'down');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts every service, reuses them on the second up, and down leaves no process of ours', async () => {
    const first = await stack(dataDir, 'up');
    for (const service of ['postgres', 's3', 'temporal']) expect(first).toMatch(new RegExp(`${service}\\s+started`));
    expect(first).toMatch(/Temporal Web UI: http:\/\/127\.0\.0\.1:\d+/);
    const state = JSON.parse(readFileSync(join(dataDir, 'stack', 'state.json'), 'utf8')) as {
      services: Record<string, { pid: number; ports: Record<string, number> }>;
    };
    const pids = Object.values(state.services).map((s) => s.pid);
    expect(pids).toHaveLength(3);
    expect(pids.every(isAlive)).toBe(true);

    const second = await stack(dataDir, 'up');
    for (const service of ['postgres', 's3', 'temporal']) expect(second).toMatch(new RegExp(`${service}\\s+reused`));
    const again = JSON.parse(readFileSync(join(dataDir, 'stack', 'state.json'), 'utf8')) as typeof state;
    expect(Object.values(again.services).map((s) => s.pid)).toEqual(pids);
    expect(await stack(dataDir, 'status')).toMatch(/temporal\s+up/);

    const ports = (file: typeof state) =>
      Object.fromEntries(Object.entries(file.services).map(([name, svc]) => [name, svc.ports]));
    const firstPorts = ports(again);
    expect(await stack(dataDir, 'down')).toMatch(/stopped: temporal, s3, postgres/);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(await stack(dataDir, 'status')).toMatch(/postgres\s+not started/);

    // Brought back, each server listens where its clients (running workers) last found it.
    expect(await stack(dataDir, 'up')).toMatch(/temporal\s+started/);
    const back = JSON.parse(readFileSync(join(dataDir, 'stack', 'state.json'), 'utf8')) as typeof state;
    expect(ports(back)).toEqual(firstPorts);
  });
});
