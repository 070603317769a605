import request from 'supertest';
import { auth, unitApp } from './fakes';

const ErrorShape = { error: expect.any(String), message: expect.any(String), details: expect.any(Object) };

describe('the API shell: errors, auth, request ids, documents', () => {
  const { app } = unitApp();

  it('answers an unknown route with a JSON 404 that points to the document', async () => {
    const res = await request(app).get('/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ ...ErrorShape, error: 'ROUTE_NOT_FOUND' });
    expect(res.body.message).toContain('/openapi.json');
  });

  it('refuses a call without credentials (401) and one with too low a role (403), as JSON', async () => {
    const anonymous = await request(app).get('/v1/me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ error: 'UNAUTHENTICATED' });
    const wrong = await request(app).get('/v1/me').set('Authorization', 'Bearer nonsense');
    expect(wrong.status).toBe(401);
    const viewer = await request(app).get('/v1/keys').set(auth('viewer'));
    expect(viewer.status).toBe(403);
    expect(viewer.body).toMatchObject({ error: 'FORBIDDEN', details: { required: 'admin', role: 'viewer' } });
    expect(viewer.body.message).toContain('needs admin');
  });

  it('knows who is calling, by Authorization or X-API-Key', async () => {
    const res = await request(app).get('/v1/me').set('X-API-Key', 'approver-token');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: 'approver-user', role: 'approver', via: 'api-key', keyId: null });
    const predictor = await request(app).get('/v1/me').set(auth('predictor'));
    expect(predictor.body.role).toBe('predictor');
  });

  it('keeps a safe caller request id and replaces an unsafe one', async () => {
    const kept = await request(app).get('/healthz').set('X-Request-Id', 'abc-123');
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await request(app).get('/healthz').set('X-Request-Id', 'bad id <script>');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets security headers and no x-powered-by', async () => {
    const res = await request(app).get('/healthz');
    expect(res.body).toEqual({ status: 'ok', version: '0.0.0-test' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('answers malformed JSON with 400 INVALID_JSON and an oversized body with 413', async () => {
    const bad = await request(app)
      .post('/v1/predict/iris')
      .set(auth('operator'))
      .set('Content-Type', 'application/json')
      .send('{"rows": [');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('INVALID_JSON');
    const huge = await request(app)
      .post('/v1/predict/iris')
      .set(auth('operator'))
      .send({ rows: [{ x: 'y'.repeat(70_000) }] });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toBe('PAYLOAD_TOO_LARGE');
  });

  it('serves an OpenAPI 3.1 document with every route, its role and the common error body', async () => {
    const res = await request(app).get('/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { operationId: string; responses: Record<string, unknown>; 'x-required-role'?: string }>
      >;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/pipelines/{name}/runs',
        '/v1/runs',
        '/v1/runs/{runId}',
        '/v1/runs/{runId}/approve',
        '/v1/schedules/{scheduleId}/pause',
        '/v1/models/{name}/versions/{version}',
        '/v1/predict/{model}',
        '/v1/feedback',
        '/codec/decode',
        '/readyz',
      ]),
    );
    const approve = doc.paths['/v1/runs/{runId}/approve']?.post;
    expect(approve?.['x-required-role']).toBe('approver');
    expect(Object.keys(approve?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404', '409']),
    );
    expect(doc.components.schemas.Error).toMatchObject({ required: ['error', 'message', 'details'] });
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('exposes Prometheus metrics, including the model version each slot serves', async () => {
    await request(app).get('/healthz');
    expect((await request(app).get('/metrics')).status).toBe(401);
    const res = await request(app).get('/metrics').set(auth('viewer'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toContain('mlops_http_request_duration_seconds_bucket');
    expect(res.text).toMatch(
      /mlops_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} \d+/,
    );
    expect(res.text).toContain('mlops_model_version_served{model="iris",slot="production"} 3');
  });
});
