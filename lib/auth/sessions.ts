import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db';
import type { Principal, Role } from './roles';

// Console sessions. The cookie carries 256 random bits; the database keeps only their SHA-256, so a copy of the table
// signs nobody in. The CSRF token is an HMAC of the session token: the server recomputes it instead of storing it,
// and a page on another site, which can neither read the HttpOnly cookie nor this API's responses, cannot produce it.

export const SESSION_COOKIE = 'mlops_session';
/** Writes last_seen_at at most this often per session: idle timeouts need minutes, not every request. */
const TOUCH_EVERY_MS = 60_000;

export interface SessionSettings {
  ttlMs: number;
  idleMs: number;
}

export interface SessionRow {
  id_hash: string;
  principal_id: string;
  role: Role;
  via: Principal['via'];
  key_id: string | null;
  user_agent: string | null;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
}

export interface Session {
  principal: Principal;
  createdAt: Date;
  /** When the session ends at the latest: its absolute expiry, or sooner when idle. */
  expiresAt: Date;
  idleExpiresAt: Date;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('mlops-console-csrf').digest('base64url');
}

export function csrfMatches(sessionToken: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const actual = Buffer.from(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function sessionOf(row: SessionRow, settings: SessionSettings): Session {
  const idleExpiresAt = new Date(new Date(row.last_seen_at).getTime() + settings.idleMs);
  return {
    principal: {
      id: row.principal_id,
      role: row.role,
      via: row.via,
      ...(row.key_id ? { keyId: row.key_id } : {}),
    },
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    idleExpiresAt,
  };
}

export interface NewSession {
  principal: Principal;
  /** The credential's own end (API key expiry, JWT exp): a session never outlives what it was made from. */
  credentialExpiresAt?: Date;
  userAgent?: string;
}

/** Starts a session; `token` goes into the cookie and exists nowhere else. */
export async function createSession(
  db: Db,
  input: NewSession,
  settings: SessionSettings,
  now = new Date(),
): Promise<{ token: string; csrfToken: string; session: Session }> {
  const token = randomBytes(32).toString('base64url');
  let expires = now.getTime() + settings.ttlMs;
  if (input.credentialExpiresAt) expires = Math.min(expires, input.credentialExpiresAt.getTime());
  const row: SessionRow = {
    id_hash: sha256(token),
    principal_id: input.principal.id,
    role: input.principal.role,
    via: input.principal.via,
    key_id: input.principal.keyId ?? null,
    user_agent: input.userAgent?.slice(0, 300) ?? null,
    created_at: now,
    last_seen_at: now,
    expires_at: new Date(expires),
  };
  await db('console_sessions').insert(row);
  await deleteExpiredSessions(db, settings, now);
  return { token, csrfToken: csrfTokenFor(token), session: sessionOf(row, settings) };
}

/**
 * The session a cookie token names, or undefined when there is none or it has ended (expired, idle too long, signed
 * out, or its API key revoked or expired since). Ended rows are deleted on sight.
 */
export async function resolveSession(
  db: Db,
  token: string,
  settings: SessionSettings,
  now = new Date(),
): Promise<Session | undefined> {
  const idHash = sha256(token);
  const row = (await db('console_sessions as s')
    .leftJoin('api_keys as k', 'k.id', 's.key_id')
    .where('s.id_hash', idHash)
    .first('s.*', 'k.revoked_at as key_revoked_at', 'k.expires_at as key_expires_at')) as
    (SessionRow & { key_revoked_at: Date | null; key_expires_at: Date | null }) | undefined;
  if (!row) return undefined;
  const session = sessionOf(row, settings);
  const keyEnded =
    row.via === 'api-key' &&
    (row.key_id === null ||
      row.key_revoked_at !== null ||
      (row.key_expires_at !== null && new Date(row.key_expires_at) <= now));
  if (keyEnded || session.expiresAt <= now || session.idleExpiresAt <= now) {
    await db('console_sessions').where({ id_hash: idHash }).delete();
    return undefined;
  }
  if (now.getTime() - new Date(row.last_seen_at).getTime() >= TOUCH_EVERY_MS) {
    await db('console_sessions').where({ id_hash: idHash }).update({ last_seen_at: now });
    session.idleExpiresAt = new Date(now.getTime() + settings.idleMs);
  }
  return session;
}

/** Signs out: idempotent. */
export async function deleteSession(db: Db, token: string): Promise<void> {
  await db('console_sessions')
    .where({ id_hash: sha256(token) })
    .delete();
}

export async function deleteExpiredSessions(db: Db, settings: SessionSettings, now = new Date()): Promise<number> {
  return db('console_sessions')
    .where('expires_at', '<=', now)
    .orWhere('last_seen_at', '<=', new Date(now.getTime() - settings.idleMs))
    .delete();
}
