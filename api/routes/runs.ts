import type { ApiDeps } from '../deps';
import type { ApiMetrics } from '../http/metrics';
import { defineRoute } from '../http/route';
import {
  CancelBody,
  CancelResponse,
  ApproveBody,
  DecisionBody,
  DecisionResponse,
  RunDetail,
  RunIdParams,
  StartRunBody,
  StartRunHeaders,
  StartRunParams,
  StartRunResponse,
} from '../schemas/runs';
import { cancelRun, decideRun } from '../services/run-control';
import { startRun } from '../services/run-start';
import { ListRunsResponse, ListTrackedRunsQuery } from '../schemas/tracking';
import { getRunDetail, runLinks } from '../services/run-view';
import { listTrackedRuns } from '../services/tracking';

const READ = { role: 'viewer' } as const;
const OPERATE = { role: 'operator' } as const;
const APPROVE = { role: 'approver' } as const;

function decisionRoute(deps: ApiDeps, decision: 'approved' | 'rejected') {
  const verb = decision === 'approved' ? 'approve' : 'reject';
  return defineRoute({
    operationId: `${verb}Run`,
    method: 'post',
    path: `/v1/runs/:runId/${verb}`,
    summary: `${decision === 'approved' ? 'Approve' : 'Reject'} a run waiting for approval`,
    description: 'The approver is the authenticated caller (never a body field); the decision is audited.',
    tags: ['runs'],
    access: APPROVE,
    request: { params: RunIdParams, body: decision === 'approved' ? ApproveBody : DecisionBody },
    responses: { 200: DecisionResponse },
    errors: [400, 401, 403, 404, 409, 503],
    async handle({ params, body, principal }) {
      const strategy = 'strategy' in body ? (body.strategy as 'direct' | 'canary' | undefined) : undefined;
      const result = await decideRun(deps, {
        runId: params.runId,
        decision,
        reason: body.reason,
        principal,
        ...(strategy ? { strategy } : {}),
      });
      return { status: 200, body: { runId: params.runId, ...result } };
    },
  });
}

export function runRoutes(deps: ApiDeps, metrics: ApiMetrics) {
  return [
    defineRoute({
      operationId: 'startRun',
      method: 'post',
      path: '/v1/pipelines/:name/runs',
      summary: 'Start a pipeline run',
      description:
        'With an Idempotency-Key header, repeating the request returns the same run (200) instead of a new one.',
      tags: ['runs'],
      access: OPERATE,
      request: { params: StartRunParams, headers: StartRunHeaders, body: StartRunBody },
      responses: { 201: StartRunResponse, 200: StartRunResponse },
      errors: [400, 401, 403, 404, 409, 503],
      async handle({ params, headers, body, principal }) {
        const started = await startRun(deps, metrics, {
          pipeline: params.name,
          params: body.params,
          principal,
          idempotencyKey: headers['idempotency-key'],
        });
        const response = { ...started, pipeline: params.name, links: runLinks(deps, started.runId) };
        const replyHeaders: Record<string, string> = started.deduplicated
          ? { 'Idempotent-Replayed': 'true' }
          : { Location: response.links.self as string };
        return { status: started.deduplicated ? 200 : 201, body: response, headers: replyHeaders };
      },
    }),
    defineRoute({
      operationId: 'listRuns',
      method: 'get',
      path: '/v1/runs',
      summary: 'List and search runs: newest first, or sorted by a metric; filtered by parameters and metric bounds',
      tags: ['runs'],
      access: READ,
      request: { query: ListTrackedRunsQuery },
      responses: { 200: ListRunsResponse },
      errors: [400, 401, 403],
      async handle({ query }) {
        return { status: 200, body: await listTrackedRuns(deps, query) };
      },
    }),
    defineRoute({
      operationId: 'getRun',
      method: 'get',
      path: '/v1/runs/:runId',
      summary: 'A run: status, phase, steps, metrics, artifacts, approval and its Temporal UI link',
      tags: ['runs'],
      access: READ,
      request: { params: RunIdParams },
      responses: { 200: RunDetail },
      errors: [400, 401, 403, 404],
      async handle({ params }) {
        return { status: 200, body: await getRunDetail(deps, params.runId) };
      },
    }),
    decisionRoute(deps, 'approved'),
    decisionRoute(deps, 'rejected'),
    defineRoute({
      operationId: 'cancelRun',
      method: 'post',
      path: '/v1/runs/:runId/cancel',
      summary: 'Cancel a running run (it records itself as cancelled)',
      tags: ['runs'],
      access: OPERATE,
      request: { params: RunIdParams, body: CancelBody },
      responses: { 202: CancelResponse },
      errors: [400, 401, 403, 404, 409],
      async handle({ params, body, principal }) {
        await cancelRun(deps, { runId: params.runId, reason: body.reason, principal });
        return { status: 202, body: { runId: params.runId, status: 'cancelling' as const } };
      },
    }),
  ];
}
