import { z } from 'zod';
import type { AnyModelKind } from './kind';
import { MODEL_KIND_REGISTRY, modelKindNames } from './registry';

function candidateSchema(kind: AnyModelKind) {
  return z.strictObject({
    /** Identifies the candidate in results and artefact keys; defaults to the kind. */
    name: z.string().min(1).optional(),
    /** A registered model kind (docs/MODEL-KINDS.md lists them with their hyperparameters). */
    kind: z.literal(kind.name),
    /** The kind's own hyperparameters; every field has a default. */
    hyperparameters: kind.hyperparameters.prefault({}),
  });
}

type CandidateSchema = ReturnType<typeof candidateSchema>;

export interface ModelCandidateSpec {
  name?: string;
  /** A registered kind name. */
  kind: string;
  /** Parsed by the kind's schema (defaults filled in). */
  hyperparameters: Record<string, unknown>;
}

export interface ModelCandidateSpecInput {
  name?: string;
  kind: string;
  hyperparameters?: Record<string, unknown>;
}

/** The registered kind names, in registry order. */
export const MODEL_KINDS: readonly string[] = modelKindNames();
export const ModelKindSchema = z.enum(MODEL_KINDS as [string, ...string[]]);
export type ModelKind = string;

/** One model candidate of a spec, validated by its kind's schema: built from the registry, the one list of kinds. */
export const ModelCandidateSpecSchema: z.ZodType<ModelCandidateSpec, ModelCandidateSpecInput> = z.discriminatedUnion(
  'kind',
  MODEL_KIND_REGISTRY.map(candidateSchema) as unknown as [CandidateSchema, ...CandidateSchema[]],
) as unknown as z.ZodType<ModelCandidateSpec, ModelCandidateSpecInput>;
