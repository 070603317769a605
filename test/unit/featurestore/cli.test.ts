import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../../cli/program';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

function recordingFetch(answers: Record<string, unknown>) {
  const calls: Array<{ method: string; path: string; body?: unknown }> = [];
  const fn = (async (input: URL | string, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    calls.push({ method, path: url.pathname, body: init?.body ? JSON.parse(String(init.body)) : undefined });
    const body = answers[`${method} ${url.pathname}`];
    if (body === undefined) throw new Error(`unexpected ${method} ${url.pathname}`);
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
  }) as typeof fetch;
  return { fn, calls };
}

async function mlops(args: string[], fetchFn: typeof fetch) {
  const out = new Capture();
  const err = new Capture();
  const code = await runCli(args, {
    io: { out, err, interactive: false },
    env: { MLOPS_API_URL: 'http://api.test', MLOPS_API_KEY: 'k' },
    fetch: fetchFn,
    exitCode: 0,
  });
  return { code, out: out.text, err: err.text };
}

describe('mlops features', () => {
  it('apply sends the parsed YAML file with its name and prints what changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-cli-'));
    const file = join(dir, 'defs.yaml');
    writeFileSync(file, 'entities:\n  - { name: customer, joinKeys: [customer_id] }\n');
    const api = recordingFetch({
      'POST /v1/features/apply': {
        entities: [{ name: 'customer', version: 2, hash: 'a'.repeat(64), status: 'updated' }],
        featureViews: [],
      },
    });
    const result = await mlops(['features', 'apply', file, '--reason', 'new key'], api.fn);
    expect(result.code).toBe(0);
    expect(api.calls[0]?.body).toEqual({
      definitions: { entities: [{ name: 'customer', joinKeys: ['customer_id'] }] },
      reason: 'new key',
      source: 'defs.yaml',
    });
    expect(result.out).toMatch(/entity\s+customer\s+2\s+updated\s+aaaaaaaaaaaa/);
  });

  it('apply names the file when it is not YAML', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-cli-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'entities: [\n');
    const result = await mlops(['features', 'apply', file], recordingFetch({}).fn);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`${file} is not valid YAML`);
  });

  it('online sends one entity row per -e and prints warnings to stderr', async () => {
    const api = recordingFetch({
      'POST /v1/features/views/customer_profile/online': {
        view: 'customer_profile',
        version: 1,
        rows: [
          { customer_id: '42', tenure_months: 7 },
          { customer_id: '43', tenure_months: null },
        ],
        warnings: [{ row: 1, view: 'customer_profile', kind: 'missing', features: ['tenure_months'], entity: {} }],
      },
    });
    const result = await mlops(
      ['features', 'online', 'customer_profile', '-e', 'customer_id=42', '-e', 'customer_id=43'],
      api.fn,
    );
    expect(result.code).toBe(0);
    expect(api.calls[0]?.body).toEqual({ entities: [{ customer_id: '42' }, { customer_id: '43' }] });
    expect(result.out).toMatch(/TENURE_MONTHS\n42\s+7\n43\s+-/);
    expect(result.err).toContain('warning: row 1: missing tenure_months');
  });

  it('schedule and materialize call the view routes', async () => {
    const api = recordingFetch({
      'POST /v1/features/views/v/schedule': {
        scheduleId: 'fs-materialize-v',
        view: 'v',
        interval: '1h',
        cron: null,
        paused: false,
        nextRunTimes: [],
      },
      'POST /v1/features/views/v/materialize': {
        workflowId: 'fs-materialize-v',
        started: true,
        links: { temporal: 'x' },
      },
    });
    expect((await mlops(['features', 'schedule', 'v', '--every', '1h'], api.fn)).code).toBe(0);
    expect((await mlops(['features', 'materialize', 'v', '--full-refresh'], api.fn)).code).toBe(0);
    expect(api.calls.map((c) => c.body)).toEqual([{ interval: '1h', paused: false }, { fullRefresh: true }]);
  });
});
