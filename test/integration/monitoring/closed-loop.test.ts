import ExcelJS from 'exceljs';
import request from 'supertest';
import { apiOverHarness, roleKeys, type HarnessApi } from '../../helpers/api-over-harness';
import { testKey } from '../../helpers/keys';
import { CHURN_HEADER, churnRows } from '../../../scripts/generate-example-data';
import { checkNowSignal, monitorStateQuery } from '../../../workflows/monitor/workflow';
import { FAST_CHURN_CANDIDATES, startPipelineHarness, type PipelineHarness } from '../../helpers/pipeline-harness';

const MODEL = 'churn-classifier';
// A version of the churn spec for this suite: small windows, retraining on drift, fast retraining candidates.
const overrides = {
  candidates: FAST_CHURN_CANDIDATES,
  monitoring: { interval: '1h', minSamples: 100, onDrift: 'retrain', drift: { psi: 0.2, ksPValue: 0.001, js: 0.1 } },
};

/** Rows as a client sends them: the churn columns without the id and the label. */
function traffic(count: number, seed: number, shift = 0): Array<Record<string, unknown>> {
  return churnRows(count, seed, shift).map((values) => {
    const row = Object.fromEntries(CHURN_HEADER.map((h, i) => [h, values[i]]));
    delete row.customer_id;
    delete row.churned;
    return row;
  });
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('closed loop: traffic through /v1/predict → monitor → alert → retraining run', () => {
  let h: PipelineHarness;
  let app: HarnessApi['app'];
  let models: HarnessApi['models'];
  const auth: Record<string, { Authorization: string }> = {};

  beforeAll(async () => {
    h = await startPipelineHarness();
    await h.variant('churn', overrides);
    ({ app, models } = apiOverHarness(h));
    Object.assign(auth, (await roleKeys(h, 'loop', ['viewer', 'operator', 'predictor'])).auth);
  }, 120_000);
  afterAll(async () => {
    await models?.close();
    await h?.stop();
  });

  it('flags the shifted feature only, records an alert and starts one linked retraining run; unshifted traffic raises nothing', async () => {
    const run = await h.start({ pipeline: 'churn' });
    await h.waitForStatus(run, (s) => s.status === 'waiting_approval');
    await h.decide(run, 'approved', 'alice', 'ship it');
    await run.result();

    // The run report is downloadable, and opens as a workbook.
    const xlsx = await request(app)
      .get(`/v1/runs/${run.workflowId}/report.xlsx`)
      .set(auth.viewer!)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(xlsx.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.body as ArrayBuffer);
    expect(workbook.worksheets.map((w) => w.name)).toContain('Metrics');
    expect((await request(app).get(`/v1/runs/${run.workflowId}/report.html`).set(auth.viewer!)).text).toContain('<svg');

    const monitor = h.client.workflow.getHandle(`monitor-${run.workflowId}`);
    const predict = async (rows: Array<Record<string, unknown>>) => {
      const res = await request(app).post(`/v1/predict/${MODEL}`).set(auth.predictor!).send({ rows });
      expect(res.status).toBe(200);
      expect(res.body.version).toBe(1);
    };
    // The monitor records a window before it starts the retraining run that window calls for: a drifted window is
    // done once the run is started too.
    const windowDone = async (index: number, retrains = false) => {
      await monitor.signal(checkNowSignal);
      return eventually(`monitoring window ${index}`, async () => {
        const state = await monitor.query(monitorStateQuery);
        const started = !retrains || state.retrainingRunId !== undefined;
        return state.windowIndex >= index && state.lastWindow && started ? state : undefined;
      });
    };

    // Window 1: traffic from the training distribution.
    for (let i = 0; i < 3; i += 1) await predict(traffic(100, 500 + i));
    const calm = await windowDone(1);
    expect(calm.lastWindow).toMatchObject({ samples: 300, drifted: false, driftedFeatures: [] });
    expect(calm.lastWindow?.alert).toBeUndefined();
    expect(await h.deps.db('alerts').count({ n: '*' }).first()).toEqual({ n: 0 });

    // Window 2: monthly_charges shifted up by 60; everything else as in training.
    for (let i = 0; i < 3; i += 1) await predict(traffic(100, 600 + i, 60));
    const shifted = await windowDone(2, true);
    expect(shifted.lastWindow?.drifted).toBe(true);
    expect(shifted.lastWindow?.driftedFeatures).toEqual(['monthly_charges']);
    const alertId = shifted.lastWindow?.alert?.id as number;
    expect(shifted.lastWindow?.alert).toMatchObject({
      kind: 'drift',
      message: expect.stringContaining('monthly_charges'),
    });

    const retrainId = `churn-retrain-alert-${alertId}`;
    expect(shifted.retrainingRunId).toBe(retrainId);
    const alert = await h.deps.db('alerts').where({ id: alertId }).first();
    expect(alert).toMatchObject({ kind: 'drift', action: 'retrain', retraining_run_id: retrainId, status: 'open' });
    const retraining = h.client.workflow.getHandle(retrainId);
    const retrainStatus = await h.waitForStatus(retraining, (s) => s.status === 'waiting_approval', 180_000);
    const v2 = await h.deps
      .db('model_versions')
      .where({ model_name: MODEL, version: retrainStatus.modelVersion?.version })
      .first();
    expect(v2.lineage.trigger).toMatchObject({ kind: 'drift', alertId });
    expect(await h.deps.db('pipeline_runs').where({ run_id: retrainId }).first()).toMatchObject({ trigger: 'drift' });

    // Window 3: still drifting, but a retraining run is in flight: the alert links to it, no second run starts.
    for (let i = 0; i < 2; i += 1) await predict(traffic(100, 700 + i, 60));
    const again = await windowDone(3);
    expect(again.lastWindow?.alert?.id).toBeGreaterThan(alertId);
    expect(again.retrainingRunId).toBe(retrainId);
    const drifts = await h.deps.db('pipeline_runs').where({ trigger: 'drift' }).pluck('run_id');
    expect(drifts).toEqual([retrainId]);

    const overview = await request(app).get(`/v1/models/${MODEL}/monitoring`).set(auth.viewer!);
    expect(overview.status).toBe(200);
    expect(overview.body.windows.map((w: { drifted: boolean }) => w.drifted)).toEqual([true, true, false]);
    expect(overview.body.alerts[1]).toMatchObject({ alertId, retrainingRunId: retrainId });
    const ack = await request(app)
      .post(`/v1/alerts/${alertId}/acknowledge`)
      .set(auth.operator!)
      .send({ reason: 'retraining under way' });
    expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'loop-operator' });
    const html = await request(app).get(`/v1/models/${MODEL}/monitoring/report.html`).set(auth.viewer!);
    expect(html.status).toBe(200);
    expect(html.text).toContain('monthly_charges');
    await retraining.terminate('test finished');
  });

  it('hands monitoring back to the restored version on a rollback', async () => {
    const first = await h.client.workflow.list({
      query: `WorkflowType='mlPipeline' AND WorkflowId STARTS_WITH 'test-churn'`,
    });
    const earlier: string[] = [];
    for await (const w of first) earlier.push(w.workflowId);
    const run = await h.start({ pipeline: 'churn' });
    await h.waitForStatus(run, (s) => s.status === 'waiting_approval');
    await h.decide(run, 'approved', 'alice', 'newer data');
    const result = await run.result();
    const previous = await h.deps.db('deployments').where({ model_name: MODEL, slot: 'production' }).first();
    const restoredRunId = (await h.deps.db('model_versions').where({ id: previous.previous_version_id }).first())
      .run_id;

    const { key } = await testKey(h.deps.db, 'loop-approver', 'approver');
    const restoredVersion = (await h.deps.db('model_versions').where({ id: previous.previous_version_id }).first())
      .version as number;
    const res = await request(app)
      .post(`/v1/models/${MODEL}/rollback`)
      .set({ Authorization: `Bearer ${key}` })
      .send({ version: restoredVersion, reason: 'new version misbehaves' });
    expect(res.status).toBe(200);
    expect(res.body.replacedVersion).toBe(result.version);
    const stopped = h.client.workflow.getHandle(`monitor-${run.workflowId}`);
    await eventually("the replaced version's monitor to stop", async () =>
      (await stopped.describe()).status.name === 'COMPLETED' ? true : undefined,
    );
    const restored = await h.client.workflow.getHandle(`monitor-${restoredRunId}`).describe();
    expect(restored.status.name).toBe('RUNNING');
    expect(earlier).toContain(restoredRunId);
  });
});
