import { listAudit, recordAudit } from '../../lib/audit';
import { createApiKey, createUserPrincipal, listApiKeys, revokeApiKey, type ApiKeyInfo } from '../../lib/auth';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import { defineRoute } from '../http/route';
import {
  AuditQuery,
  AuditResponse,
  CreateKeyBody,
  CreatedKey,
  KeyIdParams,
  KeyView,
  ListKeysResponse,
  Me,
} from '../schemas/admin';
import { iso, isoRequired } from '../schemas/common';

const ADMIN = { role: 'admin' } as const;

function keyView(info: ApiKeyInfo) {
  return {
    id: info.id,
    name: info.principal_id,
    principal: info.principal_id,
    label: info.label,
    role: info.role,
    createdBy: info.created_by,
    createdAt: isoRequired(info.created_at),
    expiresAt: iso(info.expires_at),
    revokedAt: iso(info.revoked_at),
    lastUsedAt: iso(info.last_used_at),
  };
}

export function adminRoutes(deps: ApiDeps) {
  return [
    defineRoute({
      operationId: 'whoAmI',
      method: 'get',
      path: '/v1/me',
      summary: 'The authenticated caller and its role',
      tags: ['auth'],
      access: { role: 'viewer', alsoAllow: ['predictor'] },
      request: {},
      responses: { 200: Me },
      errors: [401, 403],
      async handle({ principal }) {
        return {
          status: 200,
          body: { id: principal.id, role: principal.role, via: principal.via, keyId: principal.keyId ?? null },
        };
      },
    }),
    defineRoute({
      operationId: 'createApiKey',
      method: 'post',
      path: '/v1/keys',
      summary: 'Create an API key (the secret is returned once, only its hash is stored)',
      tags: ['auth'],
      access: ADMIN,
      request: { body: CreateKeyBody },
      responses: { 201: CreatedKey },
      errors: [400, 401, 403],
      async handle({ body, principal }) {
        if (body.createPrincipal) {
          await createUserPrincipal(deps.db, { id: body.principal, createdBy: principal.id });
          await recordAudit(deps.db, {
            actor: principal.id,
            action: 'principal.create',
            target: `principal:${body.principal}`,
            keyId: principal.keyId,
          });
        }
        const created = await createApiKey(deps.db, {
          principal: body.principal,
          role: body.role,
          label: body.label,
          createdBy: principal.id,
          expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined,
        });
        await recordAudit(deps.db, {
          actor: principal.id,
          action: 'key.create',
          target: `key:${created.info.id}`,
          keyId: principal.keyId,
          details: { principal: body.principal, role: body.role, label: body.label ?? null },
        });
        return { status: 201, body: { ...keyView(created.info), key: created.key } };
      },
    }),
    defineRoute({
      operationId: 'listApiKeys',
      method: 'get',
      path: '/v1/keys',
      summary: 'API keys (never their secrets)',
      tags: ['auth'],
      access: ADMIN,
      request: {},
      responses: { 200: ListKeysResponse },
      errors: [401, 403],
      async handle() {
        return { status: 200, body: { items: (await listApiKeys(deps.db)).map(keyView) } };
      },
    }),
    defineRoute({
      operationId: 'revokeApiKey',
      method: 'delete',
      path: '/v1/keys/:keyId',
      summary: 'Revoke an API key',
      tags: ['auth'],
      access: ADMIN,
      request: { params: KeyIdParams },
      responses: { 200: KeyView },
      errors: [400, 401, 403, 404],
      async handle({ params, principal }) {
        const info = await revokeApiKey(deps.db, params.keyId);
        if (!info)
          throw new ApiError(404, 'KEY_NOT_FOUND', `No API key with id ${params.keyId}: GET /v1/keys lists them.`);
        deps.authenticator.forget(params.keyId);
        await recordAudit(deps.db, {
          actor: principal.id,
          action: 'key.revoke',
          target: `key:${params.keyId}`,
          keyId: principal.keyId,
          details: { principal: info.principal_id },
          idempotencyKey: `key:${params.keyId}:revoke`,
        });
        return { status: 200, body: keyView(info) };
      },
    }),
    defineRoute({
      operationId: 'listAudit',
      method: 'get',
      path: '/v1/audit',
      summary: 'Audit log: approvals, rejections, promotions, rollbacks, cancellations, schedule and key changes',
      tags: ['auth'],
      access: { role: 'approver' },
      request: { query: AuditQuery },
      responses: { 200: AuditResponse },
      errors: [400, 401, 403],
      async handle({ query }) {
        const rows = await listAudit(deps.db, query);
        const items = rows.map(({ key_id: keyId, ...r }) => ({ ...r, keyId, id: Number(r.id), at: isoRequired(r.at) }));
        return { status: 200, body: { items } };
      },
    }),
  ];
}
