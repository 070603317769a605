import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { exitWhenPipeCloses, formatNumber } from '../../../cli/output';
import { runCli } from '../../../cli/program';
import { PROJECT_ROOT } from '../../../lib/config/paths';

// The CLI's rough edges (issue 10 item 10): numbers, errors said once and in flag names, closed pipes, failed runs.

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

function answering(routes: Record<string, { status: number; body: unknown }>) {
  return (async (input: URL | string, init?: RequestInit) => {
    const url = new URL(String(input));
    const reply = routes[`${init?.method ?? 'GET'} ${url.pathname}`];
    if (!reply) throw new Error(`unscripted ${url.pathname}`);
    return new Response(JSON.stringify(reply.body), {
      status: reply.status,
      headers: { 'Content-Type': 'application/json' },
    });
  }) as typeof fetch;
}

async function mlops(args: string[], routes: Record<string, { status: number; body: unknown }>) {
  const out = new Capture();
  const err = new Capture();
  const code = await runCli(args, {
    io: { out, err, interactive: false },
    env: { MLOPS_API_URL: 'http://api.test', MLOPS_API_KEY: 'key' },
    fetch: answering(routes),
    exitCode: 0,
  });
  return { code, out: out.text, err: err.text };
}

const gateFailedRun = {
  runId: 'churn-7',
  pipeline: 'churn',
  status: 'gate_failed',
  phase: 'staging',
  trigger: 'api',
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:05:00.000Z',
  error: null,
  links: { report: '/v1/runs/churn-7/report.html', validation: '/v1/runs/churn-7/validation' },
  params: {},
  step: 'gate',
  stepsDone: [],
  steps: [],
  progress: {},
  metrics: { linreg: { r2: 0.8664123456789012, rmse: 12.345678901234567 } },
  best: 'linreg',
  modelVersion: null,
  approval: null,
  artifacts: [],
  temporal: null,
  live: false,
  gate: {
    passed: false,
    summary: 'Evaluation gate failed: r2=0.8664 (needs >= 0.95).',
    checks: [
      { check: 'threshold:r2', passed: false, detail: 'r2=0.8664 (needs >= 0.95)' },
      { check: 'beats-production', passed: true, detail: 'no production model yet: nothing to beat' },
    ],
  },
  reason: 'Evaluation gate failed: r2=0.8664 (needs >= 0.95).',
};

describe('mlops CLI output', () => {
  it('formats numbers to 4 significant digits, keeping integers and the integer part whole', () => {
    expect(formatNumber(0.8664123456789012)).toBe('0.8664');
    expect(formatNumber(12.345678901234567)).toBe('12.35');
    expect(formatNumber(12345.678)).toBe('12346');
    expect(formatNumber(-0.000123456)).toBe('-0.0001235');
    expect(formatNumber(3000)).toBe('3000');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(Number.NaN)).toBe('NaN');
  });

  it('status of a gate-failed run: the step, the reason, each gate check, metrics without 16 decimals', async () => {
    const { code, out } = await mlops(['status', 'churn-7'], {
      'GET /v1/runs/churn-7': { status: 200, body: gateFailedRun },
    });
    expect(code).toBe(0);
    expect(out).toMatch(/^step\s+gate$/m);
    expect(out).toMatch(/^reason\s+Evaluation gate failed: r2=0\.8664 \(needs >= 0\.95\)\.$/m);
    expect(out).toMatch(/^gate\s+failed$/m);
    expect(out).toMatch(/^threshold:r2\s+false\s+r2=0\.8664 \(needs >= 0\.95\)$/m);
    expect(out).toMatch(/^linreg\s+0\.8664\s+12\.35$/m);
    expect(out).not.toContain('0.8664123');
    // A gate-failed run has no validation failure to point at.
    expect(out).not.toMatch(/^validation/m);
  });

  it('status after a decision names the approvers, or says any approver may decide', async () => {
    const decided = {
      ...gateFailedRun,
      status: 'rejected',
      gate: null,
      reason: null,
      approval: {
        required: true,
        approvers: [],
        deadline: null,
        decision: { decision: 'rejected', by: 'alice', reason: 'no', at: '2026-01-01T00:00:00.000Z', source: 'human' },
      },
    };
    const { out } = await mlops(['status', 'churn-7'], { 'GET /v1/runs/churn-7': { status: 200, body: decided } });
    expect(out).toMatch(/^approvers\s+any approver$/m);
    expect(out).toMatch(/^decision\s+rejected by alice$/m);
  });

  it('prints the issues of a refused request once, one per line', async () => {
    const { code, err } = await mlops(['list', '--status', 'zzz'], {
      'GET /v1/runs': {
        status: 400,
        body: {
          error: 'VALIDATION_FAILED',
          message: 'Invalid request query: query.status: invalid option; query.limit: too big',
          details: {
            issues: [
              { path: 'query.status', message: 'invalid option' },
              { path: 'query.limit', message: 'too big' },
            ],
          },
        },
      },
    });
    expect(code).toBe(1);
    expect(err).toBe(
      'error: VALIDATION_FAILED (HTTP 400): Invalid request query\n' +
        '  - query.status: invalid option\n' +
        '  - query.limit: too big\n',
    );
  });

  it('schedules create names the flags (--cron, --every), not the body fields', async () => {
    const { err } = await mlops(['schedules', 'create', 'churn'], {
      'POST /v1/schedules': {
        status: 400,
        body: {
          error: 'VALIDATION_FAILED',
          message: 'Give body.cron or body.interval: pipeline churn has no schedule section.',
          details: { issues: [{ path: 'body.cron', message: 'cron or interval required' }] },
        },
      },
    });
    expect(err).toContain('Give --cron or --every: pipeline churn has no schedule section.');
    expect(err).toContain('  - --cron: cron or interval required');
    expect(err).not.toContain('body.');
  });

  it('validation: every failed check with its failing lines, and quarantined rows by line', async () => {
    const validation = {
      runId: 'churn-8',
      passed: false,
      summary: 'Validation FAILED',
      rowsRead: 10,
      rowsAccepted: 8,
      rowsQuarantined: 2,
      checks: { total: 12, failed: 2 },
      failedChecks: [
        {
          id: 'quarantine_ratio',
          kind: 'quarantine_ratio',
          column: null,
          severity: 'error',
          failedCount: 1,
          expected: 0.02,
          observed: 0.2,
          message: '20% quarantined, more than 2%',
          samples: [],
        },
        {
          id: 'range:age',
          kind: 'range',
          column: 'age',
          severity: 'error',
          failedCount: 2,
          expected: { min: 0 },
          observed: null,
          message: '2 values below 0',
          samples: [
            { line: 4, value: -1 },
            { line: 9, value: -3 },
          ],
        },
      ],
      quarantine: {
        rows: 2,
        available: true,
        offset: 0,
        samples: [{ line: 4, row: { age: -1 }, reasons: [{ check: 'range:age', message: 'below 0' }] }],
        nextOffset: 1,
      },
    };
    const { code, out } = await mlops(['validation', 'churn-8', '--limit', '1'], {
      'GET /v1/runs/churn-8/validation': { status: 200, body: validation },
    });
    expect(code).toBe(0);
    expect(out).toMatch(/^checks\s+2 of 12 failed$/m);
    expect(out).toMatch(/^range:age\s+error\s+2\s+2 values below 0\s+line 4: -1; line 9: -3$/m);
    expect(out).toMatch(/^4\s+range:age\s+\{"age":-1\}$/m);
    expect(out).toContain('more: mlops validation churn-8 --offset 1');
  });

  it('exits quietly when the reader closes the pipe (EPIPE), and reports other output errors', () => {
    const stream = new EventEmitter() as unknown as Writable;
    const codes: number[] = [];
    exitWhenPipeCloses(stream, (code) => codes.push(code));
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    stream.emit('error', Object.assign(new Error('disk full'), { code: 'ENOSPC' }));
    expect(stderr).toHaveBeenCalledWith('error: cannot write output: disk full\n');
    stderr.mockRestore();
    expect(codes).toEqual([0, 1]);
  });

  it('the real mlops command does not crash when its output pipe is closed (mlops ... | head)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'cli/index.ts'), '--help'], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Like `head` after its lines: the read end goes away before the CLI writes.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  }, 60_000);
});
