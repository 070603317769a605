import { z } from 'zod';
import { ModelName, NullableTimestamp, Reason, Timestamp } from './common';

export const Stage = z.enum(['none', 'staging', 'production', 'archived']);
export const Slot = z.enum(['staging', 'production']);

export const ModelParams = z.object({ name: ModelName });
export const VersionParams = z.object({ name: ModelName, version: z.coerce.number().int().min(1).max(2_147_483_647) });

export const ModelSummary = z.object({
  name: z.string(),
  task: z.string(),
  description: z.string().nullable(),
  createdAt: Timestamp,
  productionVersion: z.number().int().nullable(),
});
export const ListModelsResponse = z.object({ items: z.array(ModelSummary) });

export const VersionSummary = z.object({
  model: z.string(),
  version: z.number().int(),
  versionId: z.number().int(),
  stage: Stage,
  runId: z.string(),
  candidate: z.string(),
  metrics: z.record(z.string(), z.number()),
  createdAt: Timestamp,
});
export const ListVersionsResponse = z.object({ items: z.array(VersionSummary) });

const ArtifactRef = z
  .object({ uri: z.string(), sha256: z.string().nullable(), sizeBytes: z.number().nullable() })
  .nullable();

export const VersionDetail = VersionSummary.extend({
  lineage: z.record(z.string(), z.unknown()),
  stageHistory: z.array(
    z.object({ from: z.string(), to: z.string(), actor: z.string(), reason: z.string().nullable(), at: Timestamp }),
  ),
  artifacts: z.object({ model: ArtifactRef, transform: ArtifactRef }),
  deployedTo: z.array(Slot),
});

export const DeploymentView = z.object({
  model: z.string(),
  slot: Slot,
  version: z.number().int(),
  versionId: z.number().int(),
  previousVersion: z.number().int().nullable(),
  deployedBy: z.string(),
  deployedAt: Timestamp,
  runId: z.string().nullable(),
  served: z
    .object({ version: z.number().int(), loadedAt: z.string(), modelSha256: z.string() })
    .nullable()
    .describe('What this API process has loaded for the slot (null: not loaded yet)'),
});
export const ListDeploymentsResponse = z.object({ items: z.array(DeploymentView) });

export const RollbackBody = z.object({
  version: z.number().int().min(1).max(2_147_483_647).describe('The earlier production version to restore'),
  reason: Reason,
});
export const RollbackResponse = z.object({
  model: z.string(),
  slot: z.literal('production'),
  version: z.number().int(),
  versionId: z.number().int(),
  replacedVersion: z.number().int().nullable(),
  changed: z.boolean().describe('false when the version was already in production (nothing was done)'),
  by: z.string(),
  reason: z.string(),
  at: NullableTimestamp,
});

export const SignatureColumnView = z.object({
  name: z.string(),
  type: z.enum(['numeric', 'integer', 'boolean', 'categorical', 'datetime', 'text']),
  required: z.boolean().describe('true: every request row must send a value (training never saw it missing)'),
  missingRatio: z.number().describe('Share of training rows where it was missing'),
  min: z.number().optional().describe('Smallest value seen in training (datetimes: epoch milliseconds)'),
  max: z.number().optional().describe('Largest value seen in training'),
  categories: z.array(z.string()).optional().describe('Values seen in training, most frequent first'),
  categoriesComplete: z
    .boolean()
    .optional()
    .describe('false: the list is cut (or not known), so unseen values are not warned about'),
  format: z
    .string()
    .optional()
    .describe('A datetime column declared with a text format (spec data.columns): send it so, or as ISO 8601'),
});

export const SignatureResponse = z.object({
  model: z.string(),
  version: z.number().int(),
  task: z.enum(['classification', 'regression']),
  label: z.string().describe('The predicted column: not an input'),
  inputs: z.array(SignatureColumnView),
  observedRows: z.number().int().describe('Training rows the ranges and categories were observed on'),
  source: z
    .enum(['training', 'transforms'])
    .describe(
      'training: observed on the training rows; transforms: reconstructed for a version registered before signatures',
    ),
});
