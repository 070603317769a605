import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { runCli } from '../../../cli/program';
import { PROJECT_ROOT } from '../../../lib/config';
import { apiOverHarness, roleKeys, type HarnessApi } from '../../helpers/api-over-harness';
import { FAST_CHURN_CANDIDATES, startPipelineHarness, type PipelineHarness } from '../../helpers/pipeline-harness';

// Why a run failed, through the API on the real stack (real workers, PostgreSQL, S3): a gate that fails on purpose
// shows its reason in the run, the CLI and the report; a run whose CSV fails validation shows every failed check,
// the failing cells and quarantined rows by source line, and has a report.

describe('why runs fail, through the API (real stack)', () => {
  let h: PipelineHarness;
  let app: HarnessApi['app'];
  let models: HarnessApi['models'];
  const keys: Record<string, string> = {};
  const dir = mkdtempSync(join(tmpdir(), 'mlops-failures-'));
  const started: string[] = [];

  const as = (role: string) => ({ Authorization: `Bearer ${keys[role]}` });
  const get = (path: string, role = 'viewer') => request(app).get(path).set(as(role));
  async function startAndSettle(pipeline: string): Promise<string> {
    const res = await request(app).post(`/v1/pipelines/${pipeline}/runs`).set(as('operator')).send({ params: {} });
    expect(res.status).toBe(201);
    const runId = res.body.runId as string;
    started.push(runId);
    await h.client.workflow
      .getHandle(runId)
      .result()
      .catch(() => undefined);
    return runId;
  }

  beforeAll(async () => {
    h = await startPipelineHarness();
    ({ app, models } = apiOverHarness(h));
    Object.assign(keys, (await roleKeys(h, 'failures', ['viewer', 'operator', 'predictor'])).keys);
  }, 120_000);
  afterAll(async () => {
    for (const id of started) {
      await h.client.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined);
    }
    await models?.close();
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a failed gate: its reason in the run, the CLI and the report (each threshold and the production comparison)', async () => {
    const pipeline = await h.variant('churn-strict-gate', {
      candidates: FAST_CHURN_CANDIDATES,
      evaluation: { thresholds: { accuracy: { min: 0.999 } } },
    });
    const runId = await startAndSettle(pipeline);

    const run = await get(`/v1/runs/${runId}`);
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ status: 'gate_failed', step: 'gate', error: null });
    expect(run.body.gate.passed).toBe(false);
    const accuracy = run.body.gate.checks.find((c: { check: string }) => c.check === 'threshold:accuracy');
    expect(accuracy).toMatchObject({
      passed: false,
      detail: expect.stringMatching(/^accuracy=0\.\d+ \(needs >= 0\.999\)$/),
    });
    expect(run.body.gate.checks.map((c: { check: string }) => c.check)).toEqual(
      expect.arrayContaining(['threshold:roc_auc', 'beats-production']),
    );
    expect(run.body.reason).toBe(run.body.gate.summary);
    expect(run.body.reason).toMatch(/^Evaluation gate failed: accuracy=0\.\d+ \(needs >= 0\.999\)/);

    const html = await get(`/v1/runs/${runId}/report.html`);
    expect(html.status).toBe(200);
    expect(html.text).not.toContain('No quality gate was evaluated');
    expect(html.text).toContain('gate failed');
    expect(html.text).toContain('needs &gt;= 0.999');
    expect(html.text).toContain('no production model yet: nothing to beat');
    const json = await get(`/v1/runs/${runId}/report.json`);
    expect(json.status).toBe(200);
    expect(JSON.parse(json.text).gate).toEqual(run.body.gate);
    const xlsx = await get(`/v1/runs/${runId}/report.xlsx`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(xlsx.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.body as ArrayBuffer);
    const summary: string[] = [];
    workbook.getWorksheet('Summary')?.eachRow((row) => summary.push(String(row.getCell(1).value)));
    expect(summary).toEqual(expect.arrayContaining(['Gate passed', 'Gate check: threshold:accuracy']));

    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      let out = '';
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          out += chunk.toString();
          done();
        },
      });
      const code = await runCli(['status', runId], {
        io: { out: sink, err: sink, interactive: false },
        env: {
          MLOPS_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          MLOPS_API_KEY: keys.viewer,
        },
        exitCode: 0,
      });
      expect(code).toBe(0);
      expect(out).toMatch(/^reason\s+Evaluation gate failed: accuracy=0\.\d+ \(needs >= 0\.999\)/m);
      expect(out).toMatch(/^step\s+gate$/m);
      expect(out).toMatch(/^threshold:accuracy\s+false\s+accuracy=/m);
      // Metrics read as 4 significant digits, not a float's 16 decimals.
      expect(out).not.toMatch(/\d\.\d{6,}/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 300_000);

  it('a CSV that fails validation: every failed check, failing cells and quarantined rows by line, a report', async () => {
    const good = readFileSync(join(PROJECT_ROOT, 'pipelines/data/churn.csv'), 'utf8').trim().split('\n');
    // Row i of the file is on line i + 1 (line 1 is the header). Seven row checks fail on different rows.
    const lines = good.map((line, i) => {
      if (i === 0) return line;
      const cells = line.split(',');
      const set = (column: number, value: string) => {
        cells[column] = value;
        return cells.join(',');
      };
      if (i === 7) return set(0, (good[1] as string).split(',')[0] as string);
      if (i === 13) return set(3, '<b>x</b>');
      switch (i % 10) {
        case 1:
          return set(1, '-5');
        case 2:
          return set(2, '-1');
        case 3:
          return set(3, 'weekly');
        case 4:
          return set(4, 'many');
        case 5:
          return set(5, 'perhaps');
        case 6:
          return set(8, 'maybe');
        default:
          return line;
      }
    });
    const file = join(dir, 'bad-churn.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const pipeline = await h.variant('churn-bad-csv', {
      candidates: FAST_CHURN_CANDIDATES,
      data: { source: { kind: 'file', path: file } },
    });
    const runId = await startAndSettle(pipeline);

    const run = await get(`/v1/runs/${runId}`);
    expect(run.body).toMatchObject({ status: 'failed', step: 'validate', gate: null });
    expect(run.body.links.validation).toBe(`/v1/runs/${runId}/validation`);
    // The recorded error lists five failed checks; the reason lists them all.
    expect(run.body.error).toMatch(/; and \d+ more \(the validation report lists every failed check\)\.$/);
    expect(run.body.reason).not.toMatch(/ more \(/);

    const validation = await get(`/v1/runs/${runId}/validation?limit=5`);
    expect(validation.status).toBe(200);
    const v = validation.body;
    expect(v).toMatchObject({ runId, passed: false, rowsRead: 3000 });
    const ids = v.failedChecks.map((c: { id: string }) => c.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'quarantine_ratio',
        'range:tenure_months',
        'range:monthly_charges',
        'domain:contract',
        'type:support_calls',
        'type:has_internet',
        'unique:customer_id',
      ]),
    );
    expect(v.checks.failed).toBe(ids.length);
    for (const id of ids) expect(run.body.reason).toContain(id);
    const tenure = v.failedChecks.find((c: { id: string }) => c.id === 'range:tenure_months');
    expect(tenure.failedCount).toBe(300);
    expect(tenure.samples[0]).toEqual({ line: 2, value: -5 });
    const contract = v.failedChecks.find((c: { id: string }) => c.id === 'domain:contract');
    expect(contract.samples.map((s: { line: number }) => s.line)).toContain(4);

    expect(v.quarantine.rows).toBe(v.rowsQuarantined);
    expect(v.quarantine.samples.map((q: { line: number }) => q.line)).toEqual([2, 3, 4, 5, 6]);
    expect(v.quarantine.samples[0].row.tenure_months).toBe(-5);
    expect(v.quarantine.samples[0].reasons[0].check).toBe('range:tenure_months');
    expect(v.quarantine.nextOffset).toBe(5);
    const page2 = await get(`/v1/runs/${runId}/validation?offset=5&limit=3`);
    expect(page2.body.quarantine.samples.map((q: { line: number }) => q.line)).toEqual([7, 8, 12]);

    const html = await get(`/v1/runs/${runId}/report.html`);
    expect(html.status).toBe(200);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.text).toContain('Why the run stopped');
    expect(html.text).toContain('line 2: -5');
    expect(html.text).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(html.text).not.toContain('<b>x</b>');
    for (const id of ids) expect(html.text).toContain(id);
    const json = await get(`/v1/runs/${runId}/report.json`);
    expect(JSON.parse(json.text)).toMatchObject({ runId, status: 'failed', step: 'validate' });
    expect((await get(`/v1/runs/${runId}/metrics.csv`)).status).toBe(404);

    // Readable like the run itself: viewer and above; not by a predictor key or without a key.
    expect((await get(`/v1/runs/${runId}/validation`, 'predictor')).status).toBe(403);
    expect((await get(`/v1/runs/${runId}/report.html`, 'predictor')).status).toBe(403);
    expect((await request(app).get(`/v1/runs/${runId}/validation`)).status).toBe(401);
    expect((await get('/v1/runs/no-such-run/validation')).status).toBe(404);
  }, 300_000);
});
