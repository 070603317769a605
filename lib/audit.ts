import type { Db } from './db';

export interface AuditEntry {
  actor: string;
  action: string;
  target: string;
  reason?: string | null;
  details?: Record<string, unknown>;
  /** Makes a retried write a no-op (e.g. workflowId + step). */
  idempotencyKey?: string;
  /** The API key the actor used, when it used one. */
  keyId?: string;
}

export interface AuditRow {
  id: number;
  actor: string;
  action: string;
  target: string;
  reason: string | null;
  details: Record<string, unknown>;
  key_id: string | null;
  at: Date;
}

export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  const insert = db('audit_log').insert({
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    reason: entry.reason ?? null,
    details: JSON.stringify(entry.details ?? {}),
    idempotency_key: entry.idempotencyKey ?? null,
    key_id: entry.keyId ?? null,
  });
  await (entry.idempotencyKey ? insert.onConflict('idempotency_key').ignore() : insert);
}

export async function listAudit(
  db: Db,
  filter: { target?: string; action?: string; actor?: string; limit?: number } = {},
): Promise<AuditRow[]> {
  const query = db<AuditRow>('audit_log')
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 100);
  if (filter.target) void query.where({ target: filter.target });
  if (filter.action) void query.where({ action: filter.action });
  if (filter.actor) void query.where({ actor: filter.actor });
  return query;
}
