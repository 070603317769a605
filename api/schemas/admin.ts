import { z } from 'zod';
import { Role } from '../../lib/auth/roles';
import { NullableTimestamp, Timestamp } from './common';

export const KeyName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/, 'letters, digits and . _ @ - (max 100)')
  .describe("The key holder's identity, recorded in audit rows and matched against a spec's approvers");

export const CreateKeyBody = z.object({
  name: KeyName,
  role: Role,
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

export const KeyView = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  createdBy: z.string(),
  createdAt: Timestamp,
  expiresAt: NullableTimestamp,
  revokedAt: NullableTimestamp,
  lastUsedAt: NullableTimestamp,
});
export const CreatedKey = KeyView.extend({ key: z.string().describe('The secret: shown once, store it now') });
export const ListKeysResponse = z.object({ items: z.array(KeyView) });
export const KeyIdParams = z.object({ keyId: z.string().regex(/^[0-9a-f]{12}$/, '12 hex characters') });

export const Me = z.object({ id: z.string(), role: Role, via: z.string() });

export const AuditQuery = z.object({
  target: z.string().max(300).optional().describe('e.g. run:<id>, model:<name>'),
  action: z.string().max(60).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const AuditResponse = z.object({
  items: z.array(
    z.object({
      id: z.number().int(),
      actor: z.string(),
      action: z.string(),
      target: z.string(),
      reason: z.string().nullable(),
      details: z.record(z.string(), z.unknown()),
      at: Timestamp,
    }),
  ),
});
