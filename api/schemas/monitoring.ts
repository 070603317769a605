import { z } from 'zod';
import { Identifier, ModelName, NullableTimestamp, Reason, Timestamp } from './common';

export const MonitoringParams = z.object({ name: ModelName });
export const MonitoringQuery = z.object({
  version: z.coerce
    .number()
    .int()
    .min(1)
    .max(2_147_483_647)
    .optional()
    .describe('Model version (default: the latest monitored one)'),
  limit: z.coerce.number().int().min(1).max(500).default(20).describe('How many recent windows and alerts'),
});

const FeatureDrift = z.object({
  feature: z.string(),
  kind: z.enum(['numeric', 'categorical']),
  psi: z.number(),
  ksStatistic: z.number().nullable(),
  ksPValue: z.number().nullable(),
  chi2PValue: z.number().nullable(),
  jsDistance: z.number(),
  drifted: z.boolean(),
  insufficientData: z.boolean(),
  reasons: z.array(z.string()),
});

export const MonitoringWindow = z.object({
  reportId: z.number().int(),
  monitorId: z.string(),
  version: z.number().int(),
  windowIndex: z.number().int(),
  windowStart: Timestamp,
  windowEnd: Timestamp,
  samples: z.number().int(),
  drifted: z.boolean(),
  driftedFeatures: z.array(z.string()),
  features: z.array(FeatureDrift),
  prediction: z.object({ psi: z.number(), jsDistance: z.number(), drifted: z.boolean() }).nullable(),
  liveQuality: z.object({ metric: z.string(), value: z.number(), labelled: z.number().int() }).nullable(),
});

export const Alert = z.object({
  alertId: z.number().int(),
  model: z.string(),
  versionId: z.number().int(),
  kind: z.enum(['drift', 'quality']),
  status: z.enum(['open', 'acknowledged']),
  message: z.string(),
  action: z.enum(['retrain', 'notify']),
  retrainingRunId: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: NullableTimestamp,
  createdAt: Timestamp,
  links: z.record(z.string(), z.string()),
});

export const MonitoringResponse = z.object({
  model: z.string(),
  windows: z.array(MonitoringWindow).describe('Most recent windows first'),
  alerts: z.array(Alert).describe('Most recent alerts first'),
  links: z.record(z.string(), z.string()),
});

export const AlertParams = z.object({ alertId: z.coerce.number().int().min(1).max(2_147_483_647) });
export const AcknowledgeBody = z.object({ reason: Reason });

export const ReportParams = z.object({ runId: Identifier.describe('Run id (the Temporal workflow id)') });

export const HtmlDocument = z.string().describe('A self-contained HTML document');
export const CsvDocument = z.string().describe('RFC 4180 CSV');
export const XlsxDocument = z
  .custom<Buffer>((v) => Buffer.isBuffer(v), 'an XLSX workbook')
  .meta({ type: 'string', format: 'binary' });
