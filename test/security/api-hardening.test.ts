// Audit rows 12, 13 and the API items of the last row: no 5xx after a side effect, idempotent rollback, JSON routes
// take only JSON, /metrics is not public, and failed authentications are rate limited.
import request from 'supertest';
import { startApiHarness, type ApiHarness } from '../integration/api/harness';
import { promoteAndDeploy, registerTinyModel } from '../integration/api/model-fixture';

describe('security: API hardening', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ env: { AUTH_FAILURE_LIMIT_PER_MINUTE: '5' } });
  });
  afterAll(() => h?.stop());

  const count = async (table: string) => Number((await h.db(table).count({ n: '*' }).first())?.n);

  it('row 12: a NUL character in params is a 400 and starts nothing (no workflow, no run row)', async () => {
    const before = await count('pipeline_runs');
    const res = await request(h.app)
      .post('/v1/pipelines/churn/runs')
      .set(h.auth('operator'))
      .set('Content-Type', 'application/json')
      .send('{"params":{"seed":"1\\u0000"}}');
    expect(res.status).toBe(400);
    expect(res.body.details.issues[0].path).toBe('body.params.seed');
    expect(await count('pipeline_runs')).toBe(before);
    let started = 0;
    for await (const _ of h.client.workflow.list({ query: `TaskQueue="${h.taskQueue}"` })) started += 1;
    expect(started).toBe(0);
  });

  it('row 12: a prediction that is not a finite number is a 422, and nothing is logged', async () => {
    const v1 = await registerTinyModel(h, { model: 'edge', runId: 'edge-run-1' });
    await promoteAndDeploy(h, { model: 'edge', versionId: v1.id });
    const before = await count('prediction_log');
    const res = await request(h.app)
      .post('/v1/predict/edge')
      .set(h.auth('predictor'))
      .send({
        rows: [
          { x: 1e308, colour: 'red' },
          { x: -1e308, colour: 'blue' },
        ],
      });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('NON_FINITE_PREDICTION');
    expect(await count('prediction_log')).toBe(before);
    const fine = await request(h.app)
      .post('/v1/predict/edge')
      .set(h.auth('predictor'))
      .send({ rows: [{ x: 1, colour: 'red' }] });
    expect(fine.status).toBe(200);
  });

  it('row 13: two identical rollbacks leave production on the requested version (no v1 → v2 → v1 flip)', async () => {
    const v1 = await registerTinyModel(h, { model: 'flip', runId: 'flip-run-1' });
    await promoteAndDeploy(h, { model: 'flip', versionId: v1.id });
    const v2 = await registerTinyModel(h, { model: 'flip', runId: 'flip-run-2' });
    await promoteAndDeploy(h, { model: 'flip', versionId: v2.id });
    const rollback = () =>
      request(h.app)
        .post('/v1/models/flip/rollback')
        .set(h.auth('approver'))
        .send({ version: 1, reason: 'v2 regressed' });
    const [first, second] = await Promise.all([rollback(), rollback()]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([first.body.changed, second.body.changed].sort()).toEqual([false, true]);
    expect((await rollback()).body).toMatchObject({ version: 1, changed: false });
    const production = await h.db('deployments').where({ model_name: 'flip', slot: 'production' }).first();
    expect(production.model_version_id).toBe(v1.id);
    expect(await h.db('audit_log').where({ action: 'rollback', target: 'model:flip' })).toHaveLength(1);
  });

  it('last row: a text/plain body is a 415 and starts no run with every default', async () => {
    const before = await count('pipeline_runs');
    const res = await request(h.app)
      .post('/v1/pipelines/churn/runs')
      .set(h.auth('operator'))
      .set('Content-Type', 'text/plain')
      .send('start please');
    expect(res.status).toBe(415);
    expect(res.body.error).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await count('pipeline_runs')).toBe(before);
  });

  it('last row: /metrics needs a role', async () => {
    expect((await request(h.app).get('/metrics')).status).toBe(401);
    expect((await request(h.app).get('/metrics').set(h.auth('viewer'))).status).toBe(200);
  });

  it('last row: repeated failed authentications from one client are refused with 429, for every route', async () => {
    const wrong = `mlk_${'0'.repeat(12)}_${'A'.repeat(43)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      statuses.push((await request(h.app).get('/v1/runs').set('Authorization', `Bearer ${wrong}`)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // Blocked means blocked: even a valid key from that client waits for the window to pass.
    const blocked = await request(h.app).get('/v1/me').set(h.auth('viewer'));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });
});
