import { loadPipelineSpec } from '../../lib/pipeline/store';
import type { ModelVersionRow } from '../../lib/registry';
import type { ApiDeps } from '../deps';

/**
 * After a rollback the production version changed outside a pipeline run: the monitor of the version that left
 * production stops, and the restored version is monitored again (its monitor is named after the run that produced it,
 * and watches with that run's spec overrides). A failure here is logged, never fails the rollback itself.
 */
export async function handOverMonitoring(deps: ApiDeps, input: { from?: ModelVersionRow; to: ModelVersionRow }) {
  const { from, to } = input;
  try {
    if (from) {
      await deps.temporal.workflow
        .getHandle(`monitor-${from.run_id}`)
        .signal('stopMonitoring', { reason: `rolled back to v${to.version}` })
        .catch(() => undefined);
    }
    const pipeline = (to.lineage as { pipeline?: string }).pipeline;
    if (!pipeline) return;
    const run = (await deps
      .db('pipeline_runs')
      .where({ run_id: to.run_id })
      .first('params', 'spec_hash', 'spec_version')) as
      { params: Record<string, unknown>; spec_hash: string; spec_version: number | null } | undefined;
    const params = run?.params ?? {};
    // The version is watched with the spec version and parameters it was approved under.
    const specHash = run?.spec_version ? run.spec_hash : undefined;
    const loaded = await loadPipelineSpec(deps.db, { pipeline, params, specHash });
    if (!loaded.spec.monitoring.enabled) return;
    await deps.temporal.workflow.start('modelMonitor', {
      taskQueue: deps.settings.taskQueue,
      workflowId: `monitor-${to.run_id}`,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [{ pipeline, params, specHash, model: to.model_name, version: to.version, versionId: Number(to.id) }],
    });
  } catch (err) {
    deps.log.warn(
      { err, model: to.model_name, version: to.version },
      'could not hand monitoring over after the rollback',
    );
  }
}
