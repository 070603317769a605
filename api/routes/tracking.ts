import type { ApiDeps } from '../deps';
import type { ApiMetrics } from '../http/metrics';
import { defineRoute } from '../http/route';
import { RunIdParams } from '../schemas/runs';
import {
  CompareQuery,
  CompareResponse,
  ImportanceResponse,
  LineageParams,
  LineageQuery,
  LineageResponse,
  RerunBody,
  RerunResponse,
  RetentionBody,
  RetentionResponse,
  ResolvedSpecView,
  TrackedRunView,
} from '../schemas/tracking';
import {
  compareTrackedRuns,
  getImportance,
  getLineage,
  getResolvedSpec,
  getTrackedRun,
  rerun,
  runRetention,
} from '../services/tracking';

const READ = { role: 'viewer' } as const;
const OPERATE = { role: 'operator' } as const;
const ADMIN = { role: 'admin' } as const;

/** Experiment tracking (registered before the run routes: /v1/runs/compare is not a run id). */
export function trackingRoutes(deps: ApiDeps, metrics: ApiMetrics) {
  return [
    defineRoute({
      operationId: 'compareRuns',
      method: 'get',
      path: '/v1/runs/compare',
      summary: 'Runs side by side: parameter and hyperparameter differences, metrics and training curves',
      tags: ['tracking'],
      access: READ,
      request: { query: CompareQuery },
      responses: { 200: CompareResponse },
      errors: [400, 401, 403, 404],
      async handle({ query }) {
        return { status: 200, body: await compareTrackedRuns(deps, query.ids) };
      },
    }),
    defineRoute({
      operationId: 'getRunTracking',
      method: 'get',
      path: '/v1/runs/:runId/tracking',
      summary:
        'What a run was made of (spec, data and code versions, seeds, parameters) and what each candidate scored',
      description: 'Kept in PostgreSQL: it outlives the Temporal history of the run.',
      tags: ['tracking'],
      access: READ,
      request: { params: RunIdParams },
      responses: { 200: TrackedRunView },
      errors: [400, 401, 403, 404],
      async handle({ params }) {
        return { status: 200, body: await getTrackedRun(deps, params.runId) };
      },
    }),
    defineRoute({
      operationId: 'getRunSpec',
      method: 'get',
      path: '/v1/runs/:runId/spec',
      summary: 'The resolved spec of a run (its stored spec version with the run parameters applied)',
      tags: ['tracking'],
      access: READ,
      request: { params: RunIdParams },
      responses: { 200: ResolvedSpecView },
      errors: [400, 401, 403, 404],
      async handle({ params }) {
        return { status: 200, body: await getResolvedSpec(deps, params.runId) };
      },
    }),
    defineRoute({
      operationId: 'getRunImportance',
      method: 'get',
      path: '/v1/runs/:runId/importance',
      summary: 'Permutation importance of the raw input columns on the test split, per candidate',
      tags: ['tracking'],
      access: READ,
      request: { params: RunIdParams },
      responses: { 200: ImportanceResponse },
      errors: [400, 401, 403, 404],
      async handle({ params }) {
        return { status: 200, body: await getImportance(deps, params.runId) };
      },
    }),
    defineRoute({
      operationId: 'rerunRun',
      method: 'post',
      path: '/v1/runs/:runId/rerun',
      summary: 'Re-run: same spec version, data version and parameters (overrides of declared parameters or data)',
      description:
        'The new run reads the pinned data version from the lake instead of the spec source; on the same backend ' +
        'its metrics equal the original run.',
      tags: ['tracking'],
      access: OPERATE,
      request: { params: RunIdParams, body: RerunBody },
      responses: { 201: RerunResponse },
      errors: [400, 401, 403, 404, 409, 503],
      async handle({ params, body, principal }) {
        const started = await rerun(deps, metrics, { runId: params.runId, ...body, principal });
        return { status: 201, body: started, headers: { Location: started.links.self as string } };
      },
    }),
    defineRoute({
      operationId: 'getLineage',
      method: 'get',
      path: '/v1/lineage/:kind/:id',
      summary: 'The lineage graph around a dataset, spec, run, ABT, candidate, version, deployment, monitor or alert',
      description:
        'up: what it was made from (data, spec, code); down: what was made from it (versions, deployments, ' +
        'monitors, alerts, retraining runs). Nodes are <kind>/<id>; edges point downstream.',
      tags: ['tracking'],
      access: READ,
      request: { params: LineageParams, query: LineageQuery },
      responses: { 200: LineageResponse },
      errors: [400, 401, 403, 404],
      async handle({ params, query }) {
        return { status: 200, body: await getLineage(deps, { ...params, ...query }) };
      },
    }),
    defineRoute({
      operationId: 'applyRetention',
      method: 'post',
      path: '/v1/admin/retention',
      summary: 'Remove ABT tables, checkpoints and artefacts of runs older than a policy; report what was freed',
      description:
        'Never touches open runs, runs with a version deployed, in staging or production, or archived after serving ' +
        'production (kept for audit), ' +
        'raw lake objects, or anything a kept run also references. The run records stay, marked. Audited.',
      tags: ['tracking'],
      access: ADMIN,
      request: { body: RetentionBody },
      responses: { 200: RetentionResponse },
      errors: [400, 401, 403, 503],
      async handle({ body, principal }) {
        return { status: 200, body: await runRetention(deps, { ...body, principal }) };
      },
    }),
  ];
}
