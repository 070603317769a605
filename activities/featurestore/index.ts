import { ApplicationFailure, Context, activityInfo } from '@temporalio/activity';
import { loadFeatureStoreConfig, type FeatureStoreConfig } from '../../lib/featurestore/config';
import { FeatureStoreError } from '../../lib/featurestore/errors';
import {
  commitMaterialization,
  materializeWindow,
  planMaterialization,
  type MaterializationCursor,
  type MaterializationPlan,
} from '../../lib/featurestore/materialize';
import { createOnlineStore, type OnlineStore } from '../../lib/featurestore/online';
import { MlError } from '../../lib/ml/errors';
import type { ActivityDeps } from '../deps';

export interface PlanInput {
  view: string;
  fullRefresh?: boolean;
}

export interface MaterializeInput {
  plan: MaterializationPlan;
  /** Source rows per online-store write (and per heartbeat). */
  batchRows?: number;
}

export interface CommitInput {
  plan: MaterializationPlan;
  cursor: MaterializationCursor;
}

/** Definitions, sources and data that are wrong fail the same way on every attempt. */
function permanent(err: unknown): unknown {
  if ((err instanceof FeatureStoreError && err.code !== 'ONLINE_STORE_ERROR') || err instanceof MlError) {
    return ApplicationFailure.create({
      type: 'FeatureStoreError',
      message: err.message,
      nonRetryable: true,
      details: [{ code: err.code, ...err.details }],
    });
  }
  return err;
}

function workflowId(): string {
  const info = activityInfo();
  return info.workflowExecution?.workflowId ?? `standalone-${info.activityId}`;
}

async function guarded<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw permanent(err);
  }
}

/**
 * Materialization activities (orchestration worker). The online store is opened once per worker; `close` releases
 * it when the worker stops.
 */
export function createFeatureStoreActivities(
  deps: ActivityDeps & { online?: OnlineStore; featureStore?: FeatureStoreConfig },
) {
  const config = deps.featureStore ?? loadFeatureStoreConfig();
  const online = deps.online ?? createOnlineStore(config, deps.db);
  const sourceUrl =
    config.sourceDatabaseUrl ?? deps.config.governance.dataSources.readerUrl ?? deps.config.database.url;

  const activities = {
    async planMaterialization(input: PlanInput): Promise<MaterializationPlan> {
      return guarded(async () => {
        const plan = await planMaterialization(deps.db, {
          view: input.view,
          now: new Date(),
          fullRefresh: input.fullRefresh,
        });
        await deps
          .db('feature_materialization_runs')
          .insert({
            workflow_id: workflowId(),
            view: plan.view,
            version: plan.version,
            window_from: plan.from ?? null,
            window_to: plan.to,
            status: 'running',
          })
          .onConflict('workflow_id')
          .ignore();
        deps.log.info(
          { view: plan.view, version: plan.version, from: plan.from, to: plan.to },
          'materialization planned',
        );
        return plan;
      });
    },

    /** Long: heartbeats its cursor after every batch and resumes from the last one on a retried attempt. */
    async materializeFeatureWindow(input: MaterializeInput): Promise<MaterializationCursor> {
      return guarded(async () => {
        const info = activityInfo();
        const resume = info.heartbeatDetails as MaterializationCursor | undefined;
        const attempt = { attempt: info.attempt, resumedFrom: resume?.position ?? null, at: new Date().toISOString() };
        await deps
          .db('feature_materialization_runs')
          .where({ workflow_id: workflowId() })
          .update({ attempts: deps.db.raw(`attempts || ?::jsonb`, [JSON.stringify([attempt])]) });
        const log = deps.log.child({ view: input.plan.view, attempt: info.attempt });
        if (resume) log.info({ resumeFrom: resume.position, rowsRead: resume.rowsRead }, 'resuming materialization');
        const cursor = await materializeWindow(
          { db: deps.db, store: deps.store, online, sourceUrl },
          {
            plan: input.plan,
            batchRows: input.batchRows ?? 5000,
            resume,
            progress: (c) => Context.current().heartbeat(c),
          },
        );
        log.info({ rowsRead: cursor.rowsRead, rowsWritten: cursor.rowsWritten }, 'materialization window written');
        return cursor;
      });
    },

    async failMaterialization(input: { error: string }): Promise<void> {
      await deps
        .db('feature_materialization_runs')
        .where({ workflow_id: workflowId() })
        .update({ status: 'failed', error: input.error.slice(0, 2000), finished_at: deps.db.fn.now() });
    },

    async commitMaterialization(input: CommitInput): Promise<void> {
      await commitMaterialization(deps.db, { ...input, workflowId: workflowId() });
    },
  };
  return { activities, close: () => online.close() };
}

export type FeatureStoreActivities = ReturnType<typeof createFeatureStoreActivities>['activities'];
