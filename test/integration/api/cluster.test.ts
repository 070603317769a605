import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../lib/config';
import { startApiHarness, type ApiHarness } from './harness';
import { promoteAndDeploy, registerTinyModel } from './model-fixture';

// `npm run api` with API_WORKERS=2: two processes behind one port (node:cluster), each with its own model server.

const TSX = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startApi(h: ApiHarness, port: number, workers: number): Started {
  const child = spawn(TSX, [join(PROJECT_ROOT, 'api', 'server.ts')], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: h.config.database.url,
      DATA_SOURCE_DATABASE_URL: process.env.DATA_SOURCE_DATABASE_URL ?? '',
      API_PORT: String(port),
      API_HOST: '127.0.0.1',
      API_WORKERS: String(workers),
      PREDICTION_LOG_SAMPLE_RATE: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

/** One request on its own connection (no keep-alive), so the primary hands each to the next process. */
function post(
  port: number,
  path: string,
  token: string,
  body: unknown,
): Promise<{ status: number; worker: string | undefined; json: { version?: number; predictions?: unknown[] } }> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, Connection: 'close' },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            worker: res.headers['x-mlops-api-worker'] as string | undefined,
            json: JSON.parse(text) as { version?: number; predictions?: unknown[] },
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function waitFor<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('API_WORKERS=2: processes sharing the port', () => {
  let h: ApiHarness;
  let api: Started | undefined;
  let port: number;
  beforeAll(async () => {
    h = await startApiHarness({ worker: false });
    const v1 = await registerTinyModel(h, { model: 'spread', runId: 'spread-run-1' });
    await promoteAndDeploy(h, { model: 'spread', versionId: v1.id });
    port = await freePort();
    api = startApi(h, port, 2);
  });
  afterAll(async () => {
    if (api && api.child.exitCode === null) {
      api.child.kill('SIGTERM');
      await api.exited;
    }
    await h?.stop();
  });

  const rows = { rows: [{ x: 0.5, colour: 'red' }] };

  it('answers from both processes, and a deployment reaches every process (hot swap in each)', async () => {
    const workersSeen = new Set<string>();
    await waitFor('both API processes answering', async () => {
      const res = await post(port, '/v1/predict/spread', h.keys.predictor, rows);
      expect(res.status).toBe(200);
      expect(res.json.version).toBe(1);
      if (res.worker) workersSeen.add(res.worker);
      return workersSeen.size === 2 ? true : undefined;
    });
    expect([...workersSeen].sort()).toEqual(['1', '2']);

    const v2 = await registerTinyModel(h, { model: 'spread', runId: 'spread-run-2', epochs: 4 });
    await promoteAndDeploy(h, { model: 'spread', versionId: v2.id });
    const onV2 = new Set<string>();
    await waitFor('version 2 in both processes', async () => {
      const res = await post(port, '/v1/predict/spread', h.keys.predictor, rows);
      if (res.status === 200 && res.json.version === 2 && res.worker) onV2.add(res.worker);
      return onV2.size === 2 ? true : undefined;
    });
    // After both swapped, no process answers with the old version.
    for (let i = 0; i < 10; i++) {
      const res = await post(port, '/v1/predict/spread', h.keys.predictor, rows);
      expect([res.status, res.json.version]).toEqual([200, 2]);
    }
  });

  it('a second API on the same port fails loudly and stops, whatever API_WORKERS', async () => {
    for (const workers of [2, 1]) {
      const second = startApi(h, port, workers);
      const code = await second.exited;
      expect(code).not.toBe(0);
      expect(second.output()).toContain(`127.0.0.1:${port} is already in use`);
    }
    // The first one still serves.
    const res = await post(port, '/v1/predict/spread', h.keys.predictor, rows);
    expect(res.status).toBe(200);
  });

  it('SIGTERM stops the primary and every process', async () => {
    api!.child.kill('SIGTERM');
    expect(await api!.exited).toBe(0);
    await expect(post(port, '/v1/predict/spread', h.keys.predictor, rows)).rejects.toThrow();
  });
});
