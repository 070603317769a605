import { ApplicationFailure } from '@temporalio/activity';
import {
  CanaryError,
  completeCanary,
  evaluateCanary,
  rollbackCanary,
  setCanaryShare,
  startCanary,
  type GuardrailVerdict,
  type StartCanaryResult,
} from '../lib/delivery/canary';
import type { CanaryGuardrails } from '../lib/delivery/strategy';
import type { ActivityDeps } from './deps';
import type { DecisionRecord } from './pipeline-io';
import { assertApproved } from './registry';

// Canary rollouts (lib/delivery/canary.ts) as activities of the pipeline workflow (workflows/delivery/canary.ts).

export interface StartCanaryActivityInput {
  runId: string;
  modelName: string;
  versionId: number;
  share: number;
  /** The signed human approval: a canary answers production traffic, so it needs one like a promotion does. */
  decision: DecisionRecord;
  plan: Record<string, unknown>;
}

export interface CheckCanaryInput {
  modelName: string;
  versionId: number;
  productionVersionId: number;
  task: string;
  since: string;
  guardrails: CanaryGuardrails;
}

function typed(err: unknown): never {
  if (err instanceof CanaryError) {
    throw ApplicationFailure.create({ type: `Canary${err.code}`, message: err.message, nonRetryable: true });
  }
  throw err;
}

export function createDeliveryActivities(deps: Pick<ActivityDeps, 'db' | 'config'>) {
  const { db } = deps;
  return {
    async startCanary(input: StartCanaryActivityInput): Promise<StartCanaryResult> {
      assertApproved(deps, { runId: input.runId, actor: input.decision.by, decision: input.decision });
      return startCanary(db, {
        runId: input.runId,
        versionId: input.versionId,
        share: input.share,
        actor: input.decision.by,
        reason: input.decision.reason,
        plan: input.plan,
      }).catch(typed);
    },
    async setCanaryShare(input: {
      runId: string;
      modelName: string;
      step: number;
      share: number;
    }): Promise<{ since: string }> {
      return setCanaryShare(db, { ...input, model: input.modelName, actor: `pipeline:${input.runId}` }).catch(typed);
    },
    async checkCanaryGuardrails(input: CheckCanaryInput): Promise<GuardrailVerdict> {
      return evaluateCanary(db, {
        model: input.modelName,
        candidateVersionId: input.versionId,
        productionVersionId: input.productionVersionId,
        task: input.task,
        since: input.since,
        guardrails: input.guardrails,
      });
    },
    async rollbackCanary(input: {
      runId: string;
      modelName: string;
      versionId: number;
      reason: string;
      details: Record<string, unknown>;
    }): Promise<void> {
      await rollbackCanary(db, { ...input, model: input.modelName });
    },
    async completeCanary(input: { runId: string; modelName: string; versionId: number; actor: string }) {
      await completeCanary(db, { ...input, model: input.modelName });
    },
  };
}

export type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;
