import type { Request } from 'express';
import type { Db } from '../../lib/db';
import type { Principal } from '../../lib/auth';
import {
  SESSION_COOKIE,
  csrfMatches,
  resolveSession,
  type Session,
  type SessionSettings,
} from '../../lib/auth/sessions';
import { ApiError } from './errors';

// Cookie sessions for the web console, beside bearer credentials. A request with Authorization or X-API-Key is never
// judged by its cookie (explicit credentials cannot be sent by another site). A cookie-authenticated request that
// changes something must come from this origin and carry the session's CSRF token: SameSite=Strict already keeps
// other sites' requests cookie-less in current browsers, and the token and the Origin check hold where it does not.

export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface SessionGate {
  settings: SessionSettings;
  /** The session cookie's principal; undefined when the request uses bearer credentials or has no cookie. */
  authenticate(req: Request): Promise<Principal | undefined>;
  /** The session behind the request's cookie (no CSRF check: for reads of the session itself). */
  current(req: Request): Promise<{ token: string; session: Session } | undefined>;
  /** Refuses a request whose Origin (or Sec-Fetch-Site) is another site. */
  assertSameOrigin(req: Request): void;
}

export function sessionToken(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

function hasBearerCredentials(req: Request): boolean {
  return Boolean(req.headers.authorization) || typeof req.headers['x-api-key'] === 'string';
}

function forged(reason: string): ApiError {
  return new ApiError(
    403,
    'CSRF_REJECTED',
    `Refused a cookie-authenticated request: ${reason}. The console sends these itself; other pages cannot.`,
  );
}

export function createSessionGate(options: { db: Db; settings: SessionSettings; publicUrl: string }): SessionGate {
  const publicOrigin = new URL(options.publicUrl).origin;

  function assertSameOrigin(req: Request): void {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const own = `${req.protocol}://${req.headers.host ?? ''}`;
      if (origin !== own && origin !== publicOrigin) throw forged(`it came from ${origin}, not from this site`);
      return;
    }
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      throw forged(`the browser marked it ${String(site)}`);
    }
  }

  async function current(req: Request) {
    const token = sessionToken(req);
    if (!token) return undefined;
    const session = await resolveSession(options.db, token, options.settings);
    return session ? { token, session } : undefined;
  }

  return {
    settings: options.settings,
    current,
    assertSameOrigin,
    async authenticate(req) {
      if (hasBearerCredentials(req) || !req.headers.cookie?.includes(`${SESSION_COOKIE}=`)) return undefined;
      const found = await current(req);
      if (!found) {
        throw new ApiError(
          401,
          'SESSION_EXPIRED',
          'The console session has ended (signed out or expired): sign in again.',
        );
      }
      if (!SAFE_METHODS.has(req.method)) {
        assertSameOrigin(req);
        const presented = req.headers[CSRF_HEADER];
        if (!csrfMatches(found.token, typeof presented === 'string' ? presented : undefined)) {
          throw forged(`the ${CSRF_HEADER} header is missing or wrong`);
        }
      }
      return found.session.principal;
    },
  };
}
