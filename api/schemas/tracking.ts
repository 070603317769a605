import { z } from 'zod';
import { Identifier, Links, NullableTimestamp, Timestamp } from './common';
import { RunParams } from './pipelines';
import { NODE_KINDS } from '../../lib/tracking/lineage';
import { RunStatus, RunSummary } from './runs';

// Experiment tracking: the tracked record of a run, several runs side by side, and re-runs.

const MetricName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'a metric name such as f1_macro or rmse')
  .describe('A flat metric name (README, "Metrics")');

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex (64 characters)');

const Metrics = z.record(z.string(), z.number());

export const ColumnImportanceView = z.object({
  column: z.string(),
  importance: z.number().describe('Mean drop of the metric when the column is shuffled'),
  std: z.number(),
  features: z.number().int().describe('Model inputs computed from the column (a one-hot group counts once)'),
});

export const PermutationImportanceView = z.object({
  method: z.literal('permutation'),
  metric: z.string(),
  direction: z.enum(['max', 'min']),
  baseline: z.number(),
  repeats: z.number().int(),
  rows: z.number().int(),
  seed: z.number().int(),
  columns: z.array(ColumnImportanceView).describe('Most important first'),
});

export const TrackedCandidateView = z.object({
  candidate: z.string(),
  kind: z.string(),
  hyperparameters: z.record(z.string(), z.unknown()),
  seed: z.number().nullable(),
  backend: z.string().nullable(),
  codeVersion: z.string().nullable().describe('Of the training worker'),
  epochsRun: z.number().int().nullable(),
  stoppedEarly: z.boolean().nullable(),
  resumedFromEpoch: z.number().int().nullable(),
  attempt: z.number().int().nullable(),
  trainSeconds: z.number().nullable(),
  evaluateSeconds: z.number().nullable(),
  validationMetrics: Metrics.nullable(),
  testMetrics: Metrics.nullable(),
  validationRows: z.number().int().nullable(),
  testRows: z.number().int().nullable(),
  best: z.boolean(),
  importance: PermutationImportanceView.nullable().describe('Permutation importance of raw columns (test split)'),
});

export const TrackedRunView = z.object({
  runId: z.string(),
  pipeline: z.string(),
  status: z.string(),
  trigger: z.string(),
  startedBy: z.string().nullable(),
  startedAt: Timestamp,
  endedAt: NullableTimestamp,
  durationSeconds: z.number().nullable(),
  specHash: z.string().describe('The stored spec version the run pinned'),
  specVersion: z.number().int().nullable(),
  resolvedSpecHash: z.string().nullable().describe('The spec with the run parameters applied (GET .../spec)'),
  codeVersion: z.string().nullable(),
  dataVersion: z.string().nullable().describe('SHA-256 of the raw bytes the run ingested'),
  seeds: z.record(z.string(), z.unknown()),
  params: z.record(z.string(), z.unknown()),
  rerunOf: z.string().nullable(),
  artifactsRemovedAt: NullableTimestamp,
  best: z.string().nullable(),
  candidates: z.array(TrackedCandidateView),
  links: Links,
});

export const ResolvedSpecView = z.object({
  runId: z.string(),
  hash: z.string(),
  spec: z.record(z.string(), z.unknown()),
});

export const ImportanceResponse = z.object({
  runId: z.string(),
  best: z.string().nullable(),
  candidates: z.array(z.object({ candidate: z.string(), importance: PermutationImportanceView.nullable() })),
});

const StringList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .pipe(z.array(z.string().max(300)).max(20));

export const ListTrackedRunsQuery = z.object({
  pipeline: z.string().max(63).optional(),
  status: RunStatus.optional(),
  trigger: z.string().max(40).optional(),
  param: StringList.optional().describe('name=value (repeat for several): runs with this declared parameter value'),
  metric: StringList.optional().describe(
    'A bound on a test metric of the chosen candidate, e.g. f1_macro>=0.7 (>=, <=, >, <; repeat for several)',
  ),
  sort: z
    .union([z.literal('started'), MetricName])
    .default('started')
    .describe('started, or a metric name'),
  order: z.enum(['desc', 'asc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional().describe('nextCursor of the previous page'),
});

export const CompareQuery = z.object({
  ids: z
    .string()
    .max(2000)
    .transform((v) => [
      ...new Set(
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(Identifier).min(2, 'give at least two run ids').max(10, 'at most ten runs at once'))
    .describe('Comma-separated run ids (2 to 10)'),
});

const Diff = z.array(z.object({ name: z.string(), values: z.record(z.string(), z.unknown()) }));

export const CompareResponse = z.object({
  runs: z.array(TrackedRunView),
  params: Diff.describe('Declared parameters whose values differ'),
  hyperparameters: Diff.describe('Candidate hyperparameters (candidate.key) whose values differ'),
  differs: z.object({ spec: z.boolean(), data: z.boolean(), code: z.boolean() }),
  metrics: z.array(
    z.object({
      metric: z.string(),
      test: z.record(z.string(), z.number().nullable()),
      validation: z.record(z.string(), z.number().nullable()),
    }),
  ),
  curves: z.record(
    z.string(),
    z.object({
      candidate: z.string().nullable(),
      points: z.array(
        z.object({
          epoch: z.number().int(),
          attempt: z.number().int(),
          loss: z.number(),
          valLoss: z.number().nullable(),
          metrics: Metrics,
        }),
      ),
    }),
  ),
});

export const RerunBody = z
  .strictObject({
    params: RunParams.describe('Overrides of declared parameters (the others keep the original run values)'),
    dataVersion: Sha256.optional().describe('Another data version that a run of the same pipeline ingested'),
  })
  .partial()
  .default({});

export const RerunResponse = z.object({
  runId: z.string(),
  rerunOf: z.string(),
  pipeline: z.string(),
  specHash: z.string(),
  dataVersion: z.string(),
  params: z.record(z.string(), z.unknown()),
  status: RunStatus,
  links: Links,
});

export const RunListItem = RunSummary.extend({
  params: z.record(z.string(), z.unknown()),
  best: z.string().nullable().describe('The chosen candidate'),
  metrics: Metrics.describe('Test metrics of the chosen candidate'),
});

export const ListRunsResponse = z.object({ items: z.array(RunListItem), nextCursor: z.string().nullable() });

export const LineageParams = z.object({
  kind: z.enum(NODE_KINDS).describe('dataset, spec, code, run, abt, candidate, version, deployment, monitor or alert'),
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,299}$/, 'letters, digits and . _ : @ - (max 300)')
    .describe(
      'dataset: SHA-256; spec: resolved spec hash; run: run id; abt: artifact id; candidate: <run>:<candidate>; ' +
        'version: <model>@<n>; deployment: <model>:<slot>; monitor: monitor id; alert: alert id',
    ),
});

export const LineageQuery = z.object({
  direction: z.enum(['up', 'down', 'both']).default('both').describe('up: what it was made from; down: what it made'),
  depth: z.coerce.number().int().min(1).max(20).default(10),
});

export const LineageResponse = z.object({
  root: z.string().describe('<kind>/<id>'),
  direction: z.enum(['up', 'down', 'both']),
  depth: z.number().int(),
  nodes: z.array(
    z.object({
      kind: z.enum(NODE_KINDS),
      id: z.string(),
      depth: z.number().int(),
      attributes: z.record(z.string(), z.unknown()),
    }),
  ),
  edges: z.array(z.object({ from: z.string(), to: z.string(), relation: z.string() })),
  truncated: z.boolean().describe('true when the 500-node limit stopped the walk'),
});

export const RetentionBody = z.strictObject({
  olderThanDays: z.number().int().min(1).max(36500).describe('Runs that ended more than this many days ago'),
  pipeline: z.string().max(63).optional().describe('Only this pipeline'),
  dryRun: z.boolean().default(false).describe('Report what would be removed, remove nothing'),
  limit: z.number().int().min(1).max(1000).default(200).describe('At most this many runs per call'),
});

export const RetentionResponse = z.object({
  dryRun: z.boolean(),
  endedBefore: Timestamp,
  runs: z.array(
    z.object({
      runId: z.string(),
      pipeline: z.string(),
      endedAt: Timestamp,
      objects: z.number().int(),
      bytes: z.number().int(),
      abtTables: z.array(z.string()),
    }),
  ),
  kept: z.array(z.object({ runId: z.string(), reason: z.string() })).describe('Old runs kept, and why'),
  freed: z.object({
    objects: z.number().int(),
    bytes: z.number().int(),
    abtTables: z.number().int(),
    abtBytes: z.number().int(),
  }),
});
