import { z } from 'zod';
import { DURATION_PATTERN, parseDurationMs } from '../pipeline/duration';
import { DEFAULT_CANARY, DEFAULT_GUARDRAILS as G } from './canary-defaults';

// How an approved version reaches production (spec `deployment.strategy`): directly (the default), or through a
// canary that answers a growing share of production traffic, step by step, while guardrails compare it with
// production. Pure zod (no Node builtins): the workflow reads the parsed values.

const StepDuration = z
  .union([z.string().regex(DURATION_PATTERN, "a duration such as '30s', '15m', '24h' or '7d'"), z.number().int()])
  .refine(
    (v) => parseDurationMs(v) >= 10_000,
    'must be at least 10s (a step needs traffic to judge: minutes in practice)',
  );

export const CanaryGuardrailsSpec = z.strictObject({
  /** The canary's error rate (requests that failed on the model's side, over requests) may not exceed this. */
  maxErrorRate: z.number().min(0).max(1).default(G.maxErrorRate),
  /** The canary's p95 latency may not exceed production's p95 times this ratio ... */
  maxLatencyRatio: z.number().min(1).default(G.maxLatencyRatio),
  /** ... by more than this many milliseconds (both must be exceeded: bucketed p95s of fast models are coarse). */
  maxLatencyIncreaseMs: z.number().min(0).default(G.maxLatencyIncreaseMs),
  /** Live quality (classification): accuracy on labelled canary predictions may fall at most this below production's. */
  maxAccuracyDrop: z.number().min(0).max(1).default(G.maxAccuracyDrop),
  /** Live quality (regression): RMSE on labelled canary predictions may exceed production's by at most this fraction. */
  maxRmseIncrease: z.number().min(0).default(G.maxRmseIncrease),
  /** Prediction drift: PSI of the canary's logged predictions against production's in the same step. */
  maxPredictionPsi: z.number().positive().default(G.maxPredictionPsi),
  /** Fewer canary requests than this in a step is too little traffic to judge (see `onLowTraffic`). */
  minRequests: z.number().int().min(1).default(G.minRequests),
  /** Fewer labelled predictions per arm than this in a step: no live-quality verdict (the other checks still run). */
  minLabelled: z.number().int().min(1).default(G.minLabelled),
  /** Fewer logged predictions per arm than this in a step: no prediction-drift verdict. */
  minLoggedRows: z.number().int().min(1).default(G.minLoggedRows),
});
export type CanaryGuardrails = z.infer<typeof CanaryGuardrailsSpec>;

export const CanaryStrategySpec = z.strictObject({
  kind: z.literal('canary'),
  /** Percent of production traffic the canary answers, per step, increasing; after the last step it takes 100 %. */
  steps: z
    .array(z.number().gt(0).lt(100))
    .min(1)
    .max(10)
    .default([...DEFAULT_CANARY.steps])
    .refine((s) => s.every((v, i) => i === 0 || v > (s[i - 1] as number)), 'steps must increase'),
  /** How long each step runs before its guardrails are checked (a durable timer: survives restarts); at least 10s, minutes in practice so a step sees enough traffic. */
  stepDuration: StepDuration.default(DEFAULT_CANARY.stepDuration),
  guardrails: CanaryGuardrailsSpec.prefault({}),
  /**
   * A step with fewer than `guardrails.minRequests` canary requests: 'wait' runs it once more (up to `maxWaits`
   * times, then rolls back), 'rollback' rolls back at once, 'proceed' moves on (only the checks with enough
   * evidence were applied).
   */
  onLowTraffic: z.enum(['wait', 'rollback', 'proceed']).default(DEFAULT_CANARY.onLowTraffic),
  /** How many extra step durations a step may wait for traffic ('wait'). */
  maxWaits: z.number().int().min(0).max(20).default(DEFAULT_CANARY.maxWaits),
});
export type CanaryStrategy = z.infer<typeof CanaryStrategySpec>;

export const DeploymentStrategySpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('direct') }),
  CanaryStrategySpec,
]);
export type DeploymentStrategy = z.infer<typeof DeploymentStrategySpec>;
