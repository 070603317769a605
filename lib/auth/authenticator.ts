import type { Db } from '../db';
import {
  findApiKey,
  isUsable,
  looksLikeApiKey,
  parseApiKey,
  secretMatches,
  touchApiKey,
  type ApiKeyRow,
} from './api-keys';
import { createJwtVerifier, type JwtSettings, type JwtVerifier } from './jwt';
import { getPrincipal, principalForJwtSubject, PrincipalError } from './principals';
import { AuthError, type Principal } from './roles';

export interface Credentials {
  /** The Authorization header: `Bearer <api key or JWT>`. */
  authorization?: string;
  /** The X-API-Key header. */
  apiKey?: string;
}

export interface Authenticator {
  authenticate(credentials: Credentials): Promise<Principal>;
  /** Drops a key from the cache (after a revocation) so this process refuses it at once. */
  forget(keyId: string): void;
}

export interface AuthenticatorOptions {
  db: Db;
  jwt?: JwtSettings;
  /** Injected in tests (a local key set instead of a JWKS URL). */
  jwtVerifier?: JwtVerifier;
  disabled?: boolean;
  /** How long a key's row is reused before it is read again: a revocation made elsewhere applies within this. */
  cacheTtlMs?: number;
  /** Records a verified JWT subject as a principal (default: the principals table); injected by unit tests. */
  principals?: { forJwtSubject(subject: string): Promise<{ disabled: boolean }> };
}

const MAX_CACHED_KEYS = 10_000;
const ANONYMOUS_ADMIN: Principal = { id: 'anonymous', role: 'admin', via: 'auth-disabled' };

function bearerToken(credentials: Credentials): string | undefined {
  if (credentials.apiKey) return credentials.apiKey.trim();
  const match = /^Bearer\s+(\S+)\s*$/i.exec(credentials.authorization ?? '');
  return match?.[1];
}

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const ttl = options.cacheTtlMs ?? 30_000;
  const cache = new Map<string, { row: ApiKeyRow & { holderDisabled: boolean }; until: number }>();
  /** Subjects recorded recently, with when to check them again. */
  const jwtPrincipals = new Map<string, number>();
  const principalStore = options.principals ?? {
    forJwtSubject: async (subject: string) => {
      const row = await principalForJwtSubject(options.db, subject);
      return { disabled: Boolean(row.disabled_at) };
    },
  };
  const verifyJwt = options.jwtVerifier ?? (options.jwt ? createJwtVerifier(options.jwt) : undefined);

  async function keyRow(id: string): Promise<(ApiKeyRow & { holderDisabled: boolean }) | undefined> {
    const cached = cache.get(id);
    if (cached && cached.until > Date.now()) return cached.row;
    const key = await findApiKey(options.db, id);
    if (!key) return undefined;
    const holder = await getPrincipal(options.db, key.principal_id);
    const row = { ...key, holderDisabled: !holder || Boolean(holder.disabled_at) };
    // Only real keys are cached, and a bounded number, so random ids cannot grow the cache.
    if (cache.size >= MAX_CACHED_KEYS) cache.clear();
    cache.set(id, { row, until: Date.now() + ttl });
    // At most one write per key per cache period: "last used" is for audits, not for accounting.
    touchApiKey(options.db, id).catch(() => undefined);
    return row;
  }

  async function fromApiKey(token: string): Promise<Principal> {
    const parsed = parseApiKey(token);
    const row = parsed ? await keyRow(parsed.id) : undefined;
    if (!parsed || !row || !secretMatches(row, parsed.secret)) {
      throw new AuthError(
        401,
        'INVALID_CREDENTIALS',
        'The API key is not valid: check it, or ask an admin for a new one.',
      );
    }
    if (!isUsable(row) || row.holderDisabled) {
      const why = row.holderDisabled ? `its holder ${row.principal_id} is disabled` : 'it is revoked or expired';
      throw new AuthError(401, 'INVALID_CREDENTIALS', `API key ${row.id} cannot be used (${why}): ask an admin.`);
    }
    return { id: row.principal_id, role: row.role, via: 'api-key', keyId: row.id };
  }

  /** A verified subject is one principal; it is recorded on first use (bounded cache of those already checked). */
  async function fromJwt(verify: JwtVerifier, token: string): Promise<Principal> {
    const principal = await verify(token);
    if (jwtPrincipals.has(principal.id) && (jwtPrincipals.get(principal.id) as number) > Date.now()) return principal;
    try {
      const row = await principalStore.forJwtSubject(principal.id);
      if (row.disabled) throw new AuthError(401, 'INVALID_CREDENTIALS', `${principal.id} is disabled: ask an admin.`);
    } catch (err) {
      if (err instanceof PrincipalError) throw new AuthError(401, 'INVALID_CREDENTIALS', err.message);
      throw err;
    }
    if (jwtPrincipals.size >= MAX_CACHED_KEYS) jwtPrincipals.clear();
    jwtPrincipals.set(principal.id, Date.now() + ttl);
    return principal;
  }

  return {
    async authenticate(credentials) {
      if (options.disabled) return ANONYMOUS_ADMIN;
      const token = bearerToken(credentials);
      if (!token) {
        throw new AuthError(
          401,
          'UNAUTHENTICATED',
          'Authentication required: send "Authorization: Bearer <API key or token>".',
        );
      }
      if (looksLikeApiKey(token)) return fromApiKey(token);
      if (!verifyJwt) {
        throw new AuthError(
          401,
          'INVALID_CREDENTIALS',
          'Only API keys (mlk_...) are accepted here: JWT sign-in is not configured.',
        );
      }
      return fromJwt(verifyJwt, token);
    },
    forget(keyId) {
      cache.delete(keyId);
    },
  };
}
