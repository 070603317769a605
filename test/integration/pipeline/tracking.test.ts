import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import request from 'supertest';
import { runCli } from '../../../cli/program';
import { apiOverHarness, roleKeys, type HarnessApi } from '../../helpers/api-over-harness';
import { FAST_CHURN_CANDIDATES, startPipelineHarness, type PipelineHarness } from '../../helpers/pipeline-harness';

// Experiment tracking through the API on the real stack: what a run was made of and scored, kept in PostgreSQL;
// search and sort by metric; compare; an exact re-run on the pinned data version gives identical metrics.

const HEX64 = /^[0-9a-f]{64}$/;

describe('run tracking, search, compare and re-runs through the API (real stack, real training)', () => {
  let h: PipelineHarness;
  let app: HarnessApi['app'];
  let models: HarnessApi['models'];
  const auth: Record<string, { Authorization: string }> = {};
  const keys: Record<string, string> = {};
  let first: string;
  let again: string;
  let third: string;

  const get = (path: string) =>
    request(app)
      .get(path)
      .set(auth.viewer as { Authorization: string });
  const waiting = async (runId: string) => {
    const status = await h.waitForStatus(h.client.workflow.getHandle(runId), (s) => s.status !== 'running', 180_000);
    expect(status.status).toBe('waiting_approval');
  };

  beforeAll(async () => {
    h = await startPipelineHarness();
    await h.variant('churn', { candidates: FAST_CHURN_CANDIDATES });
    ({ app, models } = apiOverHarness(h));
    const made = await roleKeys(h, 'tracking', ['viewer', 'operator', 'admin']);
    Object.assign(keys, made.keys);
    Object.assign(auth, made.auth);
  }, 120_000);
  afterAll(async () => {
    for (const id of [first, again, third, `monitor-${first}`].filter(Boolean)) {
      await h.client.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined);
    }
    await models?.close();
    await h?.stop();
  });

  it('records the resolved spec, code and data versions, seeds, hyperparameters, metrics and importance', async () => {
    const started = await request(app)
      .post('/v1/pipelines/churn/runs')
      .set(auth.operator as { Authorization: string })
      .send({ params: { seed: 7 } });
    expect(started.status).toBe(201);
    first = started.body.runId;
    await waiting(first);

    const res = await get(`/v1/runs/${first}/tracking`);
    expect(res.status).toBe(200);
    const run = res.body;
    expect(run).toMatchObject({
      runId: first,
      pipeline: 'churn',
      trigger: 'api',
      params: { seed: 7 },
      codeVersion: 'test',
      rerunOf: null,
      seeds: { split: 7 },
    });
    expect(run.resolvedSpecHash).toMatch(HEX64);
    expect(run.dataVersion).toMatch(HEX64);
    const raw = await h.deps.db('artifacts').where({ run_id: first, kind: 'raw_dataset' }).first('sha256');
    expect(run.dataVersion).toBe(raw.sha256);
    expect(run.candidates.map((c: { candidate: string }) => c.candidate)).toEqual(['logreg', 'mlp']);
    expect(run.candidates.filter((c: { best: boolean }) => c.best)).toHaveLength(1);
    for (const c of run.candidates) {
      expect(c.hyperparameters.epochs).toBe(4);
      expect(c.backend).toEqual(expect.any(String));
      expect(c.epochsRun).toBe(4);
      expect(c.testMetrics.f1_macro).toBeGreaterThan(0);
      expect(c.validationMetrics.f1_macro).toBeGreaterThan(0);
      expect(c.testRows).toBeGreaterThan(0);
      expect(c.trainSeconds).toBeGreaterThan(0);
      // Permutation importance on raw columns: one entry per input column, one-hot groups counted once.
      expect(c.importance).toMatchObject({ method: 'permutation', metric: 'f1_macro', repeats: 5, seed: 42 });
      const columns = c.importance.columns.map((x: { column: string }) => x.column);
      expect(new Set(columns).size).toBe(columns.length);
      expect(columns).toEqual(expect.arrayContaining(['contract', 'region', 'signup_date', 'tenure_months']));
      expect(c.importance.columns.find((x: { column: string }) => x.column === 'contract').features).toBeGreaterThan(1);
    }

    const spec = await get(`/v1/runs/${first}/spec`);
    expect(spec.status).toBe(200);
    expect(spec.body).toMatchObject({ hash: run.resolvedSpecHash, spec: { name: 'churn', split: { seed: 7 } } });
    const importance = await get(`/v1/runs/${first}/importance`);
    expect(importance.body.best).toBe(run.best);
    expect(importance.body.candidates).toHaveLength(2);
    // The run report shows the permutation importance.
    const html = await get(`/v1/runs/${first}/report.html`);
    expect(html.text).toContain('Permutation importance (raw columns, test split)');
    expect((await get('/v1/runs/nope-1/tracking')).status).toBe(404);
  }, 240_000);

  it('re-runs on the same spec version, data version and parameters: identical metrics on the same backend', async () => {
    const res = await request(app)
      .post(`/v1/runs/${first}/rerun`)
      .set(auth.operator as { Authorization: string })
      .send({});
    expect(res.status).toBe(201);
    again = res.body.runId;
    expect(res.body).toMatchObject({ rerunOf: first, params: { seed: 7 } });
    await waiting(again);
    const [a, b] = await Promise.all([get(`/v1/runs/${first}/tracking`), get(`/v1/runs/${again}/tracking`)]);
    expect(b.body).toMatchObject({
      trigger: 'rerun',
      rerunOf: first,
      dataVersion: a.body.dataVersion,
      resolvedSpecHash: a.body.resolvedSpecHash,
      specHash: a.body.specHash,
      params: a.body.params,
    });
    expect(b.body.candidates.map((c: { backend: string }) => c.backend)).toEqual(
      a.body.candidates.map((c: { backend: string }) => c.backend),
    );
    for (const [i, c] of b.body.candidates.entries()) {
      const original = a.body.candidates[i];
      expect(c.candidate).toBe(original.candidate);
      expect(c.testMetrics).toEqual(original.testMetrics);
      expect(c.validationMetrics).toEqual(original.validationMetrics);
      expect(c.importance).toEqual(original.importance);
    }

    const compared = await get(`/v1/runs/compare?ids=${first},${again}`);
    expect(compared.status).toBe(200);
    expect(compared.body.differs).toEqual({ spec: false, data: false, code: false });
    expect(compared.body.params).toEqual([]);
    expect(compared.body.hyperparameters).toEqual([]);
    const f1 = compared.body.metrics.find((m: { metric: string }) => m.metric === 'f1_macro');
    expect(f1.test[first]).toBe(f1.test[again]);
    expect(compared.body.curves[first].points.length).toBeGreaterThan(0);
    // The same losses epoch by epoch (timings differ, of course).
    const losses = (id: string) =>
      compared.body.curves[id].points.map((p: { loss: number; valLoss: number }) => [p.loss, p.valLoss]);
    expect(losses(again)).toEqual(losses(first));

    // Refusals: an unknown data version, an undeclared parameter, too few ids to compare.
    const unknownData = await request(app)
      .post(`/v1/runs/${first}/rerun`)
      .set(auth.operator as { Authorization: string })
      .send({ dataVersion: 'a'.repeat(64) });
    expect(unknownData.status).toBe(409);
    expect(unknownData.body.error).toBe('DATA_VERSION_NOT_IN_LAKE');
    const undeclared = await request(app)
      .post(`/v1/runs/${first}/rerun`)
      .set(auth.operator as { Authorization: string })
      .send({ params: { batchsize: 3 } });
    expect(undeclared.status).toBe(400);
    expect(undeclared.body.error).toBe('INVALID_PARAMETERS');
    const viewer = await request(app)
      .post(`/v1/runs/${first}/rerun`)
      .set(auth.viewer as { Authorization: string })
      .send({});
    expect(viewer.status).toBe(403);
    expect((await get(`/v1/runs/compare?ids=${first}`)).status).toBe(400);
    expect((await get(`/v1/runs/compare?ids=${first},nope-2`)).status).toBe(404);
  }, 240_000);

  it('searches runs by parameter, trigger and metric bounds, sorted by a metric, page by page; the CLI too', async () => {
    // A third run with another split seed scores differently: sorting by f1_macro orders the three.
    const started = await request(app)
      .post(`/v1/runs/${first}/rerun`)
      .set(auth.operator as { Authorization: string })
      .send({ params: { seed: 11 } });
    expect(started.status).toBe(201);
    const thirdId = started.body.runId as string;
    third = thirdId;
    await waiting(thirdId);
    const cancelled = await request(app)
      .post(`/v1/runs/${thirdId}/cancel`)
      .set(auth.operator as { Authorization: string })
      .send({ reason: 'tracking test' });
    expect(cancelled.status).toBe(202);
    await h.client.workflow
      .getHandle(thirdId)
      .result()
      .catch(() => undefined);

    const sorted = await get('/v1/runs?pipeline=churn&sort=f1_macro&order=desc');
    expect(sorted.status).toBe(200);
    const values = sorted.body.items.map((r: { metrics: { f1_macro: number } }) => r.metrics.f1_macro);
    expect(values).toHaveLength(3);
    expect([...values].sort((x: number, y: number) => y - x)).toEqual(values);
    const asc = await get('/v1/runs?pipeline=churn&sort=f1_macro&order=asc');
    expect(asc.body.items.map((r: { runId: string }) => r.runId)).toEqual(
      [...sorted.body.items.map((r: { runId: string }) => r.runId)].reverse(),
    );
    // Page by page with the metric's keyset: the same order, no run twice.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await get(
        `/v1/runs?pipeline=churn&sort=f1_macro&order=desc&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((r: { runId: string }) => r.runId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(sorted.body.items.map((r: { runId: string }) => r.runId));
    const otherSort = await get(`/v1/runs?sort=accuracy&cursor=${encodeURIComponent(sorted.body.nextCursor ?? 'x')}`);
    expect(otherSort.status).toBe(400);

    const bySeed = await get('/v1/runs?param=seed=11');
    expect(bySeed.body.items.map((r: { runId: string }) => r.runId)).toEqual([thirdId]);
    const reruns = await get('/v1/runs?trigger=rerun&sort=started');
    expect(reruns.body.items.map((r: { runId: string }) => r.runId).sort()).toEqual([again, thirdId].sort());
    const min = Math.min(...values);
    const bounded = await get(`/v1/runs?metric=${encodeURIComponent(`f1_macro>${min}`)}`);
    expect(bounded.body.items).toHaveLength(values.filter((v: number) => v > min).length);
    const bad = await get('/v1/runs?metric=f1_macro~1');
    expect(bad.status).toBe(400);
    expect(bad.body.details.issues[0].path).toBe('query.metric');

    const compared = await get(`/v1/runs/compare?ids=${first},${thirdId}`);
    expect(compared.body.differs.data).toBe(false);
    expect(compared.body.differs.spec).toBe(true);
    expect(compared.body.params).toEqual([{ name: 'seed', values: { [first]: 7, [thirdId]: 11 } }]);

    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const cli = async (args: string[]) => {
      let out = '';
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          out += chunk.toString();
          done();
        },
      });
      const code = await runCli(args, {
        io: { out: sink, err: sink, interactive: false },
        env: { MLOPS_API_URL: url, MLOPS_API_KEY: keys.viewer as string },
        pollMs: 200,
        exitCode: 0,
      });
      return { code, out };
    };
    try {
      const listed = await cli(['runs', 'list', '--pipeline', 'churn', '--sort', 'f1_macro', '--desc']);
      expect(listed.code).toBe(0);
      const lines = listed.out.trim().split('\n');
      expect(lines[0]).toMatch(/^RUNID\s+STATUS\s+TRIGGER\s+BEST\s+F1_MACRO/);
      expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(seen);
      const table = await cli(['runs', 'compare', first, thirdId]);
      expect(table.code).toBe(0);
      expect(table.out).toMatch(/param seed\s+7\s+11/);
      expect(table.out).toMatch(/test f1_macro/);
      expect(table.out).toContain('same data, code in every run');
      const json = await cli(['--json', 'runs', 'compare', first, again]);
      expect(JSON.parse(json.out).differs).toEqual({ spec: false, data: false, code: false });
      const shown = await cli(['runs', 'importance', first]);
      expect(shown.code).toBe(0);
      expect(shown.out).toMatch(/drop of f1_macro/);
    } finally {
      server.close();
    }
  }, 300_000);

  it('walks the lineage from the production version up to its data, spec and code and down to its alerts', async () => {
    const handle = h.client.workflow.getHandle(first);
    await h.decide(handle as never, 'approved', 'alice', 'tracking test');
    await eventuallyProduction();
    const version = (await h.deps.db('model_versions').where({ run_id: first }).first()) as {
      id: number;
      model_name: string;
      version: number;
    };
    // A monitoring window of the version with a drift alert that started a retraining run (the third run stands
    // in for it: the monitor's own workflow is tested in monitoring/closed-loop).
    const [report] = await h.deps
      .db('monitoring_reports')
      .insert({
        monitor_id: `monitor-${first}`,
        model: version.model_name,
        version_id: version.id,
        version: version.version,
        window_index: 1,
        window_start: new Date(Date.now() - 3_600_000),
        window_end: new Date(),
        samples: 300,
        drifted: true,
        drifted_features: ['tenure_months'],
        feature_drift: JSON.stringify([]),
      })
      .onConflict(['monitor_id', 'window_index'])
      .merge()
      .returning('id');
    const [alert] = await h.deps
      .db('alerts')
      .insert({
        model: version.model_name,
        version_id: version.id,
        report_id: (report as { id: number }).id,
        kind: 'drift',
        message: 'drift in tenure_months',
        action: 'retrain',
        retraining_run_id: third,
      })
      .returning('id');
    const alertId = String((alert as { id: number }).id);
    const ref = `${version.model_name}@${version.version}`;

    const up = await get(`/v1/lineage/version/${ref}?direction=up`);
    expect(up.status).toBe(200);
    const run = (await get(`/v1/runs/${first}/tracking`)).body;
    const nodes = (g: { nodes: Array<{ kind: string; id: string }> }) => g.nodes.map((n) => `${n.kind}/${n.id}`);
    expect(nodes(up.body)).toEqual(
      expect.arrayContaining([
        `version/${ref}`,
        `run/${first}`,
        `dataset/${run.dataVersion}`,
        `spec/${run.resolvedSpecHash}`,
        'code/test',
        expect.stringMatching(/^abt\/\d+$/),
      ]),
    );
    expect(up.body.edges).toEqual(
      expect.arrayContaining([
        { from: `dataset/${run.dataVersion}`, to: `run/${first}`, relation: 'input_of' },
        { from: `candidate/${first}:${run.best}`, to: `version/${ref}`, relation: 'registered_as' },
      ]),
    );
    expect(nodes(up.body)).not.toContain(`alert/${alertId}`);

    // From the raw object back down: every run and version trained on it, the production slot, the alert and
    // the retraining run it started.
    const down = await get(`/v1/lineage/dataset/${run.dataVersion}?direction=down`);
    expect(down.status).toBe(200);
    expect(nodes(down.body)).toEqual(
      expect.arrayContaining([
        `run/${first}`,
        `run/${again}`,
        `version/${ref}`,
        `deployment/${version.model_name}:production`,
        `monitor/monitor-${first}`,
        `alert/${alertId}`,
        `run/${third}`,
      ]),
    );
    expect(down.body.edges).toEqual(
      expect.arrayContaining([{ from: `alert/${alertId}`, to: `run/${third}`, relation: 'started' }]),
    );
    const alertUp = await get(`/v1/lineage/alert/${alertId}?direction=up&depth=20`);
    expect(nodes(alertUp.body)).toEqual(expect.arrayContaining([`version/${ref}`, `dataset/${run.dataVersion}`]));
    const shallow = await get(`/v1/lineage/version/${ref}?direction=up&depth=1`);
    expect(nodes(shallow.body)).toEqual([`version/${ref}`, `candidate/${first}:${run.best}`]);

    expect((await get('/v1/lineage/version/no-such@1')).status).toBe(404);
    expect((await get('/v1/lineage/thing/x')).status).toBe(400);

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
      const code = await runCli(['lineage', ref, '--up'], {
        io: { out: sink, err: sink, interactive: false },
        env: {
          MLOPS_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          MLOPS_API_KEY: keys.viewer as string,
        },
        pollMs: 200,
        exitCode: 0,
      });
      expect(code).toBe(0);
      expect(out).toContain(`dataset/${run.dataVersion}`);
      expect(out).toMatch(/^0\s+version\//m);
    } finally {
      server.close();
    }
  }, 240_000);

  it('retention removes the artefacts of old runs, never of deployed or served versions, and reports what it freed', async () => {
    // `again` is rejected (its version archived without ever serving): the one old run retention may clean.
    await h.decide(h.client.workflow.getHandle(again) as never, 'rejected', 'alice', 'retention test');
    await h.client.workflow.getHandle(again).result();
    const runs = [first, again, third];
    const states = await h.deps.db('pipeline_runs').whereIn('run_id', runs).select('run_id', 'status', 'ended_at');
    expect(states.every((r: { ended_at: Date | null }) => r.ended_at !== null)).toBe(true);
    await h.deps
      .db('pipeline_runs')
      .whereIn('run_id', runs)
      .update({ ended_at: h.deps.db.raw(`ended_at - interval '100 days'`) });
    const objectsOf = async (runId: string) =>
      (await h.deps
        .db('artifacts')
        .where({ run_id: runId })
        .whereNot({ kind: 'raw_dataset' })
        .whereNotNull('store_key')
        .select('store_key', 'kind')) as Array<{ store_key: string; kind: string }>;
    const exists = async (key: string) => (await h.deps.store.stat(key)) !== undefined;
    const againModel = (await objectsOf(again)).find((a) => a.kind === 'model') as { store_key: string };
    const firstModel = (await objectsOf(first)).find((a) => a.kind === 'model') as { store_key: string };
    expect(await exists(againModel.store_key)).toBe(true);
    const retention = (body: object, holder = 'admin') =>
      request(app)
        .post('/v1/admin/retention')
        .set(auth[holder] as { Authorization: string })
        .send(body);

    expect((await retention({ olderThanDays: 30 }, 'operator')).status).toBe(403);
    const dry = await retention({ olderThanDays: 30, pipeline: 'churn', dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.runs.map((r: { runId: string }) => r.runId)).toEqual([again]);
    expect(dry.body.kept).toEqual(
      expect.arrayContaining([
        { runId: first, reason: expect.stringMatching(/deployed to production/) },
        { runId: third, reason: expect.stringMatching(/deployed to staging|in staging/) },
      ]),
    );
    expect(dry.body.freed.objects).toBeGreaterThan(0);
    expect(await exists(againModel.store_key)).toBe(true);

    const applied = await retention({ olderThanDays: 30, pipeline: 'churn' });
    expect(applied.status).toBe(200);
    expect(applied.body.runs).toEqual(dry.body.runs);
    expect(applied.body.freed).toEqual(dry.body.freed);
    // The ABT `again` read is the one `first` built (a cache hit): it stays, as does everything `first` uses.
    expect(applied.body.runs[0].abtTables).toEqual([]);
    expect(await exists(againModel.store_key)).toBe(false);
    expect(await exists(firstModel.store_key)).toBe(true);
    for (const a of await objectsOf(first)) expect(await exists(a.store_key)).toBe(true);
    const raw = (await get(`/v1/runs/${again}/tracking`)).body;
    expect(raw.artifactsRemovedAt).toEqual(expect.any(String));
    expect(raw.candidates).toHaveLength(2);
    expect((await get(`/v1/runs/${first}/tracking`)).body.artifactsRemovedAt).toBeNull();
    const gone = await get(`/v1/runs/${again}/report.html`);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toBe('REPORT_REMOVED');
    expect((await get(`/v1/runs/${first}/report.html`)).status).toBe(200);
    expect(
      await exists((await h.deps.db('artifacts').where({ run_id: again, kind: 'raw_dataset' }).first()).store_key),
    ).toBe(true);
    // Idempotent: nothing left to free.
    const second = await retention({ olderThanDays: 30, pipeline: 'churn' });
    expect(second.body.runs).toEqual([]);
    expect(second.body.freed).toEqual({ objects: 0, bytes: 0, abtTables: 0, abtBytes: 0 });

    // A run that failed its gate built an ABT of its own (another pipeline): retention drops the table.
    await h.variant('churn-gate', {
      candidates: FAST_CHURN_CANDIDATES,
      evaluation: { thresholds: { f1_macro: { min: 0.999 } } },
    });
    const gated = await h.start({ pipeline: 'churn-gate', trigger: { kind: 'api', by: 'oscar' } });
    await gated.result().catch(() => undefined);
    const gatedRow = await h.deps.db('pipeline_runs').where({ run_id: gated.workflowId }).first('status');
    expect(gatedRow.status).toBe('gate_failed');
    await h.deps
      .db('pipeline_runs')
      .where({ run_id: gated.workflowId })
      .update({ ended_at: h.deps.db.raw(`ended_at - interval '100 days'`) });
    const abt = (await h.deps.db('artifacts').where({ run_id: gated.workflowId, kind: 'abt' }).first('uri'))
      .uri as string;
    const [schema, table] = abt.replace(/^postgres:/, '').split('.');
    const tableExists = async () =>
      Boolean(await h.deps.db('information_schema.tables').where({ table_schema: schema, table_name: table }).first());
    expect(await tableExists()).toBe(true);
    const dropped = await retention({ olderThanDays: 30, pipeline: 'churn-gate' });
    expect(dropped.body.runs).toEqual([
      expect.objectContaining({ runId: gated.workflowId, abtTables: [`${schema}.${table}`] }),
    ]);
    expect(dropped.body.freed.abtTables).toBe(1);
    expect(dropped.body.freed.abtBytes).toBeGreaterThan(0);
    expect(await tableExists()).toBe(false);
    // Its cached steps are forgotten: a new run of the pipeline builds the ABT again instead of reading a gone table.
    expect(await h.deps.db('step_cache').where({ producer_run_id: gated.workflowId }).first()).toBeUndefined();
  }, 300_000);

  async function eventuallyProduction() {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const row = await h.deps.db('model_versions').where({ run_id: first, stage: 'production' }).first();
      if (row) return;
      if (Date.now() > deadline) throw new Error('the approved version never reached production');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
});
