import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../../api/app';
import { runCli } from '../../../cli/program';
import { compareRows, figuresOf } from '../../../lib/delivery/compare';
import { createShadowScorer, type ShadowScorer } from '../../../lib/delivery/shadow';
import { disposeModel } from '../../../lib/ml';
import { loadServableVersion, predictWith } from '../../../lib/serving/model-server';
import { startApiHarness, type ApiHarness } from '../api/harness';
import { promoteAndDeploy, registerTinyModel, tinyRows } from '../api/model-fixture';
import { storeMonitoringWindow } from '../api/report-fixture';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

describe('shadow deployment on the real stack', () => {
  let h: ApiHarness;
  let app: Express;
  let shadow: ShadowScorer;
  let production: { id: number; version: number };
  let candidate: { id: number; version: number };

  beforeAll(async () => {
    h = await startApiHarness({ worker: false });
    // Two versions trained differently (1 vs 8 epochs), so they disagree on some rows.
    production = await registerTinyModel(h, { model: 'tiny', runId: 'shadow-run-1', epochs: 1 });
    candidate = await registerTinyModel(h, { model: 'tiny', runId: 'shadow-run-2', epochs: 8 });
    await promoteAndDeploy(h, { model: 'tiny', versionId: production.id });
    shadow = createShadowScorer({ db: h.db, store: h.store, log: h.deps.log, flushMs: 3_600_000 });
    app = createApp({ ...h.deps, shadow });
  }, 120_000);
  afterAll(async () => {
    await shadow?.close();
    await h?.stop();
  });

  it('scores live traffic with the shadow version, answers from production, and stores the comparison', async () => {
    const refused = await request(app)
      .post('/v1/models/tiny/shadow')
      .set(h.auth('operator'))
      .send({ version: candidate.version, reason: 'try v2' });
    expect(refused.status).toBe(403);
    const same = await request(app)
      .post('/v1/models/tiny/shadow')
      .set(h.auth('approver'))
      .send({ version: production.version, reason: 'x' });
    expect(same.status).toBe(409);
    const started = await request(app)
      .post('/v1/models/tiny/shadow')
      .set(h.auth('approver'))
      .send({ version: candidate.version, reason: 'try v2 on live traffic' });
    expect(started.status).toBe(200);
    expect(started.body).toEqual({ model: 'tiny', version: candidate.version, productionVersion: production.version });

    const rows = tinyRows(120).map(({ x, colour }) => ({ x, colour }));
    const requests = [];
    for (let i = 0; i < rows.length; i += 10) {
      const res = await request(app)
        .post('/v1/predict/tiny')
        .set(h.auth('predictor'))
        .send({ rows: rows.slice(i, i + 10) });
      expect(res.status).toBe(200);
      // Responses always come from production.
      expect(res.body.version).toBe(production.version);
      requests.push(res.body as { requestId: string; predictions: Array<{ prediction: string }> });
    }
    await shadow.idle();
    await shadow.flush();

    // The same figures, computed here from both versions directly.
    const p = await loadServableVersion(h, production.id);
    const c = await loadServableVersion(h, candidate.id);
    const expected = figuresOf(compareRows(predictWith(p.model, rows), predictWith(c.model, rows)));
    disposeModel(p.model);
    disposeModel(c.model);
    expect(expected.agreement).toBeLessThan(1);

    const report = await request(app).get('/v1/models/tiny/shadow').set(h.auth('viewer'));
    expect(report.status).toBe(200);
    expect(report.body.shadow).toMatchObject({ version: candidate.version, productionVersion: production.version });
    const windows = report.body.windows as Array<Record<string, number>>;
    const total = windows.reduce((a, w) => a + (w.requests ?? 0), 0);
    expect(total).toBe(12);
    expect(windows.reduce((a, w) => a + (w.comparedRows ?? 0), 0)).toBe(120);
    // Windows are one minute: the requests may straddle two, so the figures are compared summed over windows.
    const compared = (w: Record<string, number>) => w.comparedRows ?? 0;
    const weighted = (key: string) => windows.reduce((a, w) => a + (w[key] ?? 0) * compared(w), 0) / 120;
    expect(weighted('agreement')).toBeCloseTo(expected.agreement as number, 9);
    expect(weighted('meanDelta')).toBeCloseTo(expected.meanDelta as number, 6);
    expect(Math.max(...windows.map((w) => w.maxAbsDelta ?? 0))).toBeCloseTo(expected.maxAbsDelta, 6);
    for (const w of windows) {
      expect(w.shadowErrors).toBe(0);
      expect(w.shadowLatencyMsMean).toBeGreaterThan(0);
      expect(w.productionLatencyMsP95).toBeGreaterThan(0);
    }

    // Live quality once feedback arrives: labels say x > 0 → yes.
    const items = requests.flatMap((r, i) =>
      r.predictions.map((_, j) => ({
        requestId: r.requestId,
        rowIndex: j,
        label: (rows[i * 10 + j]?.x as number) > 0 ? 'yes' : 'no',
      })),
    );
    expect((await request(app).post('/v1/feedback').set(h.auth('predictor')).send({ items })).status).toBe(201);
    const withQuality = await request(app).get('/v1/models/tiny/shadow').set(h.auth('viewer'));
    const truth = (i: number) => ((rows[i]?.x as number) > 0 ? 'yes' : 'no');
    const accuracy = (preds: Array<{ prediction: string | number | boolean }>) =>
      preds.filter((q, i) => q.prediction === truth(i)).length / preds.length;
    const p2 = await loadServableVersion(h, production.id);
    const c2 = await loadServableVersion(h, candidate.id);
    expect(withQuality.body.liveQuality).toEqual([
      {
        shadowVersion: candidate.version,
        labelledRows: 120,
        productionAccuracy: accuracy(predictWith(p2.model, rows)),
        shadowAccuracy: accuracy(predictWith(c2.model, rows)),
      },
    ]);
    disposeModel(p2.model);
    disposeModel(c2.model);

    // The monitoring report of the production version shows the comparison beside its drift windows.
    await storeMonitoringWindow(h, { model: 'tiny', versionId: production.id, version: production.version });
    const html = await request(app).get('/v1/models/tiny/monitoring/report.html').set(h.auth('viewer'));
    expect(html.status).toBe(200);
    expect(html.text).toContain('id="shadow"');
    expect(html.text).toContain(`v${production.version} / v${candidate.version}`);

    // The CLI shows the same report.
    const server = app.listen(0);
    try {
      const out = new Capture();
      const code = await runCli(['shadow', 'tiny'], {
        io: { out, err: new Capture(), interactive: false },
        env: {
          MLOPS_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          MLOPS_API_KEY: h.keys.viewer,
        },
        exitCode: 0,
      });
      expect(code).toBe(0);
      expect(out.text).toContain(`v${candidate.version} beside production v${production.version}`);
      expect(out.text).toMatch(/live quality, 120 labelled rows: production [\d.]+ %, shadow v2 [\d.]+ %/);
    } finally {
      server.close();
    }

    const stopped = await request(app)
      .post('/v1/models/tiny/shadow/stop')
      .set(h.auth('approver'))
      .send({ reason: 'seen enough' });
    expect(stopped.status).toBe(204);
    const events = await h.db('deployment_events').where({ model: 'tiny' }).orderBy('id').pluck('kind');
    expect(events).toEqual(['shadow_started', 'shadow_stopped']);
    const audit = await h.db('audit_log').whereIn('action', ['shadow.start', 'shadow.stop']).pluck('action');
    expect(audit.sort()).toEqual(['shadow.start', 'shadow.stop']);
    expect((await request(app).get('/v1/models/tiny/shadow').set(h.auth('viewer'))).body.shadow).toBeNull();
    expect(
      (await request(app).post('/v1/models/tiny/shadow/stop').set(h.auth('approver')).send({ reason: 'again' })).status,
    ).toBe(404);
  }, 120_000);
});
