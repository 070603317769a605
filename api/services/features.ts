import { ScheduleNotFoundError } from '@temporalio/client';
import { recordAudit } from '../../lib/audit';
import type { Principal } from '../../lib/auth';
import type { FeatureSource } from '../../lib/featurestore/definitions';
import { FeatureStoreError } from '../../lib/featurestore/errors';
import { createPostgresOnlineStore } from '../../lib/featurestore/online/postgres';
import { getView, type StoredView } from '../../lib/featurestore/registry';
import {
  OnlineLookupInputError,
  createOnlineFeatureService,
  type EnrichedRequest,
  type OnlineFeatureService,
  type Row,
} from '../../lib/featurestore/serving';
import type { Slot } from '../../lib/registry';
import { materializeFeatureView, materializationWorkflowId } from '../../workflows/featurestore/workflow';
import { upsertWorkflowSchedule } from './job-schedules';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import { iso, isoRequired } from '../schemas/common';

const services = new WeakMap<ApiDeps, OnlineFeatureService>();

/** The online-feature service of an app: the one given in its deps, else one on the PostgreSQL online store. */
export function onlineFeaturesOf(deps: ApiDeps): OnlineFeatureService {
  if (deps.onlineFeatures) return deps.onlineFeatures;
  let service = services.get(deps);
  if (!service) {
    service = createOnlineFeatureService({ db: deps.db, online: createPostgresOnlineStore(deps.db), log: deps.log });
    services.set(deps, service);
  }
  return service;
}

/**
 * The predict route's hook: rows of a model trained with feature views get their view columns from the online
 * store (one batched read per view); undefined for other models. Bad keys answer 400, an unreachable store 503.
 */
export async function enrichPredictRows(
  deps: ApiDeps,
  input: { model: string; slot: Slot; rows: Row[] },
): Promise<EnrichedRequest | undefined> {
  try {
    return await onlineFeaturesOf(deps).enrich(input);
  } catch (err) {
    throw onlineError(err);
  }
}

/** Lookup errors as API errors: a bad entity key is the caller's (400), an unreachable store a 503. */
export function onlineError(err: unknown): unknown {
  if (err instanceof OnlineLookupInputError) return new ApiError(400, 'INVALID_INPUT', err.message, err.details);
  if (err instanceof FeatureStoreError && err.code === 'ONLINE_STORE_ERROR') {
    return new ApiError(503, 'ONLINE_STORE_UNAVAILABLE', err.message);
  }
  return err;
}

/** What the predict response says about the lookup: the views used and the per-row warnings. */
export function predictFeatureFields(online: EnrichedRequest | undefined) {
  return online ? { featureViews: online.views, featureWarnings: online.warnings } : {};
}

/** A feature view by name (and version), or a 404 that says how to find the known ones. */
export async function requireView(deps: ApiDeps, name: string, version?: number): Promise<StoredView> {
  try {
    return await getView(deps.db, name, version);
  } catch (err) {
    if (err instanceof FeatureStoreError) throw new ApiError(404, 'FEATURE_VIEW_NOT_FOUND', err.message);
    throw err;
  }
}

export function describeSource(source: FeatureSource): string {
  if (source.kind === 'table') return `table ${source.schema}.${source.table}`;
  return source.kind === 's3' ? `s3 ${source.key}` : `file ${source.path}`;
}

export async function viewSummary(deps: ApiDeps, view: StoredView) {
  const state = (await deps.db('feature_materializations').where({ view: view.name }).first()) as
    Record<string, unknown> | undefined;
  const used = (await deps.db('feature_view_usage').where({ view: view.name }).count({ n: '*' }).first()) as
    { n: number } | undefined;
  const d = view.definition;
  return {
    name: view.name,
    version: view.version,
    hash: view.hash,
    description: d.description,
    owner: view.owner,
    entities: d.entities,
    joinKeys: view.joinKeys,
    source: describeSource(d.source),
    features: d.features,
    ttl: d.ttl ?? null,
    online: d.online,
    appliedBy: view.appliedBy,
    appliedAt: isoRequired(view.appliedAt),
    materialization: state
      ? {
          version: Number(state.version),
          watermark: iso(state.watermark as Date | null),
          rowsWritten: Number(state.rows_written),
          updatedAt: isoRequired(state.updated_at as Date),
          lastWorkflowId: (state.last_workflow_id as string | null) ?? null,
        }
      : null,
    runsUsing: Number(used?.n ?? 0),
  };
}

/** Starts the view's materialization; a running one is returned instead of starting a second. */
export async function startMaterialization(
  deps: ApiDeps,
  input: { view: string; fullRefresh: boolean; principal: Principal },
) {
  await requireView(deps, input.view);
  const workflowId = materializationWorkflowId(input.view);
  const running = await deps.temporal.workflow
    .getHandle(workflowId)
    .describe()
    .then((d) => d.status.name === 'RUNNING')
    .catch(() => false);
  await deps.temporal.workflow.start(materializeFeatureView, {
    taskQueue: deps.settings.taskQueue,
    workflowId,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [{ view: input.view, fullRefresh: input.fullRefresh }],
  });
  const started = !running;
  await recordAudit(deps.db, {
    actor: input.principal.id,
    action: 'features.materialize',
    target: `feature_view:${input.view}`,
    details: { workflowId, fullRefresh: input.fullRefresh },
  });
  return { workflowId, started };
}

export function scheduleIdOf(view: string): string {
  return `fs-materialize-${view}`;
}

/** Creates or replaces the view's materialization schedule (overlap SKIP: one run at a time). */
export async function setMaterializationSchedule(
  deps: ApiDeps,
  input: { view: string; interval?: string; cron?: string; paused: boolean; principal: Principal },
) {
  await requireView(deps, input.view);
  const scheduleId = scheduleIdOf(input.view);
  const action = {
    type: 'startWorkflow' as const,
    workflowType: materializeFeatureView,
    taskQueue: deps.settings.taskQueue,
    workflowId: `${scheduleId}-scheduled`,
    args: [{ view: input.view }] as [{ view: string }],
  };
  const shown = await upsertWorkflowSchedule(deps, {
    scheduleId,
    timing: { cron: input.cron, interval: input.interval },
    action,
    paused: input.paused,
    note: `materialize feature view ${input.view}`,
    memo: { mlopsFeatureView: input.view },
  });
  await recordAudit(deps.db, {
    actor: input.principal.id,
    action: 'features.schedule',
    target: `feature_view:${input.view}`,
    details: { scheduleId, interval: input.interval ?? null, cron: input.cron ?? null, paused: input.paused },
  });
  return {
    scheduleId,
    view: input.view,
    interval: input.interval ?? null,
    cron: input.cron ?? null,
    ...shown,
  };
}

export async function deleteMaterializationSchedule(deps: ApiDeps, view: string, principal: Principal) {
  await requireView(deps, view);
  const scheduleId = scheduleIdOf(view);
  try {
    await deps.temporal.schedule.getHandle(scheduleId).delete();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) {
      throw new ApiError(404, 'SCHEDULE_NOT_FOUND', `Feature view ${view} has no materialization schedule.`);
    }
    throw err;
  }
  await recordAudit(deps.db, {
    actor: principal.id,
    action: 'features.unschedule',
    target: `feature_view:${view}`,
    details: { scheduleId },
  });
}

/** Drift of each view column, per model version trained with the view, from the stored monitoring windows. */
export async function viewDrift(deps: ApiDeps, view: string, limit: number) {
  const uses = (await deps
    .db('feature_view_usage as u')
    .join('model_versions as m', 'm.run_id', 'u.run_id')
    .where('u.view', view)
    .orderBy('m.id', 'desc')
    .select('u.version as view_version', 'u.columns', 'm.id', 'm.model_name', 'm.version')) as Array<{
    view_version: number;
    columns: Array<{ column: string; feature: string }>;
    id: number;
    model_name: string;
    version: number;
  }>;
  const out = [];
  for (const use of uses) {
    const reports = (await deps
      .db('monitoring_reports')
      .where({ version_id: use.id })
      .orderBy('id', 'desc')
      .limit(limit)
      .select('window_start', 'window_end', 'samples', 'feature_drift')) as Array<{
      window_start: Date;
      window_end: Date;
      samples: number;
      feature_drift: Array<{
        feature: string;
        psi: number;
        jsDistance: number;
        drifted: boolean;
        insufficientData: boolean;
      }>;
    }>;
    for (const { column, feature } of use.columns) {
      out.push({
        column,
        feature,
        model: use.model_name,
        modelVersion: Number(use.version),
        viewVersion: Number(use.view_version),
        windows: reports.flatMap((r) => {
          const drift = r.feature_drift.find((f) => f.feature === column);
          if (!drift) return [];
          return [
            {
              windowStart: isoRequired(r.window_start),
              windowEnd: isoRequired(r.window_end),
              samples: r.samples,
              psi: drift.psi,
              jsDistance: drift.jsDistance,
              drifted: drift.drifted,
              insufficientData: drift.insufficientData,
            },
          ];
        }),
      });
    }
  }
  return out;
}
