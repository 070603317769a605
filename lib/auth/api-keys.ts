import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db';
import { getPrincipal, PrincipalError, usableAdminKeys } from './principals';
import type { Role } from './roles';

// A key reads `mlk_<id>_<secret>`: the id finds the row, the secret (256 random bits) is stored only as its
// SHA-256. A slow hash would add nothing: nobody can guess 256 random bits, whatever the hash speed.
const KEY_PATTERN = /^mlk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface ApiKeyRow {
  id: string;
  /** The holder: a principal id (kept in the `name` column's place for older clients). */
  name: string;
  principal_id: string;
  label: string | null;
  role: Role;
  secret_hash: string;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export type ApiKeyInfo = Omit<ApiKeyRow, 'secret_hash'>;

const hashSecret = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith('mlk_');
}

export function parseApiKey(token: string): { id: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(token);
  return match ? { id: match[1] as string, secret: match[2] as string } : undefined;
}

export function secretMatches(row: Pick<ApiKeyRow, 'secret_hash'>, secret: string): boolean {
  const expected = Buffer.from(row.secret_hash, 'hex');
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export function isUsable(row: Pick<ApiKeyRow, 'revoked_at' | 'expires_at'>, now = new Date()): boolean {
  return !row.revoked_at && (!row.expires_at || row.expires_at.getTime() > now.getTime());
}

export interface NewApiKey {
  /** The holder: an existing local principal (see lib/auth/principals.ts). */
  principal: string;
  role: Role;
  createdBy: string;
  label?: string;
  expiresAt?: Date;
}

const INFO_COLUMNS = [
  'id',
  'name',
  'principal_id',
  'label',
  'role',
  'created_by',
  'created_at',
  'expires_at',
  'revoked_at',
  'last_used_at',
] as const;

/** Creates a key for a local principal; the returned `key` is the only time the secret exists outside. */
export async function createApiKey(db: Db, input: NewApiKey): Promise<{ key: string; info: ApiKeyInfo }> {
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new PrincipalError('INVALID_PRINCIPAL', `expiresAt ${input.expiresAt.toISOString()} is in the past`);
  }
  const holder = await getPrincipal(db, input.principal);
  if (!holder) {
    throw new PrincipalError(
      'PRINCIPAL_NOT_FOUND',
      `No principal "${input.principal}": create it first (POST /v1/principals, \`mlops principals create\`).`,
    );
  }
  if (holder.kind !== 'user' || holder.disabled_at) {
    const why = holder.disabled_at ? 'is disabled' : 'signs in through the identity provider (JWT)';
    throw new PrincipalError('PRINCIPAL_KIND_CLASH', `Principal "${input.principal}" ${why}: it cannot hold API keys.`);
  }
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const [row] = await db<ApiKeyRow>('api_keys')
    .insert({
      id,
      name: input.principal,
      principal_id: input.principal,
      label: input.label ?? null,
      role: input.role,
      secret_hash: hashSecret(secret),
      created_by: input.createdBy,
      expires_at: input.expiresAt ?? null,
    })
    .returning([...INFO_COLUMNS]);
  return { key: `mlk_${id}_${secret}`, info: row as ApiKeyInfo };
}

export async function findApiKey(db: Db, id: string): Promise<ApiKeyRow | undefined> {
  return db<ApiKeyRow>('api_keys').where({ id }).first();
}

export async function listApiKeys(db: Db): Promise<ApiKeyInfo[]> {
  return db<ApiKeyRow>('api_keys')
    .select(...INFO_COLUMNS)
    .orderBy('created_at', 'desc');
}

/**
 * Idempotent; returns the row, or undefined when no key has that id. The last usable admin key cannot be revoked:
 * nobody could create keys or recover the system afterwards (checked under a lock, so two admins revoking each
 * other's keys at once cannot both succeed).
 */
export async function revokeApiKey(db: Db, id: string): Promise<ApiKeyInfo | undefined> {
  return db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', ['mlops-admin-keys']);
    const row = await findApiKey(trx, id);
    if (!row) return undefined;
    if (!row.revoked_at && row.role === 'admin') {
      const others = await usableAdminKeys(trx).whereNot('k.id', id).count({ n: '*' }).first();
      if (Number(others?.n ?? 0) === 0) {
        throw new PrincipalError(
          'LAST_ADMIN',
          `Key ${id} is the last usable admin key: create another admin key before revoking it.`,
        );
      }
    }
    await trx('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
    const { secret_hash: _hash, ...info } = (await findApiKey(trx, id)) as ApiKeyRow;
    return info;
  });
}

/** Usable admin keys (bootstrap refuses to add one while any exists; expired or revoked keys do not count). */
export async function countActiveAdmins(db: Db): Promise<number> {
  const row = await usableAdminKeys(db).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

export async function touchApiKey(db: Db, id: string): Promise<void> {
  await db('api_keys').where({ id }).update({ last_used_at: db.fn.now() });
}
