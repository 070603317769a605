import { CancellationScope, isCancellation, patched, workflowInfo } from '@temporalio/workflow';
import { lightAs } from './activities';
import { devPhase, scoreProduction } from './dev-phase';
import type { RunOutcome } from './messages';
import { archiveRejected, gateOf, releaseToProduction, stageForApproval } from './release-phases';
import { initialState, installHandlers, stepRecorder, type PipelineInput, type RunContext } from './run-context';

export type { PipelineInput } from './run-context';

export interface PipelineResult {
  outcome: RunOutcome;
  runId: string;
  model?: string;
  version?: number;
  best?: string;
  metrics?: Record<string, number>;
  message: string;
}

/** An activity failure wraps the real error: the deepest cause carries the message users need (e.g. the
 * validation summary). */
function rootCauseMessage(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

/** The principal a run's four-eyes rule keys on: an API caller, or the creator of the run's schedule. */
function starterOf(input: PipelineInput): string | undefined {
  const trigger = input.trigger;
  if (!trigger) return undefined;
  if (trigger.kind === 'api' || trigger.kind === 'rerun') return trigger.by;
  return trigger.requestedBy;
}

/**
 * One run of an ML pipeline: phase 0 (dev) ingest → validate → features → ABT → train → evaluate → report;
 * phase 1 (staging) gate → register → deploy to staging → smoke test → human approval;
 * phase 2 (production) promote → deploy to production → start monitoring.
 */
export async function mlPipeline(input: PipelineInput): Promise<PipelineResult> {
  const runId = workflowInfo().workflowId;
  const state = initialState(input.pipeline, runId);
  const { awaitDecision, guard } = installHandlers(state);
  // Runs recorded before readable runs replay their own commands (no search attribute upserts, remote bookkeeping).
  const readable = patched('readable-runs');
  const { enter, record, publish, summary, notify, settleNotifications } = stepRecorder(state, runId, readable);

  const finish = async (
    outcome: RunOutcome,
    message: string,
    extra: Partial<PipelineResult>,
  ): Promise<PipelineResult> => {
    enter('done');
    state.status = outcome;
    publish();
    await record({ status: outcome, ended: true, summary: { outcome, message } });
    await settleNotifications();
    return { outcome, runId, model: state.modelVersion?.model, message, ...extra };
  };

  let specLoaded = false;
  try {
    const version = input.specHash ? `spec ${input.specHash.slice(0, 12)}` : 'its current spec';
    const loaded = await lightAs(summary(() => `load ${input.pipeline}, ${version}`)).loadPipelineSpec({
      pipeline: input.pipeline,
      params: input.params ?? {},
      specHash: input.specHash,
    });
    specLoaded = true;
    const { spec, specHash } = loaded;
    const ctx: RunContext = {
      runId,
      input,
      loaded,
      state,
      enter,
      record,
      awaitDecision,
      guard,
      readable,
      summary,
      publish,
      notify,
      settleNotifications,
    };
    const startedBy = starterOf(input);
    // Specs recorded before the four-eyes rule have no fourEyes field: the rule applies to them too.
    const fourEyes = spec.approval.fourEyes !== false;
    guard.policy = { approvers: spec.approval.approvers, fourEyes, startedBy };
    state.approval.approvers = spec.approval.approvers;
    state.approval.fourEyes = fourEyes;
    if (startedBy) state.approval.startedBy = startedBy;
    await record({
      pipeline: spec.name,
      specHash,
      specVersion: loaded.specVersion,
      startedBy,
      trigger: input.trigger?.kind ?? 'manual',
      params: loaded.parameters ?? input.params ?? {},
      status: 'running',
      phase: 'dev',
    });

    const dev = await devPhase(ctx);
    const chosen = { best: dev.best.candidate, metrics: dev.best.metrics };

    state.phase = 'staging';
    await record({ phase: 'staging', summary: { best: dev.best.candidate, metrics: state.metrics } });
    enter('gate');
    const baseline = await scoreProduction(ctx, dev);
    const gate = gateOf(ctx, dev, baseline);
    await record({ summary: { gate } });
    if (!gate.passed) return await finish('gate_failed', gate.summary, chosen);

    const { registered, decision } = await stageForApproval(ctx, dev);
    const model = spec.model ?? spec.name;
    if (decision.decision === 'rejected') {
      await archiveRejected(ctx, registered, decision);
      const message = `Version ${registered.version} of ${model} was rejected by ${decision.by}: ${decision.reason}`;
      return await finish('rejected', message, { ...chosen, version: registered.version });
    }
    const released = await releaseToProduction(ctx, registered, decision, baseline);
    // A canary that breached a guardrail was rolled back (activities removed its route and archived the version).
    if (released.rolledBack)
      return await finish('rolled_back', released.rolledBack, { ...chosen, version: registered.version });
    const message = `Version ${registered.version} of ${model} is in production (approved by ${decision.by})`;
    return await finish('succeeded', message, { ...chosen, version: registered.version });
  } catch (err) {
    const outcome: RunOutcome = isCancellation(err) ? 'cancelled' : 'failed';
    state.status = outcome;
    state.error = rootCauseMessage(err);
    publish();
    // Record the failure even when the run is being cancelled, and create the run's row if the spec never loaded.
    const identity = specLoaded
      ? {}
      : {
          pipeline: input.pipeline,
          specHash: 'unavailable',
          trigger: input.trigger?.kind ?? 'manual',
          params: input.params ?? {},
        };
    await CancellationScope.nonCancellable(async () => {
      await record({ ...identity, status: outcome, error: state.error, ended: true });
      if (outcome === 'failed') notify({ event: 'run_failed', details: { error: state.error, step: state.step } });
      await settleNotifications();
    });
    throw err;
  }
}
