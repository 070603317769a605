import { z } from 'zod';
import { Role } from '../../lib/auth/roles';
import { NullableTimestamp, Timestamp } from './common';

export const PrincipalId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}$/, 'letters, digits and . _ @ + - (max 200)')
  .describe('A principal: one person or service, unique; named by approver lists and audit rows');

export const CreateKeyBody = z.strictObject({
  principal: PrincipalId.describe('Who holds the key: an existing local principal (POST /v1/principals)'),
  role: Role,
  label: z.string().max(200).optional().describe('What the key is for, e.g. "laptop" or "ci"'),
  expiresAt: z.iso.datetime({ offset: true }).optional().describe('Must be in the future; after it the key is refused'),
  createPrincipal: z
    .boolean()
    .default(false)
    .describe('Also create the principal (refused with 409 when it already exists)'),
});

export const KeyView = z.object({
  id: z.string(),
  name: z.string().describe('The holder (same as principal; kept for older clients)'),
  principal: z.string(),
  label: z.string().nullable(),
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

export const Me = z.object({ id: z.string(), role: Role, via: z.string(), keyId: z.string().nullable() });

export const PrincipalView = z.object({
  id: z.string(),
  kind: z.enum(['user', 'jwt']),
  displayName: z.string().nullable(),
  createdBy: z.string(),
  createdAt: Timestamp,
  disabledAt: NullableTimestamp,
});
export const CreatePrincipalBody = z.strictObject({
  id: PrincipalId,
  displayName: z.string().max(200).optional(),
});
export const PrincipalParams = z.object({ principalId: PrincipalId });
export const ListPrincipalsResponse = z.object({ items: z.array(PrincipalView) });

export const AuditQuery = z.object({
  target: z.string().max(300).optional().describe('e.g. run:<id>, model:<name>'),
  action: z.string().max(60).optional(),
  actor: z.string().max(200).optional(),
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
      keyId: z.string().nullable().describe('The API key the actor used'),
      at: Timestamp,
    }),
  ),
});
