import { z } from 'zod';
import { FeatureDefinitionsSchema, FeatureStoreName } from '../../lib/featurestore/definitions';
import { Duration, Links, NullableTimestamp, Timestamp } from './common';

export const ViewParams = z.object({ view: FeatureStoreName.describe('Feature view name') });
export const ViewQuery = z.object({
  version: z.coerce.number().int().min(1).max(2_147_483_647).optional().describe('A version (default: the latest)'),
});

export const ApplyBody = z.object({
  definitions: FeatureDefinitionsSchema.describe('Entities and feature views, as in a features/*.yaml file'),
  reason: z.string().trim().max(2000).optional().describe('Why (kept in the audit log)'),
  source: z.string().max(300).optional().describe('Where the definitions come from, e.g. the file name'),
});

const Applied = z.object({
  name: z.string(),
  version: z.number().int(),
  hash: z.string().describe('SHA-256 of the canonical definition: the content version'),
  status: z.enum(['created', 'updated', 'unchanged']),
});
export const ApplyResponse = z.object({ entities: z.array(Applied), featureViews: z.array(Applied) });

const JoinKey = z.object({ name: z.string(), type: z.enum(['string', 'int']) });

export const EntityView = z.object({
  name: z.string(),
  version: z.number().int(),
  hash: z.string(),
  joinKeys: z.array(JoinKey),
  description: z.string(),
  appliedBy: z.string(),
  appliedAt: Timestamp,
});
export const ListEntitiesResponse = z.object({ items: z.array(EntityView) });

const Materialization = z
  .object({
    version: z.number().int(),
    watermark: NullableTimestamp.describe('Every row with an event time at or before it is in the online store'),
    rowsWritten: z.number().int(),
    updatedAt: Timestamp,
    lastWorkflowId: z.string().nullable(),
  })
  .nullable();

export const FeatureViewSummary = z.object({
  name: z.string(),
  version: z.number().int(),
  hash: z.string(),
  description: z.string(),
  owner: z.string(),
  entities: z.array(z.string()),
  joinKeys: z.array(JoinKey),
  source: z.string().describe('e.g. table public.orders, s3://bucket/key, file path'),
  features: z.array(z.object({ name: z.string(), type: z.string(), description: z.string() })),
  ttl: z.union([z.string(), z.number()]).nullable(),
  online: z.boolean(),
  appliedBy: z.string(),
  appliedAt: Timestamp,
  materialization: Materialization,
  runsUsing: z.number().int().describe('Pipeline runs whose training set used this view (any version)'),
});
export const ListViewsResponse = z.object({ items: z.array(FeatureViewSummary) });

export const FeatureViewDetail = FeatureViewSummary.extend({
  definition: z.record(z.string(), z.unknown()).describe('The definition as applied'),
  versions: z.array(
    z.object({ version: z.number().int(), hash: z.string(), appliedBy: z.string(), appliedAt: Timestamp }),
  ),
  lineage: z
    .array(
      z.object({
        runId: z.string(),
        version: z.number().int().describe('The view version the run used'),
        pipeline: z.string().nullable(),
        runStatus: z.string().nullable(),
        usedAt: Timestamp,
        models: z.array(z.object({ model: z.string(), version: z.number().int(), stage: z.string() })),
      }),
    )
    .describe('Runs that trained on the view, newest first, with the model versions they registered'),
  materializationRuns: z.array(
    z.object({
      workflowId: z.string(),
      version: z.number().int(),
      status: z.string(),
      windowFrom: NullableTimestamp,
      windowTo: Timestamp,
      rowsRead: z.number().int(),
      rowsWritten: z.number().int(),
      attempts: z.number().int(),
      error: z.string().nullable(),
      startedAt: Timestamp,
      finishedAt: NullableTimestamp,
    }),
  ),
  links: Links,
});

export const MaterializeBody = z.object({
  fullRefresh: z.boolean().default(false).describe('Re-read the whole source instead of what is after the watermark'),
});
export const MaterializeResponse = z.object({
  workflowId: z.string(),
  started: z.boolean().describe('false when a materialization of this view was already running (that one is returned)'),
  links: Links,
});

export const ScheduleBody = z
  .object({
    interval: Duration.optional().describe("How often, e.g. '15m', '1h'"),
    cron: z.string().min(9).max(200).optional().describe('Cron expression in UTC'),
    paused: z.boolean().default(false),
  })
  .refine((b) => Boolean(b.interval) !== Boolean(b.cron), { message: 'give exactly one of interval or cron' });
export const ScheduleResponse = z.object({
  scheduleId: z.string(),
  view: z.string(),
  interval: z.string().nullable(),
  cron: z.string().nullable(),
  paused: z.boolean(),
  nextRunTimes: z.array(Timestamp),
});

export const OnlineReadBody = z.object({
  entities: z
    .array(z.record(z.string(), z.unknown()))
    .min(1)
    .max(1000)
    .describe("Rows with the view's join keys, e.g. [{ customer_id: 42 }]"),
  features: z.array(z.string()).min(1).optional().describe('Only these features (default: all)'),
});

export const FeatureWarningView = z.object({
  row: z.number().int(),
  view: z.string(),
  kind: z.enum(['missing', 'stale']),
  features: z.array(z.string()),
  entity: z.record(z.string(), z.string()),
  eventTime: z.string().optional(),
  ageSeconds: z.number().optional(),
});

export const OnlineReadResponse = z.object({
  view: z.string(),
  version: z.number().int(),
  rows: z.array(z.record(z.string(), z.unknown())),
  warnings: z.array(FeatureWarningView),
});

export const DriftQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20).describe('Recent monitoring windows per model version'),
});
export const ViewDriftResponse = z.object({
  view: z.string(),
  columns: z
    .array(
      z.object({
        column: z.string(),
        feature: z.string(),
        model: z.string(),
        modelVersion: z.number().int(),
        viewVersion: z.number().int(),
        windows: z.array(
          z.object({
            windowStart: Timestamp,
            windowEnd: Timestamp,
            samples: z.number().int(),
            psi: z.number(),
            jsDistance: z.number(),
            drifted: z.boolean(),
            insufficientData: z.boolean(),
          }),
        ),
      }),
    )
    .describe('Drift of each view column, per model version trained with the view, most recent window first'),
});

/** What the predict response adds when the model was trained with feature views. */
export const PredictFeatureFields = {
  featureViews: z
    .array(z.object({ name: z.string(), version: z.number().int() }))
    .optional()
    .describe('Feature views whose values were looked up in the online store for this request'),
  featureWarnings: z
    .array(FeatureWarningView)
    .optional()
    .describe('Per row: view features that were missing from the online store or older than their TTL (sent as null)'),
};
