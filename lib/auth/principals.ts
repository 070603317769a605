import type { Db } from '../db';

/**
 * A principal is one identity: a local user (who holds API keys) or a subject of the configured identity provider.
 * Ids are unique across both kinds, so an approver list, an audit row or a run's starter names exactly one person.
 */
export type PrincipalKind = 'user' | 'jwt';

export interface PrincipalRow {
  id: string;
  kind: PrincipalKind;
  display_name: string | null;
  created_by: string;
  created_at: Date;
  disabled_at: Date | null;
}

export const PRINCIPAL_ID = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}$/;

/** Why a principal operation is refused (unknown id, a clash between kinds, a bad id). */
export class PrincipalError extends Error {
  constructor(
    readonly code:
      'PRINCIPAL_NOT_FOUND' | 'PRINCIPAL_EXISTS' | 'PRINCIPAL_KIND_CLASH' | 'INVALID_PRINCIPAL' | 'LAST_ADMIN',
    message: string,
  ) {
    super(message);
    this.name = 'PrincipalError';
  }
}

export async function getPrincipal(db: Db, id: string): Promise<PrincipalRow | undefined> {
  return db<PrincipalRow>('principals').where({ id }).first();
}

export async function listPrincipals(db: Db): Promise<PrincipalRow[]> {
  return db<PrincipalRow>('principals').orderBy('id');
}

export async function createUserPrincipal(
  db: Db,
  input: { id: string; displayName?: string; createdBy: string },
): Promise<PrincipalRow> {
  if (!PRINCIPAL_ID.test(input.id)) {
    throw new PrincipalError(
      'INVALID_PRINCIPAL',
      `Principal id ${JSON.stringify(input.id)} is invalid: letters, digits and . _ @ + - (max 200)`,
    );
  }
  const [row] = await db<PrincipalRow>('principals')
    .insert({ id: input.id, kind: 'user', display_name: input.displayName ?? null, created_by: input.createdBy })
    .onConflict('id')
    .ignore()
    .returning('*');
  if (!row) {
    throw new PrincipalError('PRINCIPAL_EXISTS', `A principal named "${input.id}" already exists: ids are unique.`);
  }
  return row;
}

/**
 * The principal for a verified JWT subject, created on first sign-in. A subject that names a local user is
 * refused: otherwise whoever controls that subject at the identity provider would act as the local user.
 */
export async function principalForJwtSubject(db: Db, subject: string): Promise<PrincipalRow> {
  await db('principals').insert({ id: subject, kind: 'jwt', created_by: 'system:jwt' }).onConflict('id').ignore();
  const row = (await getPrincipal(db, subject)) as PrincipalRow;
  if (row.kind !== 'jwt') {
    throw new PrincipalError(
      'PRINCIPAL_KIND_CLASH',
      `The token's subject "${subject}" is also a local user: ask an admin to rename one of them.`,
    );
  }
  return row;
}

/** Admin keys that can sign in now: not revoked, not expired, held by an enabled principal. */
export function usableAdminKeys(db: Db) {
  return db('api_keys as k')
    .join('principals as p', 'p.id', 'k.principal_id')
    .where({ 'k.role': 'admin' })
    .whereNull('k.revoked_at')
    .whereNull('p.disabled_at')
    .where((q) => void q.whereNull('k.expires_at').orWhere('k.expires_at', '>', db.fn.now()));
}

/** Disables (or re-enables) a principal: its keys and tokens stop working at once. Never the last admin. */
export async function setPrincipalDisabled(db: Db, id: string, disabled: boolean): Promise<PrincipalRow> {
  return db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', ['mlops-admin-keys']);
    if (disabled) {
      const others = await usableAdminKeys(trx).whereNot('p.id', id).count({ n: '*' }).first();
      const own = await usableAdminKeys(trx).where('p.id', id).count({ n: '*' }).first();
      if (Number(own?.n ?? 0) > 0 && Number(others?.n ?? 0) === 0) {
        throw new PrincipalError('LAST_ADMIN', `${id} holds the last usable admin key: create another admin first.`);
      }
    }
    const [row] = await trx<PrincipalRow>('principals')
      .where({ id })
      .update({ disabled_at: disabled ? trx.fn.now() : null } as never)
      .returning('*');
    if (!row) throw new PrincipalError('PRINCIPAL_NOT_FOUND', `No principal "${id}": GET /v1/principals lists them.`);
    return row;
  });
}

/** The local principal `id`, created if missing (bootstrap, demo and tests); a JWT subject of that id is refused. */
export async function ensureUserPrincipal(db: Db, id: string, createdBy: string): Promise<PrincipalRow> {
  const existing = await getPrincipal(db, id);
  if (existing) {
    if (existing.kind !== 'user') {
      throw new PrincipalError('PRINCIPAL_KIND_CLASH', `"${id}" is an identity-provider subject, not a local user.`);
    }
    return existing;
  }
  return createUserPrincipal(db, { id, createdBy });
}
