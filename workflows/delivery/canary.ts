import { log, proxyActivities, sleep, type ActivityOptions } from '@temporalio/workflow';
import type { DeliveryActivities } from '../../activities/delivery';
import type { RegisterOutput } from '../../activities/pipeline-io';
import type { GuardrailVerdict } from '../../lib/delivery/canary';
import { DEFAULT_CANARY } from '../../lib/delivery/canary-defaults';
import type { CanaryStrategy, DeploymentStrategy } from '../../lib/delivery/strategy';
import { NON_RETRYABLE } from '../pipeline/activities';
import type { ApprovalDecision } from '../pipeline/messages';
import { durationMs } from '../pipeline/policy';
import type { RunContext } from '../pipeline/run-context';

// A canary rollout inside a pipeline run (called by releaseToProduction when the spec's deployment strategy is a
// canary): the approved version answers a share of production traffic per step, each step a durable timer followed
// by a guardrail check against production; a breach rolls back at once. The version is promoted only after the
// last step passed (by the caller).

const options: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 20,
    nonRetryableErrorTypes: [...NON_RETRYABLE, 'CanaryROUTE_BUSY', 'CanaryVERSION_NOT_FOUND'],
  },
};

function delivery(summary: string | undefined) {
  return proxyActivities<DeliveryActivities>(summary ? { ...options, summary } : options);
}

export type CanaryOutcome =
  | { outcome: 'promote'; productionVersionId: number; steps: number }
  /** No production version to compare with (the first version of a model): promote directly. */
  | { outcome: 'direct'; reason: string }
  | { outcome: 'rolled_back'; reason: string; step: number; share: number; verdict?: GuardrailVerdict };

/**
 * The strategy of this run: the approver's signed choice when there is one (a canary then uses the spec's plan, or
 * the default plan when the spec declares none), else the spec's (absent on specs stored before strategies: direct).
 */
export function deliveryStrategy(
  fromSpec: DeploymentStrategy | undefined,
  decision: ApprovalDecision,
): DeploymentStrategy | undefined {
  if (decision.strategy === 'direct') return { kind: 'direct' };
  if (decision.strategy === 'canary') {
    return fromSpec?.kind === 'canary'
      ? fromSpec
      : { ...DEFAULT_CANARY, steps: [...DEFAULT_CANARY.steps], guardrails: { ...DEFAULT_CANARY.guardrails } };
  }
  return fromSpec;
}

/** Runs the canary steps; returns what the caller does next. Never promotes by itself. */
export async function canaryRollout(
  ctx: RunContext,
  registered: RegisterOutput,
  decision: ApprovalDecision,
  strategy: CanaryStrategy,
): Promise<CanaryOutcome> {
  const { runId, state } = ctx;
  const { spec } = ctx.loaded;
  const modelName = spec.model ?? spec.name;
  const { versionId, version } = registered;
  const stepMs = durationMs(strategy.stepDuration);
  const plan = `${strategy.steps.map((s) => `${s} %`).join(' → ')} → 100 %, ${strategy.stepDuration} a step`;

  ctx.enter('canary');
  const started = await delivery(ctx.summary(() => `canary ${modelName} v${version}: ${plan}`)).startCanary({
    runId,
    modelName,
    versionId,
    share: strategy.steps[0] as number,
    decision,
    plan: { steps: strategy.steps, stepDuration: strategy.stepDuration, guardrails: strategy.guardrails },
  });
  if (!started.started) {
    log.info('canary skipped', { reason: started.reason });
    return { outcome: 'direct', reason: started.reason };
  }
  state.artifacts.canary = plan;

  const rollback = async (step: number, share: number, reason: string, verdict?: GuardrailVerdict) => {
    ctx.enter('canary rollback');
    await delivery(ctx.summary(() => `roll back canary ${modelName} v${version}: ${reason}`)).rollbackCanary({
      runId,
      modelName,
      versionId,
      reason,
      details: { step, share, ...(verdict ? { canary: verdict.canary, production: verdict.production } : {}) },
    });
    const result = { outcome: 'rolled_back', reason, step, share, verdict } as const;
    state.artifacts.canary = `rolled back at ${share} %: ${reason}`;
    await ctx.record({ summary: { canary: { outcome: 'rolled_back', reason, step, share } } });
    ctx.notify({
      event: 'canary_rolled_back',
      model: modelName,
      version,
      details: { reason, step: `${step + 1} of ${strategy.steps.length} (${share} %)`, approvedBy: decision.by },
    });
    return result;
  };

  for (let i = 0; i < strategy.steps.length; i++) {
    const share = strategy.steps[i] as number;
    let since = started.since;
    if (i > 0) {
      ({ since } = await delivery(ctx.summary(() => `canary ${modelName} v${version} to ${share} %`)).setCanaryShare({
        runId,
        modelName,
        step: i,
        share,
      }));
    }
    ctx.enter(`canary ${share} %`);
    for (let waits = 0; ; waits++) {
      await sleep(stepMs, { summary: `canary step ${i + 1}: ${share} % for ${strategy.stepDuration}` });
      const verdict = await delivery(ctx.summary(() => `check canary guardrails at ${share} %`)).checkCanaryGuardrails({
        modelName,
        versionId,
        productionVersionId: started.productionVersionId,
        task: spec.task,
        since,
        guardrails: strategy.guardrails,
      });
      if (verdict.verdict === 'breach') return rollback(i, share, verdict.reasons.join('; '), verdict);
      if (verdict.verdict === 'pass') break;
      // Too little traffic to judge the step.
      const lowTraffic = verdict.reasons.join('; ');
      if (strategy.onLowTraffic === 'proceed') break;
      if (strategy.onLowTraffic === 'rollback' || waits >= strategy.maxWaits) {
        return rollback(i, share, `${lowTraffic}${waits > 0 ? ` after ${waits + 1} step durations` : ''}`, verdict);
      }
      log.info('canary step waits for traffic', { share, lowTraffic });
    }
  }
  return { outcome: 'promote', productionVersionId: started.productionVersionId, steps: strategy.steps.length };
}

/** Removes the canary route once the version is production. */
export async function completeCanary(ctx: RunContext, registered: RegisterOutput, actor: string): Promise<void> {
  const modelName = ctx.loaded.spec.model ?? ctx.loaded.spec.name;
  await delivery(ctx.summary(() => `end canary of ${modelName} v${registered.version}: promoted`)).completeCanary({
    runId: ctx.runId,
    modelName,
    versionId: registered.versionId,
    actor,
  });
  ctx.state.artifacts.canary = 'promoted: every step passed its guardrails';
}

/** Why a rolled-back canary ended its run (the run's outcome is `rolled_back`; production is unchanged). */
export function canaryRolledBack(
  modelName: string,
  version: number,
  outcome: Extract<CanaryOutcome, { outcome: 'rolled_back' }>,
): string {
  return `The canary of ${modelName} v${version} was rolled back at ${outcome.share} % (step ${outcome.step + 1}): ${outcome.reason}. Production is unchanged.`;
}
