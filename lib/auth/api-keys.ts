import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db';
import type { Role } from './roles';

// A key reads `mlk_<id>_<secret>`: the id finds the row, the secret (256 random bits) is stored only as its
// SHA-256. A slow hash would add nothing: nobody can guess 256 random bits, whatever the hash speed.
const KEY_PATTERN = /^mlk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface ApiKeyRow {
  id: string;
  name: string;
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
  const actual = Buffer.from(hashSecret(secret), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export function isUsable(row: Pick<ApiKeyRow, 'revoked_at' | 'expires_at'>, now = new Date()): boolean {
  return !row.revoked_at && (!row.expires_at || row.expires_at.getTime() > now.getTime());
}

export interface NewApiKey {
  name: string;
  role: Role;
  createdBy: string;
  expiresAt?: Date;
}

/** Creates a key; the returned `key` is the only time the secret exists outside the caller's hands. */
export async function createApiKey(db: Db, input: NewApiKey): Promise<{ key: string; info: ApiKeyInfo }> {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const [row] = await db<ApiKeyRow>('api_keys')
    .insert({
      id,
      name: input.name,
      role: input.role,
      secret_hash: hashSecret(secret),
      created_by: input.createdBy,
      expires_at: input.expiresAt ?? null,
    })
    .returning(['id', 'name', 'role', 'created_by', 'created_at', 'expires_at', 'revoked_at', 'last_used_at']);
  return { key: `mlk_${id}_${secret}`, info: row as ApiKeyInfo };
}

export async function findApiKey(db: Db, id: string): Promise<ApiKeyRow | undefined> {
  return db<ApiKeyRow>('api_keys').where({ id }).first();
}

export async function listApiKeys(db: Db): Promise<ApiKeyInfo[]> {
  return db<ApiKeyRow>('api_keys')
    .select('id', 'name', 'role', 'created_by', 'created_at', 'expires_at', 'revoked_at', 'last_used_at')
    .orderBy('created_at', 'desc');
}

/** Idempotent; returns the row, or undefined when no key has that id. */
export async function revokeApiKey(db: Db, id: string): Promise<ApiKeyInfo | undefined> {
  await db('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
  const row = await findApiKey(db, id);
  if (!row) return undefined;
  const { secret_hash: _hash, ...info } = row;
  return info;
}

export async function countActiveAdmins(db: Db): Promise<number> {
  const row = await db('api_keys').where({ role: 'admin' }).whereNull('revoked_at').count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

export async function touchApiKey(db: Db, id: string): Promise<void> {
  await db('api_keys').where({ id }).update({ last_used_at: db.fn.now() });
}
