import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import {
  AuthError,
  createAuthenticator,
  createJwtVerifier,
  highestRole,
  parseApiKey,
  roleAllows,
  secretMatches,
  type JwtSettings,
} from '../../../lib/auth';
import type { Db } from '../../../lib/db';

describe('roles', () => {
  it('orders viewer < operator < approver < admin', () => {
    expect(roleAllows('viewer', { role: 'viewer' })).toBe(true);
    expect(roleAllows('viewer', { role: 'operator' })).toBe(false);
    expect(roleAllows('approver', { role: 'operator' })).toBe(true);
    expect(roleAllows('operator', { role: 'approver' })).toBe(false);
    expect(roleAllows('admin', { role: 'approver' })).toBe(true);
  });

  it('lets predictor call only what names it', () => {
    expect(roleAllows('predictor', { role: 'viewer' })).toBe(false);
    expect(roleAllows('predictor', { role: 'operator', alsoAllow: ['predictor'] })).toBe(true);
  });

  it('picks the highest ladder role of a token', () => {
    expect(highestRole(['viewer', 'approver', 'unrelated'])).toBe('approver');
    expect(highestRole(['predictor'])).toBe('predictor');
    expect(highestRole(['predictor', 'viewer'])).toBe('viewer');
    expect(highestRole(['staff'])).toBeUndefined();
  });
});

describe('API key format', () => {
  it('parses mlk_<12 hex>_<43 base64url> and nothing else', () => {
    const secret = 'A'.repeat(43);
    expect(parseApiKey(`mlk_0123456789ab_${secret}`)).toEqual({ id: '0123456789ab', secret });
    expect(parseApiKey(`mlk_0123456789ab_${secret}x`)).toBeUndefined();
    expect(parseApiKey(`mlk_0123456789zz_${secret}`)).toBeUndefined();
    expect(parseApiKey('Bearer something')).toBeUndefined();
  });

  it('matches a secret only against its own sha256', () => {
    // sha256('abc')
    const row = { secret_hash: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' };
    expect(secretMatches(row, 'abc')).toBe(true);
    expect(secretMatches(row, 'abd')).toBe(false);
  });
});

describe('JWT verification against a JWKS URL', () => {
  let server: Server;
  let settings: JwtSettings;
  let sign: (
    claims: Record<string, unknown>,
    options?: { issuer?: string; audience?: string; expiresIn?: string },
  ) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    settings = {
      jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
      issuer: 'https://idp.test',
      audience: 'mlops-api',
      algorithms: ['RS256'],
      rolesClaim: 'roles',
      identityClaim: 'email',
    };
    sign = (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setIssuedAt()
        .setIssuer(options.issuer ?? 'https://idp.test')
        .setAudience(options.audience ?? 'mlops-api')
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(privateKey);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('accepts a valid token and takes identity and role from the configured claims', async () => {
    const verify = createJwtVerifier(settings);
    const token = await sign({ email: 'alice@example.com', roles: ['viewer', 'approver'] });
    await expect(verify(token)).resolves.toEqual({ id: 'alice@example.com', role: 'approver', via: 'jwt' });
  });

  it('reads a space-separated role string too', async () => {
    const token = await sign({ email: 'bob@example.com', roles: 'viewer operator' });
    await expect(createJwtVerifier(settings)(token)).resolves.toMatchObject({ role: 'operator' });
  });

  it.each([
    ['another issuer', { issuer: 'https://evil.test' }],
    ['another audience', { audience: 'other-api' }],
    ['an expired token', { expiresIn: '-1m' }],
  ])('rejects %s with 401', async (_label, options) => {
    const token = await sign({ email: 'alice@example.com', roles: ['admin'] }, options);
    const error = await createJwtVerifier(settings)(token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).status).toBe(401);
  });

  it('rejects a token signed by another key', async () => {
    const { privateKey: other } = await generateKeyPair('RS256');
    const token = await new SignJWT({ email: 'mallory@example.com', roles: ['admin'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setIssuer('https://idp.test')
      .setAudience('mlops-api')
      .setExpirationTime('5m')
      .sign(other);
    await expect(createJwtVerifier(settings)(token)).rejects.toMatchObject({
      status: 401,
      code: 'INVALID_CREDENTIALS',
    });
  });

  it('answers 403 for a valid token without an mlops role', async () => {
    const token = await sign({ email: 'carol@example.com', roles: ['staff'] });
    await expect(createJwtVerifier(settings)(token)).rejects.toMatchObject({ status: 403, code: 'NO_ROLE' });
  });

  it('routes bearer tokens: API keys to the database, anything else to the JWT verifier', async () => {
    const noDb = {} as Db;
    const seen: string[] = [];
    const principals = {
      forJwtSubject: async (subject: string) => {
        seen.push(subject);
        return { disabled: false };
      },
    };
    const authenticator = createAuthenticator({ db: noDb, jwt: settings, principals });
    const token = await sign({ email: 'dave@example.com', roles: ['operator'] });
    await expect(authenticator.authenticate({ authorization: `Bearer ${token}` })).resolves.toMatchObject({
      id: 'dave@example.com',
      role: 'operator',
    });
    expect(seen).toEqual(['dave@example.com']);
    await expect(authenticator.authenticate({})).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    await expect(authenticator.authenticate({ authorization: 'Basic abc' })).rejects.toMatchObject({ status: 401 });
    // A malformed mlk_ key is refused before any lookup.
    await expect(authenticator.authenticate({ apiKey: 'mlk_short' })).rejects.toMatchObject({ status: 401 });
  });

  it('refuses JWTs when no JWKS is configured, and lets everyone in only when auth is disabled', async () => {
    const token = await sign({ email: 'erin@example.com', roles: ['admin'] });
    const keysOnly = createAuthenticator({ db: {} as Db });
    await expect(keysOnly.authenticate({ authorization: `Bearer ${token}` })).rejects.toThrow(
      /JWT sign-in is not configured/,
    );
    const open = createAuthenticator({ db: {} as Db, disabled: true });
    await expect(open.authenticate({})).resolves.toMatchObject({ role: 'admin', via: 'auth-disabled' });
  });
});
