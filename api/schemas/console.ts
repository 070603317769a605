import { z } from 'zod';
import { Links, NullableTimestamp, PipelineName, Timestamp } from './common';
import { RunIdParams, RunStatus, RunSummary } from './runs';

// Read-only views the web console needs beyond the resource routes: the runs table with metric columns and more
// filters, the approvals inbox, training curves and the checks (validation and gate) of a run.

export const ConsoleRunsQuery = z.object({
  pipeline: PipelineName.optional(),
  status: RunStatus.optional(),
  trigger: z
    .string()
    .regex(/^[a-z][a-z_-]{0,31}$/, 'a trigger such as api, schedule, drift or manual')
    .optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('Runs started at or after this time'),
  to: z.iso.datetime({ offset: true }).optional().describe('Runs started before this time'),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(500).optional().describe('nextCursor of the previous page'),
});

export const ConsoleRun = RunSummary.extend({
  best: z.string().nullable().describe('The candidate the run chose'),
  metrics: z.record(z.string(), z.number()).describe("The chosen candidate's test metrics"),
  modelVersion: z.object({ model: z.string(), version: z.number().int() }).nullable(),
});
export type ConsoleRun = z.infer<typeof ConsoleRun>;

export const ConsoleRunsResponse = z.object({
  items: z.array(ConsoleRun),
  nextCursor: z.string().nullable(),
  facets: z.object({ pipelines: z.array(z.string()), triggers: z.array(z.string()) }),
});

export const PendingApproval = z.object({
  runId: z.string(),
  pipeline: z.string(),
  startedAt: Timestamp,
  waitingSince: NullableTimestamp.describe('When the run reached the approval step (end of its last step)'),
  deadline: NullableTimestamp,
  approvers: z.array(z.string()).describe('Who may decide (empty: anyone with the approver role)'),
  mayDecide: z.boolean().describe('Whether the caller may approve or reject this run'),
  modelVersion: z.object({ model: z.string(), version: z.number().int() }).nullable(),
  best: z.string().nullable(),
  metrics: z.record(z.string(), z.number()),
  live: z.boolean().describe('false when the workflow did not answer: approvers and deadline are then unknown'),
  links: Links,
});
export const ApprovalsResponse = z.object({ items: z.array(PendingApproval).describe('Oldest first') });

export const TrainingParams = RunIdParams;
export const TrainingResponse = z.object({
  runId: z.string(),
  candidates: z.array(
    z.object({
      candidate: z.string(),
      points: z.array(
        z.object({
          epoch: z.number().int(),
          attempt: z.number().int(),
          loss: z.number(),
          valLoss: z.number().nullable(),
          metrics: z.record(z.string(), z.number()),
          checkpointed: z.boolean(),
          at: Timestamp,
        }),
      ),
    }),
  ),
});

const ValidationCheck = z.object({
  id: z.string(),
  kind: z.string(),
  column: z.string().nullable(),
  severity: z.string(),
  passed: z.boolean(),
  failedCount: z.number(),
  expected: z.unknown(),
  observed: z.unknown(),
  samples: z.array(z.object({ line: z.number(), value: z.unknown() })),
  message: z.string(),
});

export const RunChecksResponse = z.object({
  runId: z.string(),
  gate: z
    .object({
      passed: z.boolean(),
      summary: z.string(),
      checks: z.array(z.object({ check: z.string(), passed: z.boolean(), detail: z.string() })),
    })
    .nullable()
    .describe('The evaluation gate (null until the run reached it)'),
  validation: z
    .object({
      passed: z.boolean(),
      summary: z.string(),
      rowsRead: z.number(),
      rowsAccepted: z.number(),
      rowsQuarantined: z.number(),
      passedChecks: z.number().int(),
      failedChecks: z.array(ValidationCheck).describe('Every failed check, errors and warnings'),
      quarantineSample: z
        .array(
          z.object({
            line: z.number(),
            row: z.record(z.string(), z.unknown()),
            reasons: z.array(z.object({ check: z.string(), message: z.string() })),
          }),
        )
        .describe('The first quarantined rows'),
    })
    .nullable()
    .describe('The validation report (null until the run validated its data)'),
});

export const ApprovalsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
