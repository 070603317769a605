import { z } from 'zod';
import { DeploymentStrategySpec } from '../delivery/strategy';
import { DURATION_PATTERN, parseDurationMs } from './duration';
import { TABLE_NAME } from '../sources/sql';
import { ParameterSpecSchema } from './parameters';
import { DriftThresholdsSchema } from '../ml/drift/spec';
import { FeatureSpecSchema } from '../ml/features/spec';
import { SplitSpecSchema } from '../ml/features/split';
import { ModelCandidateSpecSchema } from '../ml/models/spec';
import { ExpectationsSpecSchema } from '../ml/validation/spec';
import { FeatureViewsSourceSchema } from '../featurestore/spec';
import {
  ColumnReadingSpecSchema,
  DerivedColumnSpecSchema,
  MissingTokensSchema,
  checkDataReading,
} from '../ml/data/reading-spec';

/** Durations as Temporal writes them ('90s', '15m', '24h', '7d') or milliseconds. */
export const DurationSpec = z.union([
  z.string().regex(DURATION_PATTERN, "a duration such as '30s', '15m', '24h' or '7d'"),
  z.number().int().positive(),
]);
export type DurationSpec = z.infer<typeof DurationSpec>;

/**
 * A duration with a floor: a zero or tiny timeout or interval never makes sense and would leave a run retrying a
 * workflow task in a loop, or a monitor spinning.
 */
function durationAtLeast(minimum: string) {
  const floor = parseDurationMs(minimum);
  return DurationSpec.refine((v) => parseDurationMs(v) >= floor, `must be at least ${minimum}`);
}

const name = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, starting with a letter (max 63)');

export const DataSourceSpec = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('file'),
    /** Relative to the project root (or absolute); must lie inside a data folder (DATA_FILE_ROOTS). */
    path: z.string().min(1),
    /** `csv` (with a header line) or `jsonl` (one JSON object per line). */
    format: z.enum(['csv', 'jsonl']).default('csv'),
  }),
  z.strictObject({
    kind: z.literal('s3'),
    /** Key in the artifact store's bucket, under an allowed prefix (DATA_S3_PREFIXES: datasets/, uploads/, ...). */
    key: z.string().min(1),
    /** `csv` (with a header line) or `jsonl` (one JSON object per line). */
    format: z.enum(['csv', 'jsonl']).default('csv'),
  }),
  z
    .strictObject({
      kind: z.literal('postgres'),
      /** A table or view to read whole: `table` or `schema.table` (e.g. `sources.customers`). */
      table: z.string().regex(TABLE_NAME, 'a table name: table or schema.table').optional(),
      /** Or one SELECT statement (checked by PostgreSQL's parser; anything else is refused). */
      query: z.string().min(1).max(100_000).optional(),
      /**
       * Name of an environment variable of the worker holding another database's URL (it must start with
       * MLOPS_SOURCE_); default: the metadata database, read as the read-only role (DATA_SOURCE_DATABASE_URL).
       */
      urlEnv: z
        .string()
        .regex(/^MLOPS_SOURCE_[A-Z0-9_]{1,60}$/, 'an environment variable name starting with MLOPS_SOURCE_')
        .optional(),
    })
    .refine((s) => Boolean(s.table) !== Boolean(s.query), {
      message: 'give exactly one of table and query',
      path: ['table'],
    }),
  /** A point-in-time join of an entity dataframe with feature views (docs/FEATURES.md). */
  FeatureViewsSourceSchema,
]);
export type DataSourceSpec = z.infer<typeof DataSourceSpec>;

const ThresholdSpec = z.strictObject({
  /** The metric must be at least this (scores such as accuracy, f1_macro, r2). */
  min: z.number().optional(),
  /** The metric must be at most this (errors such as rmse, mae, log_loss). */
  max: z.number().optional(),
});

export const DataSpec = z
  .strictObject({
    /** Where the training data comes from. */
    source: DataSourceSpec,
    /**
     * Texts that mean "missing" in every column, on top of '', NA, N/A, null, NULL and None (e.g. `.` or `?`), so
     * that a `.` is not read as a category. Applied in training and to prediction requests alike.
     */
    missingValues: MissingTokensSchema.optional(),
    /** How single columns are read: a datetime `format` (`MMM d yyyy` for `Jun 12 1998`) and own `missingValues`. */
    columns: z.record(z.string().min(1), ColumnReadingSpecSchema).optional(),
    /**
     * Columns computed from others, in order (each may use the ones before): `{ name: late, expression: delay > 15 }`.
     * Features and the label may name them. The model version keeps the expressions, so serving computes them from
     * the raw inputs of a request (which never sends derived columns, nor a derived label).
     */
    derived: z.array(DerivedColumnSpecSchema).max(200).optional(),
  })
  .superRefine(checkDataReading);

export const EvaluationSpec = z.strictObject({
  /** The metric that ranks candidates and is compared with production. */
  primaryMetric: z.string().default('f1_macro'),
  /** 'max' for scores (accuracy, f1, r2), 'min' for errors (rmse, mae, log_loss). */
  direction: z.enum(['max', 'min']).optional(),
  /** Every listed metric must be within its bounds for the gate to pass. */
  thresholds: z.record(z.string(), ThresholdSpec).default({}),
  /** The candidate must beat the current production model on the same test split by at least this much. */
  minImprovement: z.number().min(0).default(0),
  /** Permutation importance of the raw input columns on the test split, per candidate (defaults when absent). */
  importance: z
    .strictObject({
      /** false skips it (very wide data, or very slow models). */
      enabled: z.boolean().default(true),
      /** Seeded shuffles per column; the importance is the mean drop of the metric. */
      repeats: z.number().int().min(1).max(50).default(5),
      /** Test rows scored (a seeded sample when the split is larger). */
      maxRows: z.number().int().min(10).max(1_000_000).default(5000),
      /** The metric whose drop is measured; default: the primary metric. */
      metric: z.string().min(1).optional(),
      /** Seeds the row sample and the shuffles. */
      seed: z.number().int().default(42),
    })
    .optional(),
});

export const ApprovalSpec = z.strictObject({
  /** Who may approve or reject (principal ids: API key holders or JWT subjects); empty: anyone with the approver role. */
  approvers: z.array(z.string().min(1)).default([]),
  /** How long the run waits for a decision. */
  timeout: durationAtLeast('1m').default('7d'),
  /** What happens when nobody decides in time: the version is rejected. Nothing is ever approved without a human. */
  onTimeout: z
    .enum(['reject'], {
      error: 'must be "reject": nothing reaches production without a named human approver, so a timeout rejects',
    })
    .default('reject'),
  /** Four-eyes rule: the person who started the run (or created its schedule) may not approve it. */
  fourEyes: z.boolean().default(true),
});

export const MonitoringSpec = z.strictObject({
  /** Watch the deployed model for drift and live quality after deployment. */
  enabled: z.boolean().default(true),
  /** How often a monitoring window is evaluated. */
  interval: durationAtLeast('1m').default('1h'),
  /** Fewer logged predictions than this in a window: no drift verdict (too little evidence). */
  minSamples: z.number().int().positive().default(200),
  drift: DriftThresholdsSchema.prefault({}),
  /** Live quality from feedback labels (classification): alert when accuracy on labelled predictions drops below. */
  minLiveAccuracy: z.number().min(0).max(1).optional(),
  /** Live quality from feedback labels (regression): alert when RMSE on labelled predictions rises above. */
  maxLiveRmse: z.number().positive().optional(),
  /** Fewer labelled predictions than this in a window: no live-quality verdict. */
  minLabelled: z.number().int().min(1).default(30),
  /** 'notify' alerts; 'retrain' also starts a new run of the pipeline. */
  onDrift: z.enum(['retrain', 'notify']).default('notify'),
  /** Alerts are also POSTed here. */
  webhookUrl: z.string().url().optional(),
});

export const ScheduleSpec = z.strictObject({
  /** Start a run on this cron schedule (UTC), e.g. '0 3 * * *'. */
  cron: z.string().optional(),
  /** Or start a run at this interval. */
  interval: durationAtLeast('1m').optional(),
  /** Create the schedule paused. */
  paused: z.boolean().default(false),
});

export const TrainingSpec = z.strictObject({
  /** Task queue of the training worker: 'mlops-training' by default, e.g. 'training-gpu' for GPU workers. */
  taskQueue: z.string().optional(),
  /** Longest one training attempt of one candidate may take. */
  timeout: durationAtLeast('1m').default('2h'),
  /** A worker that stops heartbeating this long is presumed dead and the attempt moves to another worker. */
  heartbeatTimeout: durationAtLeast('5s').default('60s'),
  // 20 attempts with backoff to 30 s ride out about 8 minutes of S3, database or worker trouble.
  /** Attempts of a training activity before the run fails. */
  maxAttempts: z.number().int().min(1).max(100).default(20),
  /** Save a resumable checkpoint every this many epochs (kinds that support it). */
  checkpointEvery: z.number().int().min(1).default(1),
});

export const PipelineSpec = z.strictObject({
  /** The pipeline's name: lower-case letters, digits and dashes (`mlops run NAME`). */
  name,
  /** What the pipeline is for, in a sentence. */
  description: z.string().default(''),
  /** Registry name of the model this pipeline produces (default: the pipeline name). */
  model: name.optional(),
  /** 'classification' (predict a class) or 'regression' (predict a number). */
  task: z.enum(['classification', 'regression']),
  /** The data source. */
  data: DataSpec,
  /** Checks on the data before training: types, ranges, missing values, row counts (failing rows are quarantined). */
  expectations: ExpectationsSpecSchema.prefault({}),
  /** The label and the feature columns with their transforms; the task comes from the top level. */
  features: FeatureSpecSchema.omit({ task: true }),
  /** How rows are split into train, validation and test sets. */
  split: SplitSpecSchema.prefault({}),
  /** The models to train; the best by `evaluation.primaryMetric` is the one proposed. */
  candidates: z
    .array(ModelCandidateSpecSchema.transform((c) => ({ ...c, name: c.name ?? c.kind })))
    .min(1, 'at least one model candidate'),
  /** Where and how long training runs, and how often it is retried. */
  training: TrainingSpec.prefault({}),
  /** How candidates are compared, and the quality gate a model must pass. */
  evaluation: EvaluationSpec.prefault({}),
  deployment: z
    .strictObject({
      /** Rows of the test split sent to the deployed model as a smoke test. */
      smokeTestRows: z.number().int().min(1).max(1000).default(20),
      /** How an approved version reaches production: `direct` (default) or a `canary` with guardrails (docs/DELIVERY.md). */
      strategy: DeploymentStrategySpec.default({ kind: 'direct' }),
    })
    .prefault({}),
  /** Who approves a model for production, and how long they have. */
  approval: ApprovalSpec.prefault({}),
  /** Drift and live-quality monitoring of the deployed model. */
  monitoring: MonitoringSpec.prefault({}),
  /** Runs the pipeline on a schedule (cron or interval). */
  schedule: ScheduleSpec.optional(),
  /** What a run may change, and nothing else: see lib/pipeline/parameters.ts. */
  parameters: z.array(ParameterSpecSchema).default([]),
});
export type PipelineSpec = z.infer<typeof PipelineSpec>;
export type PipelineSpecInput = z.input<typeof PipelineSpec>;
