import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startApiHarness, type ApiHarness } from './harness';
import { promoteAndDeploy, registerTinyModel } from './model-fixture';

const CONNECTIONS = 8;

describe('hot swap: a version promoted while predictions run', () => {
  let h: ApiHarness;
  let server: Server;
  let baseUrl: string;
  beforeAll(async () => {
    h = await startApiHarness({ worker: false, env: { PREDICTION_LOG_SAMPLE_RATE: '0' } });
    server = h.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await h?.stop();
  });

  it('fails no request and switches responses to the new version', async () => {
    const v1 = await registerTinyModel(h, { model: 'swap', runId: 'swap-run-1' });
    const v2 = await registerTinyModel(h, { model: 'swap', runId: 'swap-run-2', epochs: 4 });
    await promoteAndDeploy(h, { model: 'swap', versionId: v1.id });

    const seen: number[] = [];
    const failures: string[] = [];
    let stop = false;
    const body = JSON.stringify({
      rows: Array.from({ length: 20 }, (_, i) => ({ x: i / 10 - 1, colour: i % 2 ? 'red' : 'blue' })),
    });
    const loop = async () => {
      while (!stop) {
        try {
          const res = await fetch(`${baseUrl}/v1/predict/swap`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${h.keys.predictor}` },
            body,
          });
          const json = (await res.json()) as { version?: number; predictions?: unknown[]; error?: string };
          if (res.status !== 200 || json.predictions?.length !== 20) failures.push(`${res.status} ${json.error ?? ''}`);
          else seen.push(json.version as number);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    };
    const loops = Array.from({ length: CONNECTIONS }, loop);
    const waitFor = async (check: () => boolean, what: string) => {
      const deadline = Date.now() + 30_000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await waitFor(() => seen.filter((v) => v === 1).length >= 50, 'v1 responses');
      // The registry's deploy fires pg NOTIFY; the model server loads v2 beside v1 and swaps.
      await promoteAndDeploy(h, { model: 'swap', versionId: v2.id });
      const swappedAt = seen.length;
      await waitFor(() => seen.slice(swappedAt).filter((v) => v === 2).length >= 50, 'v2 responses');
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    expect(failures).toEqual([]);
    const firstV2 = seen.indexOf(2);
    expect(firstV2).toBeGreaterThan(0);
    // Once the new version answers, the old one may finish requests already in flight, then never again.
    const lateV1 = seen.slice(firstV2 + CONNECTIONS).filter((v) => v === 1);
    expect(lateV1).toEqual([]);
    expect(new Set(seen)).toEqual(new Set([1, 2]));
  });
});
