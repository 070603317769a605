import { z } from 'zod';
import { Identifier, Links, NullableTimestamp, PipelineName, Reason, Timestamp } from './common';
import { RunParams } from './pipelines';
import { GateView } from './run-failures';

export const RunStatus = z.enum([
  'running',
  'waiting_approval',
  'succeeded',
  'failed',
  'rejected',
  'gate_failed',
  'rolled_back',
  'cancelled',
  'timed_out',
]);
export type RunStatus = z.infer<typeof RunStatus>;

export const RunIdParams = z.object({ runId: Identifier.describe('Run id (the Temporal workflow id)') });

export const StartRunParams = z.object({ name: PipelineName });
export const StartRunHeaders = z.object({
  'idempotency-key': Identifier.optional().describe('Repeating a start with the same key returns the same run'),
});
export const StartRunBody = z.strictObject({ params: RunParams }).default({ params: {} });

export const StartRunResponse = z.object({
  runId: z.string(),
  pipeline: z.string(),
  status: RunStatus,
  deduplicated: z.boolean().describe('true when an earlier request with the same Idempotency-Key started this run'),
  links: Links,
});

export const RunSummary = z.object({
  runId: z.string(),
  pipeline: z.string(),
  status: RunStatus,
  phase: z.string(),
  trigger: z.string(),
  startedAt: Timestamp,
  endedAt: NullableTimestamp,
  error: z.string().nullable(),
  links: Links,
});
export type RunSummary = z.infer<typeof RunSummary>;

const StepView = z.object({
  step: z.string(),
  attempt: z.number().int(),
  status: z.string(),
  startedAt: Timestamp,
  endedAt: NullableTimestamp,
  error: z.string().nullable(),
});

const ArtifactView = z.object({
  name: z.string(),
  kind: z.string(),
  step: z.string(),
  uri: z.string(),
  sha256: z.string().nullable(),
  sizeBytes: z.number().nullable(),
});

const ApprovalView = z.object({
  required: z.boolean(),
  approvers: z.array(z.string()),
  deadline: z.string().nullable(),
  decision: z
    .object({
      decision: z.enum(['approved', 'rejected']),
      by: z.string(),
      reason: z.string(),
      at: z.string(),
      source: z.string(),
      strategy: z.enum(['direct', 'canary']).optional().describe('The delivery strategy the approver chose'),
    })
    .nullable(),
});

export const RunDetail = RunSummary.extend({
  params: z.record(z.string(), z.unknown()),
  step: z
    .string()
    .nullable()
    .describe('The step running now (live state); for a failed, cancelled or gate-failed run, the step it stopped at'),
  stepsDone: z.array(z.string()),
  steps: z.array(StepView),
  progress: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.record(z.string(), z.number())).describe('Test metrics per candidate'),
  best: z.string().nullable(),
  modelVersion: z.object({ model: z.string(), version: z.number().int(), versionId: z.number().int() }).nullable(),
  approval: ApprovalView.nullable(),
  artifacts: z.array(ArtifactView),
  temporal: z.object({ workflowId: z.string(), runId: z.string(), status: z.string(), uiUrl: z.string() }).nullable(),
  live: z.boolean().describe('true when step, progress and approval come from the running workflow itself'),
  gate: GateView.nullable().describe('The evaluation gate result, once the run evaluated it'),
  reason: z
    .string()
    .nullable()
    .describe(
      'Why a finished run ended as it did, never truncated: the failed gate checks, the rejection, every failed validation check, the error',
    ),
});
export type RunDetail = z.infer<typeof RunDetail>;

export const DecisionBody = z.object({ reason: Reason });
export const ApproveBody = DecisionBody.extend({
  strategy: z
    .enum(['direct', 'canary'])
    .optional()
    .describe(
      "How the version reaches production, overriding the spec's deployment.strategy for this run: direct, or canary (the spec's canary plan, or the default one: 10 % then 50 %, 10 minutes a step). Signed with the decision.",
    ),
});
export const DecisionResponse = z.object({
  runId: z.string(),
  decision: z.enum(['approved', 'rejected']),
  model: z.string(),
  version: z.number().int(),
  by: z.string(),
  reason: z.string(),
  strategy: z.enum(['direct', 'canary']).optional().describe('The delivery strategy the approver chose, if any'),
});

export const CancelBody = z.object({ reason: z.string().trim().max(2000).optional() }).default({});
export const CancelResponse = z.object({ runId: z.string(), status: z.literal('cancelling') });
