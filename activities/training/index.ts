import type {
  BaselineInput,
  BaselineOutput,
  EvaluateInput,
  EvaluateOutput,
  SmokeTestInput,
  SmokeTestOutput,
  TrainInput,
  TrainOutput,
} from '../pipeline-io';
import { runStep } from '../step-context';
import { evaluateCandidate, evaluateProductionModel } from './evaluate';
import { smokeTestDeployment } from './smoke';
import { trainCandidate, type TrainingDeps } from './train';

export type { TrainingDeps } from './train';

/** TensorFlow.js activities (training worker): train, evaluate, score production, smoke-test a deployment. */
export function createTrainingActivities(deps: TrainingDeps) {
  return {
    async trainCandidate(input: TrainInput): Promise<TrainOutput> {
      return runStep(
        deps,
        `train:${input.candidate}`,
        (ctx) => trainCandidate(deps, ctx, input),
        (r) => ({ details: { epochs: r.epochsRun, resumedFromEpoch: r.resumedFromEpoch, backend: r.backend } }),
      );
    },
    async evaluateCandidate(input: EvaluateInput): Promise<EvaluateOutput> {
      return runStep(
        deps,
        `evaluate:${input.candidate}`,
        (ctx) => evaluateCandidate(deps, ctx, input),
        (r) => ({
          details: { metrics: r.metrics, testRows: r.testRows },
        }),
      );
    },
    async evaluateProductionModel(input: BaselineInput): Promise<BaselineOutput> {
      return runStep(
        deps,
        'evaluate:production',
        (ctx) => evaluateProductionModel(deps, ctx, input),
        (r) => ({
          details: { version: r.version ?? null, metrics: r.metrics ?? null, note: r.note },
        }),
      );
    },
    async smokeTestDeployment(input: SmokeTestInput): Promise<SmokeTestOutput> {
      return runStep(
        deps,
        `smoke-test:${input.slot}`,
        (ctx) => smokeTestDeployment(deps, ctx, input),
        (r) => ({
          details: { ...r },
        }),
      );
    },
  };
}

export type TrainingActivities = ReturnType<typeof createTrainingActivities>;
