// Audit rows 8, 9 and 14 (identities): approvers are unique principals, not key names; JWTs must expire and be meant
// for this API; the last admin key survives; expired keys neither work nor count.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import request from 'supertest';
import { countActiveAdmins, createAuthenticator, createJwtVerifier, type JwtSettings } from '../../lib/auth';
import { ConfigError, loadConfig } from '../../lib/config';
import { testKey } from '../helpers/keys';
import { startApiHarness, type ApiHarness } from '../integration/api/harness';

describe('security: identities', () => {
  let h: ApiHarness;
  let jwks: Server;
  let settings: JwtSettings;
  let rsKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  beforeAll(async () => {
    h = await startApiHarness({ worker: false });
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    rsKey = privateKey;
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    settings = {
      jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
      issuer: 'https://idp.test',
      audience: 'mlops-api',
      algorithms: ['RS256'],
      rolesClaim: 'roles',
      identityClaim: 'sub',
    };
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => jwks.close(() => resolve()));
    await h?.stop();
  });

  const token = (claims: Record<string, unknown>, exp: string | null = '5m') => {
    const jwt = new SignJWT({ roles: ['approver'], ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('https://idp.test')
      .setAudience('mlops-api')
      .setIssuedAt();
    return (exp ? jwt.setExpirationTime(exp) : jwt).sign(rsKey);
  };

  it('row 8: a key is issued to an existing principal, never to a name that merely matches', async () => {
    const forNobody = await request(h.app)
      .post('/v1/keys')
      .set(h.auth('admin'))
      .send({ principal: 'mallory', role: 'approver' });
    expect(forNobody.status).toBe(404);
    // "alice" exists: asking for a new principal of that name is a conflict, not a second alice.
    const second = await request(h.app)
      .post('/v1/keys')
      .set(h.auth('admin'))
      .send({ principal: 'alice', role: 'approver', createPrincipal: true });
    expect(second.status).toBe(409);
    expect(second.body.error).toBe('PRINCIPAL_EXISTS');
    // Issuing alice another key is possible, explicit, and audited with who did it and which key they used.
    const extra = await request(h.app)
      .post('/v1/keys')
      .set(h.auth('admin'))
      .send({ principal: 'alice', role: 'viewer' });
    expect(extra.status).toBe(201);
    const audit = await h
      .db('audit_log')
      .where({ action: 'key.create', target: `key:${extra.body.id}` })
      .first();
    expect(audit).toMatchObject({ actor: 'ada', details: { principal: 'alice' } });
    expect(audit.key_id).toMatch(/^[0-9a-f]{12}$/);
  });

  it('row 8: a token whose subject names a local user is refused, so the identity provider cannot act as her', async () => {
    const authenticator = createAuthenticator({ db: h.db, jwt: settings, cacheTtlMs: 0 });
    await expect(
      authenticator.authenticate({ authorization: `Bearer ${await token({ sub: 'alice' })}` }),
    ).rejects.toMatchObject({
      status: 401,
      message: expect.stringMatching(/also a local user/),
    });
    const carol = await authenticator.authenticate({
      authorization: `Bearer ${await token({ sub: 'carol@corp.test' })}`,
    });
    expect(carol).toMatchObject({ id: 'carol@corp.test', role: 'approver', via: 'jwt' });
    expect(await h.db('principals').where({ id: 'carol@corp.test' }).first()).toMatchObject({ kind: 'jwt' });
  });

  it('row 9: JWTs without exp, for another audience, or signed with another algorithm are refused', async () => {
    const verify = createJwtVerifier(settings);
    await expect(verify(await token({ sub: 'dave' }, null))).rejects.toMatchObject({ status: 401 });
    const other = await new SignJWT({ sub: 'dave', roles: ['admin'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('https://idp.test')
      .setAudience('some-other-app')
      .setExpirationTime('5m')
      .sign(rsKey);
    await expect(verify(other)).rejects.toMatchObject({ status: 401 });
    const onlyEs = createJwtVerifier({ ...settings, algorithms: ['ES256'] });
    await expect(onlyEs(await token({ sub: 'dave' }))).rejects.toMatchObject({ status: 401 });
    await expect(verify(await token({ sub: 'dave' }))).resolves.toMatchObject({ id: 'dave' });
  });

  it('row 9: JWT sign-in is not configurable without an issuer and an audience', () => {
    expect(() => loadConfig({ ...process.env, AUTH_JWKS_URL: 'https://idp.test/jwks' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...process.env, AUTH_JWKS_URL: 'https://idp.test/jwks' })).toThrow(
      /AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE must be set/,
    );
  });

  it('row 14: a key cannot be created already expired', async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    const res = await request(h.app)
      .post('/v1/keys')
      .set(h.auth('admin'))
      .send({ principal: 'alice', role: 'viewer', expiresAt: past });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/is in the past/);
  });

  it('row 14: the last usable admin key cannot be revoked, nor its holder disabled', async () => {
    const adminKeys = await h.db('api_keys').where({ role: 'admin' }).whereNull('revoked_at');
    expect(adminKeys).toHaveLength(1);
    const revoke = await request(h.app).delete(`/v1/keys/${adminKeys[0].id}`).set(h.auth('admin'));
    expect(revoke.status).toBe(409);
    expect(revoke.body.error).toBe('LAST_ADMIN');
    const disable = await request(h.app).post('/v1/principals/ada/disable').set(h.auth('admin'));
    expect(disable.status).toBe(409);
    // With a second admin, the first can go.
    const second = await testKey(h.db, 'root-2', 'admin');
    const revoked = await request(h.app)
      .delete(`/v1/keys/${adminKeys[0].id}`)
      .set({ Authorization: `Bearer ${second.key}` });
    expect(revoked.status).toBe(200);
  });

  it('row 14: expired admin keys do not count, so bootstrap can recover a system whose admins all expired', async () => {
    expect(await countActiveAdmins(h.db)).toBe(1);
    await h
      .db('api_keys')
      .where({ role: 'admin' })
      .update({ expires_at: new Date(Date.now() - 1000) });
    expect(await countActiveAdmins(h.db)).toBe(0);
  });
});
