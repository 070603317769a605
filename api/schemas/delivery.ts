import { z } from 'zod';
import { ModelName, Reason, Timestamp } from './common';

export const ShadowParams = z.object({ name: ModelName });
export const StartShadowBody = z.object({
  version: z.number().int().min(1).describe('The registered version that scores live traffic beside production'),
  reason: Reason,
});
export const StopShadowBody = z.object({ reason: Reason });
export const ShadowQuery = z.object({
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(24)
    .describe('Windows of the last N hours'),
});

const ShadowRoute = z.object({
  version: z.number().int(),
  productionVersion: z.number().int().nullable(),
  startedBy: z.string(),
  startedAt: Timestamp,
  reason: z.string().nullable(),
});
export const ShadowStateResponse = z.object({
  model: z.string(),
  shadow: ShadowRoute.nullable().describe('The version shadowing production now (null: none)'),
  windows: z
    .array(
      z.object({
        windowStart: Timestamp,
        productionVersion: z.number().int(),
        shadowVersion: z.number().int(),
        requests: z.number().int(),
        rows: z.number().int(),
        comparedRows: z.number().int(),
        agreement: z.number().nullable().describe('Share of rows where both predict the same label (or within 1 %)'),
        meanDelta: z
          .number()
          .nullable()
          .describe("Classification: shadow's probability of production's label minus production's"),
        meanAbsDelta: z.number().nullable(),
        rmsDelta: z.number().nullable(),
        maxAbsDelta: z.number(),
        productionLatencyMsMean: z.number().nullable(),
        shadowLatencyMsMean: z.number().nullable(),
        productionLatencyMsP95: z.number().nullable().describe('Upper bound of the histogram bucket'),
        shadowLatencyMsP95: z.number().nullable(),
        shadowErrors: z.number().int(),
        dropped: z.number().int().describe('Requests not shadowed because the shadow queue was full'),
      }),
    )
    .describe('One-minute windows, newest first'),
  liveQuality: z.array(
    z.object({
      shadowVersion: z.number().int(),
      labelledRows: z.number().int().describe('Logged rows with feedback (POST /v1/feedback)'),
      productionAccuracy: z.number().nullable(),
      shadowAccuracy: z.number().nullable(),
    }),
  ),
});
export const StartShadowResponse = z.object({
  model: z.string(),
  version: z.number().int(),
  productionVersion: z.number().int(),
});

export const CanaryStateResponse = z.object({
  model: z.string(),
  canary: z
    .object({
      version: z.number().int(),
      productionVersion: z.number().int().nullable(),
      share: z.number().describe('Percent of production traffic the canary answers now'),
      runId: z.string().nullable().describe('The pipeline run rolling it out'),
      startedBy: z.string(),
      startedAt: z.string(),
      plan: z.record(z.string(), z.unknown()).describe('Steps, step duration and guardrails'),
    })
    .nullable()
    .describe('The canary rolling out now (null: none)'),
  events: z
    .array(
      z.object({
        kind: z.string().describe('canary_started | canary_step | canary_rolled_back | canary_promoted'),
        version: z.number().int().nullable(),
        share: z.number().nullable(),
        actor: z.string(),
        reason: z.string().nullable().describe('Why a canary was rolled back'),
        runId: z.string().nullable(),
        at: z.string(),
        details: z.record(z.string(), z.unknown()).describe("Rollbacks: the step and both arms' figures"),
      }),
    )
    .describe('The latest 50 canary events of the model, newest first'),
});
