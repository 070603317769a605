import { createApiKey, ensureUserPrincipal, type Role } from '../../lib/auth';
import type { Db } from '../../lib/db';

/** A key for the local principal `principal` (created if missing): `{ key, id }`. */
export async function testKey(db: Db, principal: string, role: Role): Promise<{ key: string; id: string }> {
  await ensureUserPrincipal(db, principal, 'test');
  const created = await createApiKey(db, { principal, role, createdBy: 'test' });
  return { key: created.key, id: created.info.id };
}
