import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { parse as parseYaml } from 'yaml';
import { apiOverHarness, roleKeys, type HarnessApi } from '../../helpers/api-over-harness';
import { PROJECT_ROOT } from '../../../lib/config';
import { createPostgresOnlineStore } from '../../../lib/featurestore/online/postgres';
import { createOnlineFeatureService } from '../../../lib/featurestore/serving';
import { materializationWorkflowId } from '../../../workflows/featurestore/workflow';
import { checkNowSignal, monitorStateQuery } from '../../../workflows/monitor/workflow';
import { startPipelineHarness, type PipelineHarness } from '../../helpers/pipeline-harness';

const MODEL = 'churn-fs-classifier';
// The example data ends in December 2024: serve as of mid-January 2025, so TTLs mean what they would then.
const SERVING_NOW = Date.parse('2025-01-10T00:00:00Z');

type Csv = Array<Record<string, string>>;
const readCsv = (file: string) =>
  parse(readFileSync(join(PROJECT_ROOT, 'pipelines/data/features', file), 'utf8'), { columns: true }) as Csv;

/** The last row of each customer in a source file (rows are in time order per customer). */
function lastRows(rows: Csv): Map<string, Record<string, string>> {
  const last = new Map<string, Record<string, string>>();
  for (const r of rows) last.set(r.customer_id as string, r);
  return last;
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

describe('feature store end to end: two views → training set → production model answering from an entity key', () => {
  let h: PipelineHarness;
  let app: HarnessApi['app'];
  let models: HarnessApi['models'];
  const auth: Record<string, { Authorization: string }> = {};
  const profile = lastRows(readCsv('customer_profile.csv'));
  const support = lastRows(readCsv('support_activity.csv'));

  beforeAll(async () => {
    h = await startPipelineHarness();
    ({ app, models } = apiOverHarness(h, {
      deps: {
        onlineFeatures: createOnlineFeatureService({
          db: h.deps.db,
          online: createPostgresOnlineStore(h.deps.db),
          log: h.deps.log,
          now: () => SERVING_NOW,
        }),
      },
    }));
    Object.assign(auth, (await roleKeys(h, 'fs', ['viewer', 'operator', 'predictor', 'admin'])).auth);
  }, 120_000);
  afterAll(async () => {
    await models?.close();
    await h?.stop();
  });

  it('trains on a point-in-time join, materializes, and predicts from customer_id alone', async () => {
    // 1. Definitions through the API (admin, audited); applying the same file again changes nothing.
    const definitions = parseYaml(readFileSync(join(PROJECT_ROOT, 'features/customers.yaml'), 'utf8')) as unknown;
    const apply = () =>
      request(app).post('/v1/features/apply').set(auth.admin!).send({ definitions, source: 'customers.yaml' });
    const applied = await apply();
    expect(applied.status).toBe(200);
    expect(applied.body.featureViews.map((v: { status: string }) => v.status)).toEqual(['created', 'created']);
    expect((await apply()).body.featureViews.map((v: { status: string }) => v.status)).toEqual([
      'unchanged',
      'unchanged',
    ]);
    expect(await h.deps.db('audit_log').where({ action: 'features.apply' }).pluck('target')).toEqual(
      expect.arrayContaining(['entity:customer', 'feature_view:customer_profile', 'feature_view:support_activity']),
    );
    expect((await request(app).post('/v1/features/apply').set(auth.operator!).send({ definitions })).status).toBe(403);

    // 2. The pipeline: its training set is the join, stored in the lake like any raw dataset.
    await h.variant(
      'churn-features',
      {
        candidates: [{ name: 'logreg', kind: 'logistic_regression', hyperparameters: { epochs: 8, batchSize: 64 } }],
        evaluation: { thresholds: {} },
        monitoring: { minSamples: 50 },
        parameters: [],
      },
      'churn-features',
    );
    const run = await h.start({ pipeline: 'churn-features' });
    await h.waitForStatus(run, (s) => s.status === 'waiting_approval', 180_000);
    await h.decide(run, 'approved', 'alice', 'features look right');
    expect((await run.result()).outcome).toBe('succeeded');

    const raw = await h.deps.db('artifacts').where({ run_id: run.workflowId, kind: 'raw_dataset' }).first();
    expect(raw.store_key).toMatch(/^lake\/raw\/sha256\/[0-9a-f]{2}\/[0-9a-f]{64}\.csv$/);
    expect(raw.metadata.featureViews.map((v: { name: string; version: number }) => `${v.name}@${v.version}`)).toEqual([
      'customer_profile@1',
      'support_activity@1',
    ]);
    const trainingSet = parse((await h.deps.store.getBytes(raw.store_key)).toString('utf8'), { columns: true }) as Csv;
    expect(trainingSet).toHaveLength(readCsv('churn_labels.csv').length);
    expect(Object.keys(trainingSet[0] as object)).toEqual([
      'customer_id',
      'event_timestamp',
      'channel',
      'churned',
      'tenure_months',
      'monthly_charges',
      'contract',
      'has_internet',
      'region',
      'support_calls_30d',
      'avg_resolution_hours',
    ]);
    // No row carries a snapshot taken after its own moment.
    const months = (t: string) => new Date(t).getUTCFullYear() * 12 + new Date(t).getUTCMonth();
    for (const row of trainingSet.slice(0, 200)) {
      const snapshots = readCsv('customer_profile.csv').filter(
        (p) => p.customer_id === row.customer_id && p.event_timestamp! <= new Date(row.event_timestamp!).toISOString(),
      );
      expect(row.tenure_months).toBe(snapshots.at(-1)?.tenure_months ?? '');
      if (snapshots.length) expect(months(snapshots.at(-1)!.event_timestamp!)).toBe(months(row.event_timestamp!));
    }
    const report = JSON.parse(
      (await h.deps.store.getBytes(`runs/${run.workflowId}/report/report.json`)).toString('utf8'),
    ) as { featureViews: Array<{ name: string; version: number }> };
    expect(report.featureViews.map((v) => [v.name, v.version])).toEqual([
      ['customer_profile', 1],
      ['support_activity', 1],
    ]);

    // 3. Materialize both views (Temporal workflows started through the API).
    for (const view of ['customer_profile', 'support_activity']) {
      const res = await request(app).post(`/v1/features/views/${view}/materialize`).set(auth.operator!).send({});
      expect(res.status).toBe(202);
      await h.client.workflow.getHandle(materializationWorkflowId(view)).result();
    }
    const shown = await request(app).get('/v1/features/views/support_activity').set(auth.viewer!);
    expect(shown.body.materialization.watermark).not.toBeNull();
    expect(shown.body.lineage).toEqual([
      expect.objectContaining({
        runId: run.workflowId,
        version: 1,
        models: [{ model: MODEL, version: 1, stage: 'production' }],
      }),
    ]);

    // 4. Predict with the entity key and the request-time field only.
    const fresh = [...support.values()].find((r) => r.event_timestamp!.startsWith('2024-12'))!.customer_id!;
    const stale = [...support.values()].find((r) => r.event_timestamp!.startsWith('2024-06'))!.customer_id!;
    const res = await request(app)
      .post(`/v1/predict/${MODEL}`)
      .set(auth.predictor!)
      .send({
        rows: [
          { customer_id: Number(fresh), channel: 'web' },
          { customer_id: stale, channel: 'phone' },
          { customer_id: 999999, channel: 'store' },
        ],
      });
    expect(res.status).toBe(200);
    expect(res.body.predictions).toHaveLength(3);
    for (const p of res.body.predictions) expect(['yes', 'no']).toContain(p.prediction);
    expect(res.body.featureViews).toEqual([
      { name: 'customer_profile', version: 1 },
      { name: 'support_activity', version: 1 },
    ]);
    expect(res.body.featureWarnings).toEqual([
      expect.objectContaining({
        row: 1,
        view: 'support_activity',
        kind: 'stale',
        entity: { customer_id: stale },
        eventTime: expect.stringMatching(/^2024-06-15T06:00:00/),
      }),
      expect.objectContaining({ row: 2, view: 'customer_profile', kind: 'missing' }),
      expect.objectContaining({ row: 2, view: 'support_activity', kind: 'missing' }),
    ]);

    // What was used is logged for monitoring: the looked-up values, and the lookup itself.
    const logged = await h.deps.db('prediction_log').where({ request_id: res.body.requestId }).orderBy('row_index');
    const used = logged[0].inputs as Record<string, unknown>;
    expect(used).toMatchObject({
      customer_id: Number(fresh),
      channel: 'web',
      tenure_months: Number(profile.get(fresh)!.tenure_months),
      monthly_charges: Number(profile.get(fresh)!.monthly_charges),
      contract: profile.get(fresh)!.contract,
      support_calls_30d: Number(support.get(fresh)!.support_calls_30d),
    });
    expect((logged[1].inputs as Record<string, unknown>).support_calls_30d).toBeNull();
    expect(
      await h.deps
        .db('feature_lookup_log')
        .where({ request_id: res.body.requestId })
        .orderBy('view')
        .select('view', 'rows', 'missing', 'stale'),
    ).toEqual([
      { view: 'customer_profile', rows: 3, missing: 1, stale: 0 },
      { view: 'support_activity', rows: 3, missing: 1, stale: 1 },
    ]);

    // A row without its entity key is refused with a message that says what to send.
    const noKey = await request(app)
      .post(`/v1/predict/${MODEL}`)
      .set(auth.predictor!)
      .send({ rows: [{ channel: 'web' }] });
    expect(noKey.status).toBe(400);
    expect(noKey.body.message).toMatch(/rows\[0\] has no customer_id/);

    // 5. Monitoring: drift is reported per feature-view column.
    const customers = [...profile.keys()].slice(0, 120).map((id) => ({ customer_id: id, channel: 'web' }));
    expect(
      (await request(app).post(`/v1/predict/${MODEL}`).set(auth.predictor!).send({ rows: customers })).status,
    ).toBe(200);
    const monitor = h.client.workflow.getHandle(`monitor-${run.workflowId}`);
    await monitor.signal(checkNowSignal);
    await eventually('a monitoring window', async () => {
      const state = await monitor.query(monitorStateQuery);
      return state.windowIndex >= 1 && state.lastWindow ? state : undefined;
    });
    const drift = await request(app).get('/v1/features/views/customer_profile/drift').set(auth.viewer!);
    expect(drift.status).toBe(200);
    const columns = drift.body.columns as Array<{ column: string; model: string; windows: unknown[] }>;
    expect(columns.map((c) => c.column)).toEqual([
      'tenure_months',
      'monthly_charges',
      'contract',
      'has_internet',
      'region',
    ]);
    for (const c of columns) {
      expect(c.model).toBe(MODEL);
      expect(c.windows.length).toBe(1);
    }
  });
});
