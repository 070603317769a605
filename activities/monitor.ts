import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Db } from '../lib/db';
import { computeDrift, type DriftThresholdsInput, type ReferenceProfile } from '../lib/ml';
import { getVersionById } from '../lib/registry';
import { webhookAllowed } from '../lib/config/governance';
import type { ActivityDeps } from './deps';

export interface WindowInput {
  monitorId: string;
  pipeline: string;
  model: string;
  versionId: number;
  windowIndex: number;
  windowStart: string;
  windowEnd: string;
  task: 'classification' | 'regression';
  monitoring: {
    minSamples: number;
    drift: DriftThresholdsInput;
    minLiveAccuracy?: number;
    maxLiveRmse?: number;
    minLabelled: number;
    onDrift: 'retrain' | 'notify';
  };
}

export interface WindowOutput {
  reportId: number;
  samples: number;
  drifted: boolean;
  driftedFeatures: string[];
  predictionDrifted: boolean;
  liveQuality: { metric: string; value: number; labelled: number } | null;
  alert?: { id: number; kind: 'drift' | 'quality'; message: string };
}

const MAX_ROWS_PER_WINDOW = 20_000;

interface LoggedRow {
  id: number;
  inputs: Record<string, unknown>;
  outputs: { prediction: string | number } | null;
  label: string | number | null;
}

async function windowRows(db: Db, input: WindowInput): Promise<LoggedRow[]> {
  return db('prediction_log as p')
    .leftJoin('feedback as f', 'f.prediction_id', 'p.id')
    .where('p.version_id', input.versionId)
    .where('p.created_at', '>', input.windowStart)
    .where('p.created_at', '<=', input.windowEnd)
    .orderBy('p.id', 'desc')
    .limit(MAX_ROWS_PER_WINDOW)
    .select('p.id', 'p.inputs', 'p.outputs', 'f.label');
}

function liveQuality(rows: LoggedRow[], task: WindowInput['task']): WindowOutput['liveQuality'] {
  const labelled = rows.filter((r) => r.label !== null && r.outputs);
  if (labelled.length === 0) return null;
  if (task === 'classification') {
    const correct = labelled.filter((r) => String(r.outputs?.prediction) === String(r.label)).length;
    return { metric: 'accuracy', value: correct / labelled.length, labelled: labelled.length };
  }
  const sq = labelled.reduce((sum, r) => sum + (Number(r.outputs?.prediction) - Number(r.label)) ** 2, 0);
  return { metric: 'rmse', value: Math.sqrt(sq / labelled.length), labelled: labelled.length };
}

function qualityAlert(input: WindowInput, quality: WindowOutput['liveQuality']): string | undefined {
  const m = input.monitoring;
  if (!quality || quality.labelled < m.minLabelled) return undefined;
  if (quality.metric === 'accuracy' && m.minLiveAccuracy !== undefined && quality.value < m.minLiveAccuracy) {
    return `live accuracy ${quality.value.toFixed(3)} < ${m.minLiveAccuracy} on ${quality.labelled} labelled predictions`;
  }
  if (quality.metric === 'rmse' && m.maxLiveRmse !== undefined && quality.value > m.maxLiveRmse) {
    return `live RMSE ${quality.value.toFixed(3)} > ${m.maxLiveRmse} on ${quality.labelled} labelled predictions`;
  }
  return undefined;
}

const TEMPORAL_TO_RUN_STATUS: Record<string, string> = {
  COMPLETED: 'succeeded',
  CANCELED: 'cancelled',
  CANCELLED: 'cancelled',
};

/**
 * The drift-triggered run of this pipeline still in flight, if any. The database says which runs were started;
 * Temporal says whether they still run (a terminated run never records its own end, so its row is corrected here).
 */
async function retrainingInFlight(
  deps: ActivityDeps & { client: Client },
  pipeline: string,
): Promise<string | undefined> {
  const candidates = (await deps
    .db('pipeline_runs')
    .where({ pipeline, trigger: 'drift' })
    .whereIn('status', ['running', 'waiting_approval'])
    .orderBy('started_at', 'desc')
    .pluck('run_id')) as string[];
  for (const runId of candidates) {
    let status: string;
    try {
      status = (await deps.client.workflow.getHandle(runId).describe()).status.name;
    } catch {
      status = 'NOT_FOUND';
    }
    if (status === 'RUNNING') return runId;
    await deps
      .db('pipeline_runs')
      .where({ run_id: runId })
      .update({
        status: TEMPORAL_TO_RUN_STATUS[status] ?? 'failed',
        ended_at: deps.db.fn.now(),
        error: `workflow ${status.toLowerCase()}`,
      });
  }
  return undefined;
}

/** Monitoring activities (orchestration worker): drift windows, retraining runs, webhook notifications. */
export function createMonitorActivities(deps: ActivityDeps & { client: Client }) {
  const readJson = async <T>(key: string) => JSON.parse((await deps.store.getBytes(key)).toString('utf8')) as T;

  return {
    /** One window: logged inputs vs the training reference, predictions vs the test-set predictions, feedback. */
    async runMonitoringWindow(input: WindowInput): Promise<WindowOutput> {
      const version = await getVersionById(deps.db, input.versionId);
      const lineage = version.lineage as { referenceProfile: { key: string }; evaluation: { key: string } };
      const reference = await readJson<ReferenceProfile>(lineage.referenceProfile.key);
      const evaluation = await readJson<{ predictionProfile?: ReferenceProfile }>(lineage.evaluation.key);
      const rows = await windowRows(deps.db, input);
      const enough = rows.length >= input.monitoring.minSamples;
      const thresholds = { ...input.monitoring.drift };
      const features = computeDrift({ reference, current: rows.map((r) => r.inputs), thresholds });
      const predictions = evaluation.predictionProfile
        ? computeDrift({
            reference: evaluation.predictionProfile,
            current: rows.filter((r) => r.outputs).map((r) => ({ prediction: r.outputs?.prediction })),
            thresholds,
          })
        : undefined;
      const quality = liveQuality(rows, input.task);
      const drifted = enough && features.drifted;
      const [report] = await deps
        .db('monitoring_reports')
        .insert({
          monitor_id: input.monitorId,
          model: input.model,
          version_id: input.versionId,
          version: version.version,
          window_index: input.windowIndex,
          window_start: input.windowStart,
          window_end: input.windowEnd,
          samples: rows.length,
          drifted,
          drifted_features: drifted ? features.driftedFeatures : [],
          feature_drift: JSON.stringify(features.features),
          prediction_drift: predictions ? JSON.stringify(predictions.features[0] ?? null) : null,
          live_quality: quality ? JSON.stringify(quality) : null,
        })
        .onConflict(['monitor_id', 'window_index'])
        .merge()
        .returning('id');
      const reportId = (report as { id: number }).id;
      const output: WindowOutput = {
        reportId,
        samples: rows.length,
        drifted,
        driftedFeatures: drifted ? features.driftedFeatures : [],
        predictionDrifted: enough && Boolean(predictions?.drifted),
        liveQuality: quality,
      };
      const qualityProblem = qualityAlert(input, quality);
      const message = drifted
        ? `drift in ${features.driftedFeatures.join(', ')} over ${rows.length} predictions: ` +
          features.features
            .filter((f) => f.drifted)
            .map((f) => `${f.feature} (${f.reasons.join('; ')})`)
            .join(', ')
        : qualityProblem;
      if (message) {
        const kind = drifted ? 'drift' : 'quality';
        const [alert] = await deps
          .db('alerts')
          .insert({
            model: input.model,
            version_id: input.versionId,
            report_id: reportId,
            kind,
            message,
            action: input.monitoring.onDrift,
            details: JSON.stringify({
              driftedFeatures: output.driftedFeatures,
              liveQuality: quality,
              window: input.windowIndex,
            }),
          })
          .onConflict(['report_id', 'kind'])
          .merge(['message', 'details'])
          .returning('id');
        output.alert = { id: (alert as { id: number }).id, kind, message };
        deps.log.warn({ model: input.model, alertId: output.alert.id, kind }, message);
      }
      return output;
    },

    /**
     * Starts a drift-triggered run of the pipeline, unless one is already in flight (then links the alert to it).
     * The workflow id derives from the alert, so a retried call never starts a second run.
     */
    async startRetrainingRun({
      pipeline,
      alertId,
      params = {},
    }: {
      pipeline: string;
      alertId: number;
      /** The deploying run's declared parameter values: a retraining run trains the way production was trained. */
      params?: Record<string, unknown>;
    }): Promise<{ runId: string; started: boolean }> {
      const inFlight = await retrainingInFlight(deps, pipeline);
      if (inFlight) {
        await deps.db('alerts').where({ id: alertId }).update({ retraining_run_id: inFlight });
        return { runId: inFlight, started: false };
      }
      const runId = `${pipeline}-retrain-alert-${alertId}`;
      await deps
        .db('pipeline_runs')
        .insert({
          run_id: runId,
          pipeline,
          spec_hash: 'pending',
          trigger: 'drift',
          params: JSON.stringify(params),
        })
        .onConflict('run_id')
        .ignore();
      // By type name: activities do not import workflow code.
      await deps.client.workflow.start('mlPipeline', {
        taskQueue: deps.config.taskQueues.orchestration,
        workflowId: runId,
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [{ pipeline, params, trigger: { kind: 'drift', by: `monitor:alert-${alertId}`, alertId } }],
      });
      await deps.db('alerts').where({ id: alertId }).update({ retraining_run_id: runId });
      return { runId, started: true };
    },

    /**
     * POSTs the alert to the spec's webhook, only if an admin allowed its destination (OUTBOUND_WEBHOOK_ALLOWLIST)
     * and never following redirects (which could lead anywhere); a non-2xx answer throws, so Temporal retries.
     */
    async notifyWebhook({ url, alertId }: { url: string; alertId: number }): Promise<{ status: number }> {
      const allowlist = deps.config.governance.outbound.webhookAllowlist;
      if (!webhookAllowed(url, allowlist)) {
        await deps
          .db('alerts')
          .where({ id: alertId })
          .update({ notification: JSON.stringify({ refused: 'destination not in OUTBOUND_WEBHOOK_ALLOWLIST' }) });
        throw ApplicationFailure.create({
          type: 'WebhookNotAllowed',
          message: `Webhook destination ${new URL(url).origin} is not in OUTBOUND_WEBHOOK_ALLOWLIST: an admin must allow it before alerts are sent there.`,
          nonRetryable: true,
        });
      }
      const alert = await deps.db('alerts').where({ id: alertId }).first();
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'mlops.alert', alert }),
        redirect: 'error',
        signal: AbortSignal.timeout(10_000),
      });
      await deps
        .db('alerts')
        .where({ id: alertId })
        .update({ notification: JSON.stringify({ url, status: response.status, at: new Date().toISOString() }) });
      if (!response.ok) throw new Error(`Webhook ${url} answered ${response.status}`);
      return { status: response.status };
    },
  };
}

export type MonitorActivities = ReturnType<typeof createMonitorActivities>;
