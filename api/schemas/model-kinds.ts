import { z } from 'zod';

export const ModelKindInfo = z.object({
  name: z.string(),
  description: z.string(),
  tasks: z.array(z.enum(['classification', 'regression'])),
  capabilities: z.object({
    checkpointing: z.boolean(),
    featureImportance: z.boolean(),
    gpu: z.boolean(),
    embeddings: z.boolean(),
    /** Trains from splits streamed from disk when they exceed TRAINING_MEMORY_BUDGET_MB (other kinds are refused). */
    outOfCore: z.boolean(),
  }),
  /** Version of the artefact format the kind writes. */
  artifactVersion: z.number().int(),
  /** JSON Schema (2020-12) of the kind's `hyperparameters`, defaults included. */
  hyperparameters: z.record(z.string(), z.unknown()),
});
export const ListModelKindsResponse = z.object({ items: z.array(ModelKindInfo) });
