import request from 'supertest';
import { auth, unitApp } from './fakes';

describe('POST /v1/predict/{model} (fake model server)', () => {
  const { app, models } = unitApp();

  it('returns predictions with class probabilities and the version of the slot asked for', async () => {
    const res = await request(app)
      .post('/v1/predict/iris')
      .set(auth('operator'))
      .send({ rows: [{ x: 1 }, { x: -1 }] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      model: 'iris',
      slot: 'production',
      version: 3,
      logged: false,
      predictions: [
        { prediction: 'yes', probabilities: { no: 0.25, yes: 0.75 } },
        { prediction: 'no', probabilities: { no: 0.25, yes: 0.75 } },
      ],
    });
    expect(res.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const staging = await request(app)
      .post('/v1/predict/iris?env=staging')
      .set(auth('operator'))
      .send({ rows: [{ x: 1 }] });
    expect(staging.body).toMatchObject({ slot: 'staging', version: 4 });
  });

  it('accepts a predictor key, refuses viewers and anonymous callers', async () => {
    const body = { rows: [{ x: 1 }] };
    expect((await request(app).post('/v1/predict/iris').set(auth('predictor')).send(body)).status).toBe(200);
    expect((await request(app).post('/v1/predict/iris').set(auth('viewer')).send(body)).status).toBe(403);
    expect((await request(app).post('/v1/predict/iris').send(body)).status).toBe(401);
  });

  it('answers 400 with field paths for a bad body, bad slot and a batch over the row limit', async () => {
    const before = models.calls;
    const noRows = await request(app).post('/v1/predict/iris').set(auth('operator')).send({ rows: [] });
    expect(noRows.status).toBe(400);
    expect(noRows.body).toMatchObject({ error: 'VALIDATION_FAILED', details: { issues: [{ path: 'body.rows' }] } });
    const notObjects = await request(app)
      .post('/v1/predict/iris')
      .set(auth('operator'))
      .send({ rows: [1, 2] });
    expect(notObjects.body.details.issues[0].path).toBe('body.rows[0]');
    const slot = await request(app)
      .post('/v1/predict/iris?env=dev')
      .set(auth('operator'))
      .send({ rows: [{ x: 1 }] });
    expect(slot.body.details.issues[0].path).toBe('query.env');
    const tooMany = await request(app)
      .post('/v1/predict/iris')
      .set(auth('operator'))
      .send({ rows: Array.from({ length: 6 }, () => ({ x: 1 })) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toContain('at most 5 rows per request (PREDICT_MAX_ROWS)');
    const badName = await request(app)
      .post('/v1/predict/Not_A_Model')
      .set(auth('operator'))
      .send({ rows: [{ x: 1 }] });
    expect(badName.body.details.issues[0].path).toBe('params.model');
    expect(models.calls).toBe(before);
  });

  it('maps serving errors: not deployed → 404, bad input → 400, checksum mismatch → 503', async () => {
    const rows = { rows: [{ x: 1 }] };
    const missing = await request(app).post('/v1/predict/missing').set(auth('operator')).send(rows);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('MODEL_NOT_DEPLOYED');
    const picky = await request(app).post('/v1/predict/picky').set(auth('operator')).send(rows);
    expect(picky.status).toBe(400);
    expect(picky.body).toMatchObject({ error: 'INVALID_INPUT', details: { index: 0 } });
    const tampered = await request(app).post('/v1/predict/tampered').set(auth('operator')).send(rows);
    expect(tampered.status).toBe(503);
    expect(tampered.body.error).toBe('ARTIFACT_INTEGRITY');
  });

  it('counts predicted rows by model, version and slot', async () => {
    await request(app)
      .post('/v1/predict/iris')
      .set(auth('operator'))
      .send({ rows: [{ x: 1 }, { x: 2 }] });
    const metrics = await request(app).get('/metrics').set(auth('viewer'));
    expect(metrics.text).toMatch(/mlops_predictions_total\{model="iris",version="3",slot="production"\} \d+/);
  });
});

describe('predict rate limit', () => {
  it('answers 429 per caller once the per-minute limit is spent', async () => {
    const { app } = unitApp({ settings: { predict: { maxRows: 5, logSampleRate: 0, rateLimitPerMinute: 2 } } });
    const send = (role: 'operator' | 'predictor') =>
      request(app)
        .post('/v1/predict/iris')
        .set(auth(role))
        .send({ rows: [{ x: 1 }] });
    expect((await send('operator')).status).toBe(200);
    expect((await send('operator')).status).toBe(200);
    const limited = await send('operator');
    expect(limited.status).toBe(429);
    expect(limited.body.error).toBe('RATE_LIMITED');
    expect(limited.headers['ratelimit-policy']).toBeDefined();
    // Another caller has its own budget.
    expect((await send('predictor')).status).toBe(200);
  });
});
