import request from 'supertest';
import { createApp } from '../../../api/app';
import { listAudit } from '../../../lib/audit';
import { startApiHarness, type ApiHarness } from './harness';

describe('API keys, identity and readiness on the real stack', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ worker: false });
  });
  afterAll(() => h?.stop());

  it('creates a key once (only its hash is stored), lists keys without secrets, revokes with immediate effect', async () => {
    const created = await request(h.app)
      .post('/v1/keys')
      .set(h.auth('admin'))
      .send({ principal: 'ci-bot', role: 'operator', createPrincipal: true, label: 'ci' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'ci-bot',
      principal: 'ci-bot',
      label: 'ci',
      role: 'operator',
      createdBy: 'ada',
      revokedAt: null,
    });
    const { key, id } = created.body as { key: string; id: string };
    expect(key).toMatch(/^mlk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const stored = await h.database.db('api_keys').where({ id }).first();
    expect(JSON.stringify(stored)).not.toContain(key.split('_').pop());

    const me = await request(h.app).get('/v1/me').set('Authorization', `Bearer ${key}`);
    expect(me.body).toEqual({ id: 'ci-bot', role: 'operator', via: 'api-key', keyId: id });
    const listed = await request(h.app).get('/v1/keys').set(h.auth('admin'));
    expect(listed.body.items.map((k: { name: string }) => k.name)).toEqual(
      expect.arrayContaining(['ci-bot', 'ada', 'vera']),
    );
    expect(JSON.stringify(listed.body)).not.toMatch(/secret|mlk_/);

    const revoked = await request(h.app).delete(`/v1/keys/${id}`).set(h.auth('admin'));
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    const refused = await request(h.app).get('/v1/me').set('X-API-Key', key);
    expect(refused.status).toBe(401);
    expect(refused.body.message).toContain('revoked or expired');
    const audit = await listAudit(h.database.db, { target: `key:${id}` });
    expect(audit.every((a) => a.key_id !== null)).toBe(true);
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['key.revoke', 'ada'],
      ['key.create', 'ada'],
    ]);
  });

  it('refuses a key that expires in the past, a forged secret for a real id, and non-admins', async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    const expired = await request(h.app)
      .post('/v1/keys')
      .set(h.auth('admin'))
      .send({ principal: 'old', role: 'viewer', expiresAt: past, createPrincipal: true });
    expect(expired.status).toBe(400);
    expect(expired.body.message).toMatch(/in the past/);
    const forged = `${h.keys.admin.slice(0, 17)}${'A'.repeat(43)}`;
    expect((await request(h.app).get('/v1/me').set('X-API-Key', forged)).status).toBe(401);
    expect((await request(h.app).get('/v1/keys').set(h.auth('approver'))).status).toBe(403);
    expect(
      (await request(h.app).post('/v1/keys').set(h.auth('operator')).send({ principal: 'x', role: 'admin' })).status,
    ).toBe(403);
  });

  it('validates key requests (400) and answers 404 for an unknown key id', async () => {
    const badRole = await request(h.app).post('/v1/keys').set(h.auth('admin')).send({ principal: 'x', role: 'root' });
    expect(badRole.status).toBe(400);
    expect(badRole.body.details.issues[0].path).toBe('body.role');
    const badName = await request(h.app)
      .post('/v1/keys')
      .set(h.auth('admin'))
      .send({ principal: 'has space', role: 'viewer' });
    expect(badName.body.details.issues[0].path).toBe('body.principal');
    const noSuchPrincipal = await request(h.app)
      .post('/v1/keys')
      .set(h.auth('admin'))
      .send({ principal: 'nobody-yet', role: 'viewer' });
    expect(noSuchPrincipal.status).toBe(404);
    expect(noSuchPrincipal.body.error).toBe('PRINCIPAL_NOT_FOUND');
    expect((await request(h.app).delete('/v1/keys/0123456789ab').set(h.auth('admin'))).status).toBe(404);
    expect((await request(h.app).delete('/v1/keys/not-hex').set(h.auth('admin'))).status).toBe(400);
  });

  it('is ready when Temporal, PostgreSQL and S3 answer, and says which one does not', async () => {
    const ready = await request(h.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ready',
      checks: { temporal: { ok: true }, database: { ok: true }, s3: { ok: true } },
    });
    const down = Object.assign(Object.create(h.store) as typeof h.store, {
      ping: () => Promise.reject(new Error('S3 is down')),
    });
    const broken = createApp({ ...h.deps, store: down });
    const notReady = await request(broken).get('/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatchObject({
      error: 'NOT_READY',
      details: { checks: { s3: { ok: false, error: 'S3 is down' }, database: { ok: true } } },
    });
    expect(notReady.body.message).toContain('s3');
  });
});
