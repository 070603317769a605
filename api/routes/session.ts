import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { decodeJwt } from 'jose';
import { recordAudit } from '../../lib/audit';
import { findApiKey, looksLikeApiKey, parseApiKey, type Principal } from '../../lib/auth';
import { SESSION_COOKIE, createSession, csrfTokenFor, deleteSession, type Session } from '../../lib/auth/sessions';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import { defineRoute } from '../http/route';
import type { SessionGate } from '../http/session-auth';
import { SessionView, SignInBody } from '../schemas/session';

const SIGN_IN_PER_MINUTE = 30;

function signInRateLimit(): RequestHandler[] {
  return [
    rateLimit({
      windowMs: 60_000,
      limit: SIGN_IN_PER_MINUTE,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      handler: (_req, _res, next) =>
        next(new ApiError(429, 'RATE_LIMITED', 'Too many sign-in attempts from this address: wait a minute.')),
    }),
  ];
}

function view(session: Session, token: string) {
  return {
    principal: { id: session.principal.id, role: session.principal.role, via: session.principal.via },
    csrfToken: csrfTokenFor(token),
    createdAt: session.createdAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    idleExpiresAt: (session.idleExpiresAt < session.expiresAt
      ? session.idleExpiresAt
      : session.expiresAt
    ).toISOString(),
  };
}

function cookie(req: Request, value: string, maxAgeSeconds: number): string {
  const secure = req.secure || req.headers['x-forwarded-proto'] === 'https';
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/** When the credential itself ends: the API key's expiry, or the JWT's exp. */
async function credentialExpiry(deps: ApiDeps, credential: string, principal: Principal): Promise<Date | undefined> {
  if (principal.via === 'api-key' && looksLikeApiKey(credential)) {
    const parsed = parseApiKey(credential);
    const row = parsed ? await findApiKey(deps.db, parsed.id) : undefined;
    return row?.expires_at ? new Date(row.expires_at) : undefined;
  }
  if (principal.via === 'jwt') {
    const exp = decodeJwt(credential).exp;
    return exp ? new Date(exp * 1000) : undefined;
  }
  return undefined;
}

const NO_STORE = { 'cache-control': 'no-store' };

export function sessionRoutes(deps: ApiDeps, gate: SessionGate) {
  return [
    defineRoute({
      operationId: 'signIn',
      method: 'post',
      path: '/v1/session',
      summary: 'Sign in to the web console: exchange an API key or JWT for an HttpOnly session cookie',
      description:
        'Sets the mlops_session cookie (HttpOnly, SameSite=Strict). Requests with the cookie act as the principal the ' +
        'credential gave; every request that is not a GET must also send the returned csrfToken as X-CSRF-Token.',
      tags: ['auth'],
      access: 'public',
      middleware: signInRateLimit(),
      request: { body: SignInBody },
      responses: { 201: SessionView },
      errors: [400, 401, 403, 429],
      async handle({ body, req }) {
        gate.assertSameOrigin(req);
        const principal = await deps.authenticator.authenticate({ authorization: `Bearer ${body.credential}` });
        if (principal.role === 'predictor') {
          throw new ApiError(
            403,
            'ROLE_NOT_ALLOWED',
            `${principal.id} is a predictor key, for client applications: sign in to the console with a personal key.`,
          );
        }
        const { token, session } = await createSession(
          deps.db,
          {
            principal,
            credentialExpiresAt: await credentialExpiry(deps, body.credential, principal),
            userAgent: req.headers['user-agent'],
          },
          gate.settings,
        );
        await recordAudit(deps.db, {
          actor: principal.id,
          action: 'session.sign-in',
          target: `principal:${principal.id}`,
          details: { via: principal.via, role: principal.role, expiresAt: session.expiresAt.toISOString() },
        });
        const maxAge = Math.max(1, Math.floor((session.expiresAt.getTime() - Date.now()) / 1000));
        return {
          status: 201,
          body: view(session, token),
          headers: { ...NO_STORE, 'set-cookie': cookie(req, token, maxAge) },
        };
      },
    }),
    defineRoute({
      operationId: 'getSession',
      method: 'get',
      path: '/v1/session',
      summary: 'The console session of this browser: who it signs in as, its CSRF token and when it ends',
      tags: ['auth'],
      access: 'public',
      request: {},
      responses: { 200: SessionView },
      errors: [401],
      async handle({ req }) {
        const found = await gate.current(req);
        if (!found) throw new ApiError(401, 'NO_SESSION', 'No console session: sign in with an API key.');
        return { status: 200, body: view(found.session, found.token), headers: NO_STORE };
      },
    }),
    defineRoute({
      operationId: 'signOut',
      method: 'delete',
      path: '/v1/session',
      summary: 'Sign out: ends the session on the server and clears the cookie',
      tags: ['auth'],
      access: 'public',
      request: {},
      responses: { 204: null },
      errors: [403],
      async handle({ req }) {
        const found = await gate.current(req);
        if (found) {
          // Signing someone out is a write: the same CSRF rules as every other one.
          const principal = await gate.authenticate(req);
          await deleteSession(deps.db, found.token);
          await recordAudit(deps.db, {
            actor: principal?.id ?? found.session.principal.id,
            action: 'session.sign-out',
            target: `principal:${found.session.principal.id}`,
          });
        }
        return { status: 204, body: undefined, headers: { ...NO_STORE, 'set-cookie': cookie(req, '', 0) } };
      },
    }),
  ];
}
