import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { testKey } from '../../helpers/keys';
import { createApp } from '../../../api/app';
import { CONSOLE_CSP } from '../../../api/http/console-static';
import { listAudit } from '../../../lib/audit';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair } from 'jose';
import { createAuthenticator, createJwtVerifier, revokeApiKey } from '../../../lib/auth';
import { createSession, resolveSession } from '../../../lib/auth/sessions';
import { startApiHarness, type ApiHarness, type Holder } from './harness';

/** Console sessions: cookie sign-in, the same principal as the key, CSRF and Origin checks, expiry, sign-out. */
describe('console sessions on the real stack', () => {
  let h: ApiHarness;
  let server: Server;
  let origin: string;
  const staticDir = mkdtempSync(join(tmpdir(), 'mlops-console-dist-'));

  beforeAll(async () => {
    h = await startApiHarness({ worker: false });
    mkdirSync(join(staticDir, 'assets'));
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(staticDir, 'assets', 'app-1234.js'), 'console.log(1)');
    const app = createApp({
      ...h.deps,
      console: { sessions: { ttlMs: 3_600_000, idleMs: 600_000 }, staticDir },
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await h?.stop();
    rmSync(staticDir, { recursive: true, force: true });
  });

  const api = () => request(origin);

  async function signIn(credential: string) {
    const res = await api().post('/v1/session').set('Origin', origin).send({ credential });
    const setCookie = (res.headers['set-cookie'] as unknown as string[] | undefined)?.[0] ?? '';
    const token = /mlops_session=([^;]*)/.exec(setCookie)?.[1] ?? '';
    return { res, setCookie, cookie: `mlops_session=${token}`, token, csrf: res.body.csrfToken as string };
  }

  const as = (holder: Holder) => signIn(h.keys[holder]);

  it('exchanges a key for an HttpOnly SameSite=Strict cookie whose principal is the key’s; only a hash is stored', async () => {
    const s = await as('approver');
    expect(s.res.status).toBe(201);
    expect(s.setCookie).toMatch(/HttpOnly/);
    expect(s.setCookie).toMatch(/SameSite=Strict/);
    expect(s.setCookie).toMatch(/Path=\//);
    expect(s.res.headers['cache-control']).toBe('no-store');
    expect(s.res.body.principal).toEqual({ id: 'alice', role: 'approver', via: 'api-key' });
    expect(JSON.stringify(s.res.body)).not.toContain(s.token);

    const viaCookie = await api().get('/v1/me').set('Cookie', s.cookie);
    const viaKey = await api().get('/v1/me').set(h.auth('approver'));
    expect(viaCookie.status).toBe(200);
    expect(viaCookie.body).toEqual(viaKey.body);

    const rows = await h.db('console_sessions').where({ principal_id: 'alice' });
    const hash = createHash('sha256').update(s.token).digest('hex');
    expect(rows.map((r: { id_hash: string }) => r.id_hash)).toContain(hash);
    expect(JSON.stringify(rows)).not.toContain(s.token);
    const audit = await listAudit(h.db, { action: 'session.sign-in', target: 'principal:alice' });
    expect(audit.length).toBeGreaterThan(0);

    const session = await api().get('/v1/session').set('Cookie', s.cookie);
    expect(session.body).toMatchObject({ principal: { id: 'alice' }, csrfToken: s.csrf });
  });

  it('refuses a write without the CSRF token, with a wrong one, or from another origin; accepts the real one', async () => {
    const s = await as('admin');
    const body = { principal: `via-session-${Date.now()}`, role: 'viewer', createPrincipal: true };
    const noToken = await api().post('/v1/keys').set('Cookie', s.cookie).set('Origin', origin).send(body);
    expect(noToken.status).toBe(403);
    expect(noToken.body.error).toBe('CSRF_REJECTED');
    const wrongToken = await api()
      .post('/v1/keys')
      .set('Cookie', s.cookie)
      .set('Origin', origin)
      .set('X-CSRF-Token', `${s.csrf.slice(0, -2)}xx`)
      .send(body);
    expect(wrongToken.status).toBe(403);
    const crossSite = await api()
      .post('/v1/keys')
      .set('Cookie', s.cookie)
      .set('Origin', 'http://evil.example')
      .set('X-CSRF-Token', s.csrf)
      .send(body);
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.message).toContain('evil.example');
    const fetchMetadata = await api()
      .post('/v1/keys')
      .set('Cookie', s.cookie)
      .set('Sec-Fetch-Site', 'cross-site')
      .set('X-CSRF-Token', s.csrf)
      .send(body);
    expect(fetchMetadata.status).toBe(403);
    expect((await h.db('api_keys').where({ name: body.principal })).length).toBe(0);

    const ok = await api()
      .post('/v1/keys')
      .set('Cookie', s.cookie)
      .set('Origin', origin)
      .set('X-CSRF-Token', s.csrf)
      .send(body);
    expect(ok.status).toBe(201);
    expect(ok.body.createdBy).toBe('ada');
    // Reads need no token.
    expect((await api().get('/v1/keys').set('Cookie', s.cookie)).status).toBe(200);
  });

  it('enforces the role of the session’s principal like the key’s', async () => {
    const s = await as('viewer');
    const res = await api()
      .post('/v1/keys')
      .set('Cookie', s.cookie)
      .set('Origin', origin)
      .set('X-CSRF-Token', s.csrf)
      .send({ name: 'nope', role: 'admin' });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('FORBIDDEN');
  });

  it('refuses predictor keys, bad credentials and a sign-in posted from another site', async () => {
    expect((await as('predictor')).res.status).toBe(403);
    expect((await signIn('mlk_0123456789ab_' + 'A'.repeat(43))).res.status).toBe(401);
    const crossSite = await api()
      .post('/v1/session')
      .set('Origin', 'http://evil.example')
      .send({ credential: h.keys.viewer });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers['set-cookie']).toBeUndefined();
  });

  it('signs out on the server (the cookie stops working) and clears the cookie', async () => {
    const s = await as('operator');
    const refused = await api().delete('/v1/session').set('Cookie', s.cookie).set('Origin', origin);
    expect(refused.status).toBe(403);
    const out = await api()
      .delete('/v1/session')
      .set('Cookie', s.cookie)
      .set('Origin', origin)
      .set('X-CSRF-Token', s.csrf);
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/mlops_session=;.*Max-Age=0/);
    const after = await api().get('/v1/me').set('Cookie', s.cookie);
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('SESSION_EXPIRED');
  });

  it('ends sessions whose key is revoked, and sessions past their lifetime or idle timeout', async () => {
    const { key, id } = await testKey(h.db, 'temp', 'viewer');
    const s = await signIn(key);
    expect((await api().get('/v1/me').set('Cookie', s.cookie)).status).toBe(200);
    await revokeApiKey(h.db, id);
    expect((await api().get('/v1/me').set('Cookie', s.cookie)).status).toBe(401);

    const shortLived = createApp({ ...h.deps, console: { sessions: { ttlMs: 1_500, idleMs: 1_500 }, staticDir } });
    const signed = await request(shortLived).post('/v1/session').send({ credential: h.keys.viewer });
    const cookie = (signed.headers['set-cookie'] as unknown as string[])[0]?.split(';')[0] as string;
    expect(signed.headers['set-cookie']?.[0]).toMatch(/Max-Age=1($|;)/);
    expect((await request(shortLived).get('/v1/me').set('Cookie', cookie)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_700));
    expect((await request(shortLived).get('/v1/me').set('Cookie', cookie)).status).toBe(401);
  });

  it('keeps a session alive while it is used, ends it after the idle timeout or its lifetime, whichever first', async () => {
    const settings = { ttlMs: 3 * 3_600_000, idleMs: 3_600_000 };
    const t0 = new Date('2030-01-01T00:00:00Z');
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    const principal = { id: 'vera', role: 'viewer' as const, via: 'jwt' as const };
    const used = await createSession(h.db, { principal }, settings, t0);
    for (const minute of [50, 100, 150])
      expect(await resolveSession(h.db, used.token, settings, at(minute))).toBeDefined();
    expect(await resolveSession(h.db, used.token, settings, at(181))).toBeUndefined(); // lifetime over, though in use
    const idle = await createSession(h.db, { principal }, settings, t0);
    expect(await resolveSession(h.db, idle.token, settings, at(61))).toBeUndefined(); // unused for over an hour
    const short = await createSession(h.db, { principal, credentialExpiresAt: at(30) }, settings, t0);
    expect(short.session.expiresAt).toEqual(at(30));
    expect(await resolveSession(h.db, short.token, settings, at(31))).toBeUndefined();
  });

  it('signs in with a JWT from the identity provider: same principal, and no longer than the token lives', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
    const settings = {
      jwksUrl: 'http://unused.test',
      issuer: 'https://idp.test',
      audience: 'mlops-api',
      algorithms: ['RS256'],
      rolesClaim: 'roles',
      identityClaim: 'email',
    };
    const jwtVerifier = createJwtVerifier(settings, createLocalJWKSet({ keys: [jwk] }));
    const app = createApp({
      ...h.deps,
      authenticator: createAuthenticator({ db: h.db, jwtVerifier }),
      console: { sessions: { ttlMs: 12 * 3_600_000, idleMs: 3_600_000 }, staticDir },
    });
    const token = await new SignJWT({ email: 'grace@example.com', roles: ['approver'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('https://idp.test')
      .setAudience('mlops-api')
      .setExpirationTime('2m')
      .sign(privateKey);
    const signed = await request(app).post('/v1/session').send({ credential: token });
    expect(signed.status).toBe(201);
    expect(signed.body.principal).toEqual({ id: 'grace@example.com', role: 'approver', via: 'jwt' });
    expect(Date.parse(signed.body.expiresAt) - Date.now()).toBeLessThanOrEqual(120_000);
    const cookie = (signed.headers['set-cookie'] as unknown as string[])[0]?.split(';')[0] as string;
    const me = await request(app).get('/v1/me').set('Cookie', cookie);
    expect(me.body).toEqual({ id: 'grace@example.com', role: 'approver', via: 'jwt', keyId: null });
  });

  it('lets explicit bearer credentials win over a cookie (they need no CSRF token)', async () => {
    const s = await as('viewer');
    const res = await api()
      .post('/v1/keys')
      .set('Cookie', s.cookie)
      .set(h.auth('admin'))
      .send({ principal: `bearer-${Date.now()}`, role: 'viewer', createPrincipal: true });
    expect(res.status).toBe(201);
  });

  it('serves the console under /ui with a strict CSP, cached assets and the SPA fallback', async () => {
    const page = await api().get('/ui/runs/some-run');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>console</title>');
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(page.headers['cache-control']).toBe('no-cache');
    const asset = await api().get('/ui/assets/app-1234.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await api().get('/ui/assets/missing.js')).status).toBe(404);
    const root = await api().get('/ui');
    expect(root.status).toBe(301);
    expect(root.headers.location).toBe('/ui/');
    expect((await api().get('/v1/not-a-route')).status).toBe(404);
  });
});
