import { canaryStatus } from '../../lib/delivery/canary';
import { DeliveryError, shadowReport, startShadow, stopShadow } from '../../lib/delivery/routes';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import { defineRoute } from '../http/route';
import {
  CanaryStateResponse,
  ShadowParams,
  ShadowQuery,
  ShadowStateResponse,
  StartShadowBody,
  StartShadowResponse,
  StopShadowBody,
} from '../schemas/delivery';
import { requireModel } from './registry';

// Starting or stopping a shadow changes what runs beside production: approvers (audited). Reading is for viewers.
const DEPLOY = { role: 'approver' } as const;
const READ = { role: 'viewer' } as const;
const tags = ['delivery'];

function deliveryError(err: unknown): unknown {
  if (!(err instanceof DeliveryError)) return err;
  const status = err.code === 'VERSION_NOT_FOUND' || err.code === 'NO_SHADOW' ? 404 : 409;
  return new ApiError(status, err.code, err.message);
}

export function deliveryRoutes(deps: ApiDeps) {
  return [
    defineRoute({
      operationId: 'getCanary',
      method: 'get',
      path: '/v1/models/:name/canary',
      summary: "A model's canary rollout: the current share and plan, and the latest canary events with reasons",
      description:
        'Canaries are started by pipeline runs whose spec (deployment.strategy) or approver chose one; a rolled-back ' +
        "canary's event carries the reason and both arms' figures (docs/DELIVERY.md).",
      tags,
      access: READ,
      request: { params: ShadowParams },
      responses: { 200: CanaryStateResponse },
      errors: [401, 403, 404],
      async handle({ params }) {
        await requireModel(deps, params.name);
        return { status: 200, body: await canaryStatus(deps.db, params.name) };
      },
    }),
    defineRoute({
      operationId: 'startShadow',
      method: 'post',
      path: '/v1/models/:name/shadow',
      summary: 'Shadow production with a version: it scores live traffic, responses still come from production',
      description:
        'Every production predict request is scored again by the shadow version after the response is sent; ' +
        'agreement, score deltas, latency and errors are stored per one-minute window (GET .../shadow). Replaces ' +
        'an earlier shadow version. Audited.',
      tags,
      access: DEPLOY,
      request: { params: ShadowParams, body: StartShadowBody },
      responses: { 200: StartShadowResponse },
      errors: [400, 401, 403, 404, 409],
      async handle({ params, body, principal }) {
        await requireModel(deps, params.name);
        try {
          const started = await startShadow(deps.db, {
            model: params.name,
            version: body.version,
            actor: principal.id,
            reason: body.reason,
          });
          return {
            status: 200,
            body: { model: params.name, version: body.version, productionVersion: started.productionVersion },
          };
        } catch (err) {
          throw deliveryError(err);
        }
      },
    }),
    defineRoute({
      operationId: 'stopShadow',
      method: 'post',
      path: '/v1/models/:name/shadow/stop',
      summary: 'Stop shadowing (the comparison windows are kept; audited)',
      tags,
      access: DEPLOY,
      request: { params: ShadowParams, body: StopShadowBody },
      responses: { 204: null },
      errors: [400, 401, 403, 404],
      async handle({ params, body, principal }) {
        await requireModel(deps, params.name);
        try {
          await stopShadow(deps.db, { model: params.name, actor: principal.id, reason: body.reason });
        } catch (err) {
          throw deliveryError(err);
        }
        return { status: 204, body: undefined };
      },
    }),
    defineRoute({
      operationId: 'getShadow',
      method: 'get',
      path: '/v1/models/:name/shadow',
      summary: 'Shadow comparison: per-window agreement, score deltas, latency, errors, and live quality',
      tags,
      access: READ,
      request: { params: ShadowParams, query: ShadowQuery },
      responses: { 200: ShadowStateResponse },
      errors: [400, 401, 403, 404],
      async handle({ params, query }) {
        await requireModel(deps, params.name);
        const since = new Date(Date.now() - query.hours * 3_600_000);
        return { status: 200, body: await shadowReport(deps.db, { model: params.name, since }) };
      },
    }),
  ];
}
