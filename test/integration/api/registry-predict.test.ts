import request from 'supertest';
import { listAudit } from '../../../lib/audit';
import { eventually, startApiHarness, type ApiHarness } from './harness';
import { promoteAndDeploy, registerTinyModel } from './model-fixture';

describe('registry and prediction routes with the real model server', () => {
  let h: ApiHarness;
  let v1: { id: number; version: number };
  let v2: { id: number; version: number };
  beforeAll(async () => {
    h = await startApiHarness({ worker: false });
    v1 = await registerTinyModel(h, { model: 'tiny', runId: 'tiny-run-1' });
    v2 = await registerTinyModel(h, { model: 'tiny', runId: 'tiny-run-2', epochs: 4 });
    await promoteAndDeploy(h, { model: 'tiny', versionId: v1.id });
    await promoteAndDeploy(h, { model: 'tiny', versionId: v2.id, slot: 'staging' });
  });
  afterAll(() => h?.stop());

  const get = (path: string, holder: 'viewer' | 'predictor' = 'viewer') => request(h.app).get(path).set(h.auth(holder));
  const predict = (
    model: string,
    rows: object[],
    query = '',
    holder: 'operator' | 'predictor' | 'viewer' = 'operator',
  ) => request(h.app).post(`/v1/predict/${model}${query}`).set(h.auth(holder)).send({ rows });

  it('lists models with their production version; 401 anonymous, 403 for a predictor key', async () => {
    const res = await get('/v1/models');
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      expect.objectContaining({ name: 'tiny', task: 'classification', productionVersion: 1 }),
    ]);
    expect((await request(h.app).get('/v1/models')).status).toBe(401);
    expect((await get('/v1/models', 'predictor')).status).toBe(403);
  });

  it('lists versions and shows one with metrics, lineage, artefact hashes and stage history; 404s and 400s', async () => {
    const versions = await get('/v1/models/tiny/versions');
    expect(versions.body.items.map((v: { version: number; stage: string }) => [v.version, v.stage])).toEqual([
      [2, 'none'],
      [1, 'production'],
    ]);
    const detail = await get('/v1/models/tiny/versions/1');
    expect(detail.status).toBe(200);
    const stored = await h.store.stat(`test/api/tiny-run-1/model.bin`);
    expect(detail.body).toMatchObject({
      version: 1,
      stage: 'production',
      metrics: { accuracy: 0.9 },
      lineage: { data: 'synthetic' },
      artifacts: { model: { sha256: stored?.sha256 } },
      deployedTo: ['production'],
      stageHistory: [expect.objectContaining({ from: 'none', to: 'production', actor: 'alice' })],
    });
    expect((await get('/v1/models/nope/versions')).body.error).toBe('MODEL_NOT_FOUND');
    expect((await get('/v1/models/tiny/versions/9')).status).toBe(404);
    const bad = await get('/v1/models/tiny/versions/abc');
    expect(bad.status).toBe(400);
    expect(bad.body.details.issues[0].path).toBe('params.version');
  });

  it('predicts with the production and the staging version, class probabilities included', async () => {
    const prod = await predict('tiny', [
      { x: 0.9, colour: 'red' },
      { x: -0.9, colour: 'blue' },
    ]);
    expect(prod.status).toBe(200);
    expect(prod.body).toMatchObject({ model: 'tiny', slot: 'production', version: 1, logged: true });
    expect(prod.body.predictions).toHaveLength(2);
    for (const p of prod.body.predictions) {
      expect(['yes', 'no']).toContain(p.prediction);
      expect(p.probabilities.yes + p.probabilities.no).toBeCloseTo(1, 4);
    }
    const staging = await predict('tiny', [{ x: 0.5, colour: 'blue' }], '?env=staging', 'predictor');
    expect(staging.body).toMatchObject({ slot: 'staging', version: 2 });
    const deployments = await get('/v1/deployments');
    expect(deployments.body.items).toEqual([
      expect.objectContaining({
        model: 'tiny',
        slot: 'production',
        version: 1,
        served: expect.objectContaining({ version: 1 }),
      }),
      expect.objectContaining({
        model: 'tiny',
        slot: 'staging',
        version: 2,
        served: expect.objectContaining({ version: 2 }),
      }),
    ]);
    const metrics = await request(h.app).get('/metrics').set(h.auth('viewer'));
    expect(metrics.text).toContain('mlops_model_version_served{model="tiny",slot="production"} 1');
    expect(metrics.text).toMatch(/mlops_predictions_total\{model="tiny",version="1",slot="production"\} 2/);
  });

  it('logs sampled predictions row by row and records feedback for them', async () => {
    const res = await predict('tiny', [
      { x: 0.7, colour: 'red' },
      { x: -0.2, colour: 'blue' },
    ]);
    const logged = await h.database.db('prediction_log').where({ request_id: res.body.requestId }).orderBy('row_index');
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({
      model: 'tiny',
      slot: 'production',
      version: 1,
      row_index: 0,
      inputs: { x: 0.7, colour: 'red' },
    });
    expect(logged[1].outputs.prediction).toBe(res.body.predictions[1].prediction);

    const feedback = (items: object[], holder: 'predictor' | 'operator' | 'viewer' = 'predictor') =>
      request(h.app).post('/v1/feedback').set(h.auth(holder)).send({ items });
    const first = await feedback([
      { requestId: res.body.requestId, rowIndex: 0, label: 'yes' },
      { requestId: res.body.requestId, rowIndex: 1, label: 'no' },
    ]);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ recorded: 2 });
    // A corrected label replaces the first one.
    expect((await feedback([{ requestId: res.body.requestId, rowIndex: 1, label: 'yes' }], 'operator')).status).toBe(
      201,
    );
    const labels = await h.database
      .db('feedback')
      .join('prediction_log', 'prediction_log.id', 'feedback.prediction_id')
      .where({ request_id: res.body.requestId })
      .orderBy('row_index')
      .select('label', 'submitted_by');
    expect(labels).toEqual([
      { label: 'yes', submitted_by: 'pat' },
      { label: 'yes', submitted_by: 'oscar' },
    ]);

    const unknown = await feedback([{ requestId: '00000000-0000-4000-8000-000000000000', rowIndex: 0, label: 'no' }]);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: 'PREDICTION_NOT_FOUND', details: { missing: [{ rowIndex: 0 }] } });
    const noLabel = await feedback([{ requestId: res.body.requestId, rowIndex: 0 }]);
    expect(noLabel.status).toBe(400);
    expect(noLabel.body.details.issues[0].path).toBe('body.items[0].label');
    expect((await feedback([{ requestId: res.body.requestId, label: 'no' }], 'viewer')).status).toBe(403);
    expect((await request(h.app).post('/v1/feedback').send({ items: [] })).status).toBe(401);
  });

  it('answers 404 for a model without a deployment and 503 when the artefact fails its checksum', async () => {
    const missing = await predict('nothing-deployed', [{ x: 1 }]);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('MODEL_NOT_DEPLOYED');
    const tampered = await registerTinyModel(h, { model: 'tampered', runId: 'tampered-run-1' });
    await h.store.put(tampered.modelKey, Buffer.from('not the registered bytes'));
    await promoteAndDeploy(h, { model: 'tampered', versionId: tampered.id });
    const res = await predict('tampered', [{ x: 1, colour: 'red' }]);
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('ARTIFACT_INTEGRITY');
    expect(res.body.message).toContain('SHA-256');
  });

  it('rolls production back to an earlier version (approver only, audited, idempotent) and serves it at once', async () => {
    const rollback = (holder: 'operator' | 'approver', body: object = { version: 1, reason: 'v2 misbehaves' }) =>
      request(h.app).post('/v1/models/tiny/rollback').set(h.auth(holder)).send(body);
    expect((await rollback('operator')).status).toBe(403);
    const neverApproved = await rollback('approver', { version: 2, reason: 'x' });
    expect(neverApproved.status).toBe(409);
    expect(neverApproved.body.error).toBe('NEVER_APPROVED');
    const alreadyThere = await rollback('approver');
    expect(alreadyThere.status).toBe(200);
    expect(alreadyThere.body).toMatchObject({ version: 1, changed: false });
    expect((await rollback('approver', { reason: 'no version' })).status).toBe(400);
    expect(
      (await request(h.app).post('/v1/models/nope/rollback').set(h.auth('approver')).send({ version: 1, reason: 'x' }))
        .status,
    ).toBe(404);

    await promoteAndDeploy(h, { model: 'tiny', versionId: v2.id });
    await eventually(
      async () => (await predict('tiny', [{ x: 1, colour: 'red' }])).body.version === 2,
      20_000,
      'v2 in production',
    );
    const res = await rollback('approver');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      model: 'tiny',
      slot: 'production',
      version: 1,
      replacedVersion: 2,
      changed: true,
      by: 'alice',
      reason: 'v2 misbehaves',
    });
    // Repeating the same call (a client retry) changes nothing: production stays v1, one audit row.
    expect((await rollback('approver')).body).toMatchObject({ version: 1, changed: false });
    expect((await predict('tiny', [{ x: 1, colour: 'red' }])).body.version).toBe(1);
    const audit = await listAudit(h.database.db, { target: 'model:tiny', action: 'rollback' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'alice', reason: 'v2 misbehaves', details: { from: v2.id, to: v1.id } });
    const versions = await get('/v1/models/tiny/versions/1');
    expect(versions.body.stageHistory.at(-1)).toMatchObject({
      to: 'production',
      actor: 'alice',
      reason: 'rollback: v2 misbehaves',
    });
    const auditRoute = await request(h.app).get('/v1/audit').query({ target: 'model:tiny' }).set(h.auth('approver'));
    expect(auditRoute.body.items.map((a: { action: string }) => a.action)).toEqual(
      expect.arrayContaining(['rollback', 'promote']),
    );
    expect((await request(h.app).get('/v1/audit').set(h.auth('viewer'))).status).toBe(403);
  });
});
