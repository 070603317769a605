import { ApplicationFailure, ParentClosePolicy, patched, startChild } from '@temporalio/workflow';
import type { BaselineOutput, RegisterOutput } from '../../activities/pipeline-io';
import type { DeploymentStrategy } from '../../lib/delivery/strategy';
import { canaryRolledBack, canaryRollout, completeCanary, deliveryStrategy } from '../delivery/canary';
import { modelMonitor, monitorWorkflowId, stopMonitor } from '../monitor/workflow';
import { approvalKeys, lightAs, trainingActivities } from './activities';
import type { DevOutcome } from './dev-phase';
import type { ApprovalDecision } from './messages';
import { durationMs, evaluateGate, type GateResult } from './policy';
import type { RunContext } from './run-context';

export function gateOf(ctx: RunContext, dev: DevOutcome, baseline: BaselineOutput): GateResult {
  const { evaluation } = ctx.loaded.spec;
  return evaluateGate({
    metrics: dev.best.metrics,
    thresholds: evaluation.thresholds,
    primaryMetric: evaluation.primaryMetric,
    direction: dev.direction,
    minImprovement: evaluation.minImprovement,
    production:
      baseline.metrics && baseline.version !== undefined
        ? { version: baseline.version, metrics: baseline.metrics }
        : undefined,
  });
}

/** Phase 1 after the gate: register with lineage → deploy to staging → smoke test → wait for a human decision. */
export async function stageForApproval(
  ctx: RunContext,
  dev: DevOutcome,
): Promise<{ registered: RegisterOutput; decision: ApprovalDecision }> {
  const { runId, state, enter, record, input, summary } = ctx;
  const { spec, specHash, codeVersion, trainingTaskQueue } = ctx.loaded;
  const modelName = spec.model ?? spec.name;

  enter('register');
  const registered = await lightAs(
    summary(() => `register ${modelName} (best: ${dev.best.candidate})`),
  ).registerModelVersion({
    runId,
    trigger: input.trigger ?? { kind: 'manual' },
    spec,
    specHash,
    codeVersion,
    raw: dev.raw,
    features: dev.features,
    abt: dev.abt,
    trained: dev.bestTrained,
    evaluation: dev.bestEvaluation,
  });
  state.modelVersion = { model: modelName, version: registered.version, versionId: registered.versionId };

  enter('deploy staging');
  const versionId = registered.versionId;
  const staged = `${modelName} v${registered.version}`;
  await lightAs(summary(() => `deploy ${staged} to the staging slot`)).deployModelVersion({
    runId,
    modelName,
    versionId,
    slot: 'staging',
    actor: `pipeline:${runId}`,
  });

  enter('smoke test');
  const smokeSummary = summary(() => `smoke test ${staged} in staging (${spec.deployment.smokeTestRows} rows)`);
  const smoke = await trainingActivities(
    spec,
    trainingTaskQueue,
    'smoke-test:staging',
    smokeSummary,
  ).smokeTestDeployment({
    runId,
    modelName,
    versionId,
    slot: 'staging',
    evaluation: dev.bestEvaluation.evaluation,
    servingSample: dev.features.servingSample,
    rows: spec.deployment.smokeTestRows,
  });
  if (!smoke.passed) {
    throw ApplicationFailure.create({ type: 'SmokeTestFailed', message: smoke.message, nonRetryable: true });
  }

  enter('approval');
  // Runs that reach this step on this code accept only decisions signed by the API (the keys come from a local
  // activity, so no client can substitute them); runs recorded earlier replay as they ran.
  if (patched('signed-approval-decisions')) {
    ctx.guard.keys = await approvalKeys.approvalVerificationKeys();
    ctx.guard.requireSignature = true;
  }
  const timeoutMs = durationMs(spec.approval.timeout);
  state.status = 'waiting_approval';
  state.approval.deadline = new Date(Date.now() + timeoutMs).toISOString();
  await record({ status: 'waiting_approval' });
  ctx.publish();
  const approvers = spec.approval.approvers.length ? spec.approval.approvers.join(', ') : 'any approver';
  ctx.notify({
    event: 'approval_pending',
    model: modelName,
    version: registered.version,
    details: { deadline: state.approval.deadline, approvers: spec.approval.approvers },
  });
  const human = await ctx.awaitDecision(
    timeoutMs,
    summary(() => `approval: waiting for ${approvers} (${spec.approval.timeout})`),
  );
  // Nothing reaches production without a named human: a timeout always rejects (older runs replay their spec's
  // onTimeout, which could be "approve" before this rule).
  const legacyOnTimeout = (spec.approval as { onTimeout?: string }).onTimeout;
  const timeoutApproves = !patched('approval-timeout-always-rejects') && legacyOnTimeout === 'approve';
  const decision: ApprovalDecision = human ?? {
    decision: timeoutApproves ? 'approved' : 'rejected',
    by: 'system:approval-timeout',
    reason: `No decision within ${spec.approval.timeout}: the version is rejected`,
    at: new Date().toISOString(),
    source: 'timeout',
  };
  state.approval.decision = decision;
  state.status = 'running';
  await record({ status: 'running', summary: { approval: decision } });
  ctx.publish();
  ctx.notify({
    event: 'approval_decided',
    model: modelName,
    version: registered.version,
    details: { decision: decision.decision, by: decision.by, reason: decision.reason },
  });
  return { registered, decision };
}

export async function archiveRejected(ctx: RunContext, registered: RegisterOutput, decision: ApprovalDecision) {
  ctx.enter('archive');
  const text = () =>
    `archive ${ctx.state.modelVersion?.model ?? ''} v${registered.version} (rejected by ${decision.by})`;
  await lightAs(ctx.summary(text)).archiveModelVersion({
    runId: ctx.runId,
    versionId: registered.versionId,
    actor: decision.by,
    reason: decision.reason,
    decidedAt: decision.at,
  });
}

/** Phase 2: promote → deploy to production → hand monitoring over from the previous version's monitor to a new one. */
export async function releaseToProduction(
  ctx: RunContext,
  registered: RegisterOutput,
  decision: ApprovalDecision,
  baseline: BaselineOutput,
): Promise<{ rolledBack?: string }> {
  const { runId, state, enter, record, input } = ctx;
  const { spec } = ctx.loaded;
  const modelName = spec.model ?? spec.name;
  const versionId = registered.versionId;
  state.phase = 'production';
  await record({ phase: 'production' });
  // A canary strategy (spec deployment.strategy, or the approver's signed choice) runs its steps before anything is
  // promoted; runs with the direct strategy, and runs recorded before canaries, take no marker and replay as they ran.
  const strategy = deliveryStrategy((spec.deployment as { strategy?: DeploymentStrategy }).strategy, decision);
  const canary =
    strategy?.kind === 'canary' && patched('canary-delivery')
      ? await canaryRollout(ctx, registered, decision, strategy)
      : undefined;
  if (canary?.outcome === 'rolled_back') return { rolledBack: canaryRolledBack(modelName, registered.version, canary) };
  enter('promote');
  const approved = `${modelName} v${registered.version} (approved by ${decision.by})`;
  await lightAs(ctx.summary(() => `promote ${approved}`)).promoteModelVersion({
    runId,
    versionId,
    actor: decision.by,
    reason: decision.reason,
    decidedAt: decision.at,
    decision,
  });
  enter('deploy production');
  await lightAs(ctx.summary(() => `deploy ${approved} to the production slot`)).deployModelVersion({
    runId,
    modelName,
    versionId,
    slot: 'production',
    actor: decision.by,
    decision,
  });
  if (canary?.outcome === 'promote') await completeCanary(ctx, registered, decision.by);

  if (!spec.monitoring.enabled) return {};
  enter('start monitoring');
  if (baseline.runId) {
    await stopMonitor(monitorWorkflowId(baseline.runId), `superseded by v${registered.version} (run ${runId})`);
  }
  const monitor = await startChild(modelMonitor, {
    workflowId: monitorWorkflowId(runId),
    parentClosePolicy: ParentClosePolicy.ABANDON,
    args: [
      {
        pipeline: spec.name,
        params: ctx.loaded.parameters ?? input.params,
        // Only a stored spec version can be pinned (runs loaded before specs were versioned carry another hash).
        specHash: ctx.loaded.specVersion !== undefined ? ctx.loaded.specHash : undefined,
        model: modelName,
        version: registered.version,
        versionId,
      },
    ],
  });
  state.artifacts.monitor = monitor.workflowId;
  return {};
}
