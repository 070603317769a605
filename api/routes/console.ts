import { getRun } from '../../lib/metadata/runs';
import { trainingCurves } from '../../lib/metadata/training-epochs';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import { defineRoute } from '../http/route';
import { isoRequired } from '../schemas/common';
import {
  ApprovalsQuery,
  ApprovalsResponse,
  ConsoleRunsQuery,
  ConsoleRunsResponse,
  RunChecksResponse,
  TrainingParams,
  TrainingResponse,
} from '../schemas/console';
import { RunIdParams } from '../schemas/runs';
import { consoleRuns, pendingApprovals, runChecks } from '../services/console-views';

const READ = { role: 'viewer' } as const;

/** Read-only views for the web console (and any other client): nothing here changes state. */
export function consoleRoutes(deps: ApiDeps) {
  return [
    defineRoute({
      operationId: 'searchRuns',
      method: 'get',
      path: '/v1/console/runs',
      summary: 'Runs with their chosen candidate and its metrics; filter by pipeline, status, trigger and start time',
      tags: ['console'],
      access: READ,
      request: { query: ConsoleRunsQuery },
      responses: { 200: ConsoleRunsResponse },
      errors: [400, 401, 403],
      async handle({ query }) {
        return { status: 200, body: await consoleRuns(deps, query) };
      },
    }),
    defineRoute({
      operationId: 'listPendingApprovals',
      method: 'get',
      path: '/v1/console/approvals',
      summary: 'Runs waiting for an approval decision, oldest first, with deadline and whether the caller may decide',
      tags: ['console'],
      access: READ,
      request: { query: ApprovalsQuery },
      responses: { 200: ApprovalsResponse },
      errors: [400, 401, 403],
      async handle({ query, principal }) {
        return { status: 200, body: { items: await pendingApprovals(deps, principal, query.limit) } };
      },
    }),
    defineRoute({
      operationId: 'getTrainingCurves',
      method: 'get',
      path: '/v1/runs/:runId/training',
      summary: 'Training curves of a run: loss, validation loss and metrics per candidate and epoch',
      tags: ['console'],
      access: READ,
      request: { params: TrainingParams },
      responses: { 200: TrainingResponse },
      errors: [400, 401, 403, 404],
      async handle({ params }) {
        const [run, curves] = await Promise.all([getRun(deps.db, params.runId), trainingCurves(deps.db, params.runId)]);
        if (!run && curves.size === 0) {
          throw new ApiError(
            404,
            'RUN_NOT_FOUND',
            `No pipeline run with id "${params.runId}": GET /v1/runs lists runs.`,
          );
        }
        const candidates = [...curves.entries()].map(([candidate, points]) => ({
          candidate,
          points: points.map((p) => ({ ...p, at: isoRequired(p.at) })),
        }));
        return { status: 200, body: { runId: params.runId, candidates } };
      },
    }),
    defineRoute({
      operationId: 'getRunChecks',
      method: 'get',
      path: '/v1/runs/:runId/checks',
      summary: "A run's data validation (every failed check, a sample of quarantined rows) and its evaluation gate",
      tags: ['console'],
      access: READ,
      request: { params: RunIdParams },
      responses: { 200: RunChecksResponse },
      errors: [400, 401, 403, 404],
      async handle({ params }) {
        return { status: 200, body: await runChecks(deps, params.runId) };
      },
    }),
  ];
}
