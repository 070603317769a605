import { FeatureStoreError } from '../../lib/featurestore/errors';
import { applyDefinitions, listEntities, listViews, viewVersions } from '../../lib/featurestore/registry';
import { durationToMs } from '../../lib/featurestore/time';
import { viewLineage } from '../../lib/featurestore/usage';
import { temporalUiLink, type ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import { defineRoute } from '../http/route';
import { iso, isoRequired } from '../schemas/common';
import {
  ApplyBody,
  ApplyResponse,
  DriftQuery,
  FeatureViewDetail,
  ListEntitiesResponse,
  ListViewsResponse,
  MaterializeBody,
  MaterializeResponse,
  OnlineReadBody,
  OnlineReadResponse,
  ScheduleBody,
  ScheduleResponse,
  ViewDriftResponse,
  ViewParams,
  ViewQuery,
} from '../schemas/features';
import {
  deleteMaterializationSchedule,
  onlineError,
  onlineFeaturesOf,
  requireView,
  setMaterializationSchedule,
  startMaterialization,
  viewDrift,
  viewSummary,
} from '../services/features';

const READ = { role: 'viewer' } as const;
const OPERATE = { role: 'operator' } as const;
const tags = ['features'];

export function featureRoutes(deps: ApiDeps) {
  const base = (view: string) => `/v1/features/views/${encodeURIComponent(view)}`;
  return [
    defineRoute({
      operationId: 'applyFeatures',
      method: 'post',
      path: '/v1/features/apply',
      summary: 'Register entities and feature views (a new version for each changed definition; audited)',
      description:
        'Each entity or view whose canonical content hash differs from its latest version becomes a new version, ' +
        'recorded with who and when and in the audit log; identical definitions are left unchanged.',
      tags,
      access: { role: 'admin' },
      request: { body: ApplyBody },
      responses: { 200: ApplyResponse },
      errors: [400, 401, 403],
      async handle({ body, principal }) {
        try {
          const result = await applyDefinitions(deps.db, body.definitions, {
            actor: principal.id,
            reason: body.reason,
            source: body.source ?? 'api',
          });
          return { status: 200, body: result };
        } catch (err) {
          if (err instanceof FeatureStoreError && err.code === 'INVALID_DEFINITION') {
            const issues = (err.details.issues ?? []).map((i) => ({
              ...i,
              path: `body.definitions.${i.path.replace(/\.(\d+)/g, '[$1]')}`,
            }));
            throw new ApiError(400, 'VALIDATION_FAILED', err.message, { issues });
          }
          throw err;
        }
      },
    }),
    defineRoute({
      operationId: 'listFeatureEntities',
      method: 'get',
      path: '/v1/features/entities',
      summary: 'Entities (latest versions)',
      tags,
      access: READ,
      request: {},
      responses: { 200: ListEntitiesResponse },
      errors: [401, 403],
      async handle() {
        const items = (await listEntities(deps.db)).map((e) => ({
          name: e.name,
          version: e.version,
          hash: e.hash,
          joinKeys: e.definition.joinKeys,
          description: e.definition.description,
          appliedBy: e.appliedBy,
          appliedAt: isoRequired(e.appliedAt),
        }));
        return { status: 200, body: { items } };
      },
    }),
    defineRoute({
      operationId: 'listFeatureViews',
      method: 'get',
      path: '/v1/features/views',
      summary: 'Feature views (latest versions) with materialization state and how many runs used them',
      tags,
      access: READ,
      request: {},
      responses: { 200: ListViewsResponse },
      errors: [401, 403],
      async handle() {
        const items = [];
        for (const view of await listViews(deps.db)) items.push(await viewSummary(deps, view));
        return { status: 200, body: { items } };
      },
    }),
    defineRoute({
      operationId: 'getFeatureView',
      method: 'get',
      path: '/v1/features/views/:view',
      summary: 'A feature view: definition, version history, lineage (runs and models) and materializations',
      tags,
      access: READ,
      request: { params: ViewParams, query: ViewQuery },
      responses: { 200: FeatureViewDetail },
      errors: [400, 401, 403, 404],
      async handle({ params, query }) {
        const view = await requireView(deps, params.view, query.version);
        const runs = (await deps
          .db('feature_materialization_runs')
          .where({ view: view.name })
          .orderBy('started_at', 'desc')
          .limit(20)) as Array<Record<string, unknown>>;
        const body = {
          ...(await viewSummary(deps, view)),
          definition: view.definition as unknown as Record<string, unknown>,
          versions: (await viewVersions(deps.db, view.name)).map((v) => ({
            version: v.version,
            hash: v.hash,
            appliedBy: v.appliedBy,
            appliedAt: isoRequired(v.appliedAt),
          })),
          lineage: (await viewLineage(deps.db, view.name)).map((l) => ({ ...l, usedAt: isoRequired(l.usedAt) })),
          materializationRuns: runs.map((r) => ({
            workflowId: r.workflow_id as string,
            version: Number(r.version),
            status: r.status as string,
            windowFrom: iso(r.window_from as Date | null),
            windowTo: isoRequired(r.window_to as Date),
            rowsRead: Number(r.rows_read),
            rowsWritten: Number(r.rows_written),
            attempts: (r.attempts as unknown[]).length,
            error: (r.error as string | null) ?? null,
            startedAt: isoRequired(r.started_at as Date),
            finishedAt: iso(r.finished_at as Date | null),
          })),
          links: {
            materialize: `${base(view.name)}/materialize`,
            schedule: `${base(view.name)}/schedule`,
            drift: `${base(view.name)}/drift`,
            online: `${base(view.name)}/online`,
          },
        };
        return { status: 200, body };
      },
    }),
    defineRoute({
      operationId: 'materializeFeatureView',
      method: 'post',
      path: '/v1/features/views/:view/materialize',
      summary: 'Materialize a view into the online store now (incremental from its watermark; audited)',
      tags,
      access: OPERATE,
      request: { params: ViewParams, body: MaterializeBody },
      responses: { 202: MaterializeResponse },
      errors: [400, 401, 403, 404, 503],
      async handle({ params, body, principal }) {
        const started = await startMaterialization(deps, {
          view: params.view,
          fullRefresh: body.fullRefresh,
          principal,
        });
        const links = { temporal: temporalUiLink(deps.settings, started.workflowId), view: base(params.view) };
        return { status: 202, body: { ...started, links } };
      },
    }),
    defineRoute({
      operationId: 'scheduleFeatureView',
      method: 'post',
      path: '/v1/features/views/:view/schedule',
      summary: "Create or replace a view's materialization schedule (Temporal Schedule, overlap SKIP; audited)",
      tags,
      access: OPERATE,
      request: { params: ViewParams, body: ScheduleBody },
      responses: { 200: ScheduleResponse },
      errors: [400, 401, 403, 404, 503],
      async handle({ params, body, principal }) {
        if (body.interval && durationToMs(body.interval) < 60_000) {
          throw new ApiError(400, 'VALIDATION_FAILED', 'A materialization interval must be at least 1m.', {
            issues: [{ path: 'body.interval', message: 'at least 1m' }],
          });
        }
        return { status: 200, body: await setMaterializationSchedule(deps, { view: params.view, ...body, principal }) };
      },
    }),
    defineRoute({
      operationId: 'unscheduleFeatureView',
      method: 'delete',
      path: '/v1/features/views/:view/schedule',
      summary: "Delete a view's materialization schedule (audited)",
      tags,
      access: OPERATE,
      request: { params: ViewParams },
      responses: { 204: null },
      errors: [400, 401, 403, 404, 503],
      async handle({ params, principal }) {
        await deleteMaterializationSchedule(deps, params.view, principal);
        return { status: 204, body: undefined };
      },
    }),
    defineRoute({
      operationId: 'readOnlineFeatures',
      method: 'post',
      path: '/v1/features/views/:view/online',
      summary: "Latest values of a view's features for entity keys, from the online store (with TTL warnings)",
      tags,
      access: { role: 'operator', alsoAllow: ['predictor'] },
      request: { params: ViewParams, body: OnlineReadBody },
      responses: { 200: OnlineReadResponse },
      errors: [400, 401, 403, 404, 503],
      async handle({ params, body }) {
        const view = await requireView(deps, params.view);
        const wanted = body.features ?? view.definition.features.map((f) => f.name);
        const unknown = wanted.filter((f) => !view.definition.features.some((d) => d.name === f));
        if (unknown.length > 0) {
          throw new ApiError(400, 'VALIDATION_FAILED', `View ${view.name} has no feature ${unknown.join(', ')}.`, {
            issues: [{ path: 'body.features', message: `unknown: ${unknown.join(', ')}` }],
          });
        }
        const use = {
          name: view.name,
          version: view.version,
          hash: view.hash,
          joinKeys: view.joinKeys,
          columns: wanted.map((f) => ({ column: f, feature: f, type: 'string' as const })),
          ttlMs: view.definition.ttl === undefined ? undefined : durationToMs(view.definition.ttl),
        };
        try {
          const result = await onlineFeaturesOf(deps).lookup(use, body.entities);
          return { status: 200, body: { view: view.name, version: view.version, ...result } };
        } catch (err) {
          throw onlineError(err);
        }
      },
    }),
    defineRoute({
      operationId: 'getFeatureViewDrift',
      method: 'get',
      path: '/v1/features/views/:view/drift',
      summary: "Drift of each of a view's columns in every monitored model version trained with it",
      tags,
      access: READ,
      request: { params: ViewParams, query: DriftQuery },
      responses: { 200: ViewDriftResponse },
      errors: [400, 401, 403, 404],
      async handle({ params, query }) {
        await requireView(deps, params.view);
        return { status: 200, body: { view: params.view, columns: await viewDrift(deps, params.view, query.limit) } };
      },
    }),
  ];
}
