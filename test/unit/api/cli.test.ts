import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseParams } from '../../../cli/context';
import { runCli } from '../../../cli/program';
import { unitApp } from './fakes';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

async function mlops(args: string[], options: { env?: NodeJS.ProcessEnv; fetch?: typeof fetch } = {}) {
  const out = new Capture();
  const err = new Capture();
  const code = await runCli(args, {
    io: { out, err, interactive: false },
    env: { MLOPS_API_URL: 'http://api.test', MLOPS_API_KEY: 'operator-token', ...options.env },
    fetch: options.fetch,
    pollMs: 1,
    exitCode: 0,
  });
  return { code, out: out.text, err: err.text };
}

/** A scripted API: each call takes the next response for its method and path. */
function scriptedFetch(script: Record<string, Array<{ status: number; body: unknown }>>) {
  const calls: Array<{ method: string; url: string; body?: unknown; headers: Record<string, string> }> = [];
  const fn = (async (input: URL | string, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    calls.push({
      method,
      url: url.toString(),
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
      headers: init?.headers as Record<string, string>,
    });
    const queue = script[`${method} ${url.pathname}`];
    const next = queue && (queue.length > 1 ? queue.shift() : queue[0]);
    if (!next) throw new Error(`unscripted ${method} ${url.pathname}`);
    return new Response(JSON.stringify(next.body), {
      status: next.status,
      headers: { 'Content-Type': 'application/json' },
    });
  }) as typeof fetch;
  return { fn, calls };
}

const run = (status: string, step: string | null, extra: object = {}) => ({
  runId: 'churn-1',
  pipeline: 'churn',
  status,
  phase: 'dev',
  trigger: 'api',
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: null,
  error: null,
  links: {},
  params: {},
  step,
  stepsDone: [],
  steps: [],
  progress: {},
  metrics: { logreg: { accuracy: 0.9 } },
  best: 'logreg',
  modelVersion: { model: 'churn', version: 3, versionId: 42 },
  approval: { required: true, approvers: ['alice'], deadline: null, decision: null },
  artifacts: [],
  temporal: null,
  live: true,
  ...extra,
});

describe('mlops CLI', () => {
  it('parses --param name=value pairs of declared parameters (the API converts each to its declared type)', () => {
    expect(parseParams(['epochs=3', 'budget=30m', 'note=x = y'])).toEqual({
      epochs: '3',
      budget: '30m',
      note: 'x = y',
    });
    expect(() => parseParams(['oops'])).toThrow(/name=value/);
  });

  it('run: starts with the key and params, follows progress until approval, exits 0', async () => {
    const api = scriptedFetch({
      'POST /v1/pipelines/churn/runs': [
        {
          status: 201,
          body: { runId: 'churn-1', pipeline: 'churn', status: 'running', deduplicated: false, links: {} },
        },
      ],
      'GET /v1/runs/churn-1': [
        { status: 200, body: run('running', 'ingest') },
        {
          status: 200,
          body: run('running', 'train', {
            progress: { training: { logreg: { candidate: 'logreg', epochsDone: 2, totalEpochs: 5, loss: 0.5 } } },
          }),
        },
        { status: 200, body: run('waiting_approval', 'approval') },
      ],
    });
    const result = await mlops(['run', 'churn', '-p', 'max_attempts=2', '--idempotency-key', 'k1'], {
      fetch: api.fn,
    });
    expect(result.code).toBe(0);
    expect(api.calls[0]).toMatchObject({ method: 'POST', body: { params: { max_attempts: '2' } } });
    expect(api.calls[0]?.headers).toMatchObject({ Authorization: 'Bearer operator-token', 'Idempotency-Key': 'k1' });
    expect(result.err).toContain('ingest');
    expect(result.err).toContain('logreg 2/5 loss 0.500');
    expect(result.err).toContain('mlops approve churn-1');
    expect(result.out).toMatch(/status\s+waiting_approval/);
    expect(result.out).toMatch(/logreg\s+0\.9/);
  });

  it('run: exits 1 when the run fails, and --json prints the final run only', async () => {
    const api = scriptedFetch({
      'POST /v1/pipelines/churn/runs': [
        {
          status: 201,
          body: { runId: 'churn-1', pipeline: 'churn', status: 'running', deduplicated: false, links: {} },
        },
      ],
      'GET /v1/runs/churn-1': [{ status: 200, body: run('failed', null, { error: 'validation failed' }) }],
    });
    const result = await mlops(['--json', 'run', 'churn'], { fetch: api.fn });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out)).toMatchObject({ status: 'failed', error: 'validation failed' });
  });

  it('prints API errors with their code and field paths, exit 1; usage errors exit 2', async () => {
    const api = scriptedFetch({
      'POST /v1/runs/churn-1/approve': [
        { status: 403, body: { error: 'NOT_AN_APPROVER', message: 'bob is not an approver', details: {} } },
      ],
      'GET /v1/runs': [
        {
          status: 400,
          body: {
            error: 'VALIDATION_FAILED',
            message: 'bad',
            details: { issues: [{ path: 'query.status', message: 'invalid' }] },
          },
        },
      ],
    });
    const refused = await mlops(['approve', 'churn-1', '--reason', 'ok'], { fetch: api.fn });
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('error: NOT_AN_APPROVER (HTTP 403): bob is not an approver');
    const invalid = await mlops(['list', '--status', 'zzz'], { fetch: api.fn });
    expect(invalid.err).toContain('query.status: invalid');
    const usage = await mlops(['approve', 'churn-1'], { fetch: api.fn });
    expect(usage.code).toBe(2);
    expect(usage.err).toContain("required option '-r, --reason <text>' not specified");
  });

  it('says how to reach the API when it is down', async () => {
    const down = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const result = await mlops(['list'], { fetch: down });
    expect(result.code).toBe(1);
    expect(result.err).toContain('Cannot reach the API at http://api.test');
  });

  describe('against the app (fake model server)', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      server = unitApp({ settings: { predict: { maxRows: 2, logSampleRate: 0, rateLimitPerMinute: 0 } } }).app.listen(
        0,
        '127.0.0.1',
      );
      await new Promise((r) => server.once('listening', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('predict: reads a CSV, sends it in batches, prints the rows with prediction and probability columns', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mlops-cli-'));
      const file = join(dir, 'rows.csv');
      writeFileSync(file, 'id,x,note\n1,1,"a, b"\n2,-1,\n3,2,c\n');
      const result = await mlops(['predict', 'iris', '-f', file, '--batch-size', '2'], { env: { MLOPS_API_URL: url } });
      expect(result.code).toBe(0);
      expect(result.out.trim().split('\n')).toEqual([
        'id,x,note,prediction,p_no,p_yes',
        '1,1,"a, b",yes,0.25,0.75',
        '2,-1,,no,0.25,0.75',
        '3,2,c,yes,0.25,0.75',
      ]);
      expect(result.err).toContain('3 rows predicted by iris v3 (production)');
    });

    it('predict: a viewer key is refused with exit 1', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mlops-cli-'));
      writeFileSync(join(dir, 'rows.csv'), 'x\n1\n');
      const result = await mlops(['predict', 'iris', '-f', join(dir, 'rows.csv')], {
        env: { MLOPS_API_URL: url, MLOPS_API_KEY: 'viewer-token' },
      });
      expect(result.code).toBe(1);
      expect(result.err).toContain('FORBIDDEN (HTTP 403)');
    });
  });
});
