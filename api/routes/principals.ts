import { recordAudit } from '../../lib/audit';
import { createUserPrincipal, listPrincipals, setPrincipalDisabled, type PrincipalRow } from '../../lib/auth';
import type { ApiDeps } from '../deps';
import { defineRoute } from '../http/route';
import { CreatePrincipalBody, ListPrincipalsResponse, PrincipalParams, PrincipalView } from '../schemas/admin';
import { iso, isoRequired } from '../schemas/common';

const ADMIN = { role: 'admin' } as const;

function principalView(row: PrincipalRow) {
  return {
    id: row.id,
    kind: row.kind,
    displayName: row.display_name,
    createdBy: row.created_by,
    createdAt: isoRequired(row.created_at),
    disabledAt: iso(row.disabled_at),
  };
}

function disableRoute(deps: ApiDeps, disabled: boolean) {
  const verb = disabled ? 'disable' : 'enable';
  return defineRoute({
    operationId: `${verb}Principal`,
    method: 'post',
    path: `/v1/principals/:principalId/${verb}`,
    summary: disabled
      ? 'Disable a principal: its keys and tokens stop working at once (never the last admin)'
      : 'Enable a disabled principal again',
    tags: ['auth'],
    access: ADMIN,
    request: { params: PrincipalParams },
    responses: { 200: PrincipalView },
    errors: [400, 401, 403, 404, 409],
    async handle({ params, principal }) {
      const row = await setPrincipalDisabled(deps.db, params.principalId, disabled);
      await recordAudit(deps.db, {
        actor: principal.id,
        action: `principal.${verb}`,
        target: `principal:${params.principalId}`,
        keyId: principal.keyId,
      });
      return { status: 200, body: principalView(row) };
    },
  });
}

/** Principals: the identities approver lists and audit rows name (local users hold API keys; JWT subjects sign in). */
export function principalRoutes(deps: ApiDeps) {
  return [
    defineRoute({
      operationId: 'listPrincipals',
      method: 'get',
      path: '/v1/principals',
      summary: 'Principals: local users (holding API keys) and identity-provider subjects seen so far',
      tags: ['auth'],
      access: ADMIN,
      request: {},
      responses: { 200: ListPrincipalsResponse },
      errors: [401, 403],
      async handle() {
        return { status: 200, body: { items: (await listPrincipals(deps.db)).map(principalView) } };
      },
    }),
    defineRoute({
      operationId: 'createPrincipal',
      method: 'post',
      path: '/v1/principals',
      summary: 'Create a local principal (a person or service that will hold API keys); ids are unique',
      tags: ['auth'],
      access: ADMIN,
      request: { body: CreatePrincipalBody },
      responses: { 201: PrincipalView },
      errors: [400, 401, 403, 409],
      async handle({ body, principal }) {
        const row = await createUserPrincipal(deps.db, {
          id: body.id,
          displayName: body.displayName,
          createdBy: principal.id,
        });
        await recordAudit(deps.db, {
          actor: principal.id,
          action: 'principal.create',
          target: `principal:${body.id}`,
          keyId: principal.keyId,
        });
        return { status: 201, body: principalView(row) };
      },
    }),
    disableRoute(deps, true),
    disableRoute(deps, false),
  ];
}
