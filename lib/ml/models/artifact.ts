import { z } from 'zod';
import { MlError } from '../errors';
import { TaskSchema } from '../features/spec';
import { FITTED_TRANSFORMS_VERSION, type FittedTransforms } from '../features/types';
import { decodeContainer, encodeContainer } from './bytes';
import type { ModelMeta } from './kind';
import { modelKind } from './registry';

export type { ModelMeta, TargetScale } from './kind';

/**
 * A trained model of any kind, with what is needed to use it. `state` belongs to the kind (a TensorFlow.js network,
 * a tree ensemble, ...): only the kind reads it. Call disposeModel when done (a network holds backend memory).
 */
export interface MlModel {
  meta: ModelMeta;
  /** Transforms to apply to raw rows before predicting (embedded in the artefact when known). */
  fitted: FittedTransforms | null;
  state: unknown;
}

const MAGIC = 'MLMD';
/** 1: the dense network only (meta, fitted, modelTopology, weightSpecs). 2: any kind, its part under `model`. */
const VERSION = 2;
const LEGACY_VERSION = 1;

const MetaSchema = z.object({
  kind: z.string().min(1),
  task: TaskSchema,
  numClasses: z.number().int().min(0),
  featureCount: z.number().int().min(1),
  targetScale: z.object({ mean: z.number(), std: z.number() }).nullable(),
});
const FittedSchema = z.looseObject({ version: z.literal(FITTED_TRANSFORMS_VERSION) }).nullable();

const HeaderSchema = z.object({
  format: z.literal('mlops-model'),
  meta: MetaSchema,
  fitted: FittedSchema,
  /** The kind's own artefact format version (the kind decodes it). */
  modelVersion: z.number().int().min(1),
  model: z.unknown(),
});

/** The first format: the dense kinds' topology and weight specs at the top level of the header. */
const LegacyHeaderSchema = z.object({
  format: z.literal('mlops-model'),
  meta: MetaSchema,
  fitted: FittedSchema,
  modelTopology: z.unknown(),
  weightSpecs: z.unknown(),
});

function invalidHeader(error: z.ZodError): MlError {
  return new MlError({ code: 'INVALID_ARTIFACT', message: `Model artefact header is invalid: ${error.message}` });
}

/**
 * The model as one byte buffer: a JSON header (meta, fitted transforms, the kind's header and format version), then
 * the kind's binary payload. Deterministic: the same model and transforms give the same bytes.
 */
export async function serializeModel(args: { model: MlModel; fitted?: FittedTransforms | null }): Promise<Uint8Array> {
  const kind = modelKind(args.model.meta.kind);
  const encoded = await kind.encode(args.model.state);
  const header = {
    format: 'mlops-model',
    meta: args.model.meta,
    fitted: args.fitted === undefined ? args.model.fitted : args.fitted,
    modelVersion: kind.artifactVersion,
    model: encoded.header,
  };
  return encodeContainer({ magic: MAGIC, version: VERSION, header, payload: encoded.payload });
}

/** Loads bytes from serializeModel, of this format or the first one (the caller verifies their checksum first). */
export async function loadModel(args: { bytes: Uint8Array }): Promise<MlModel> {
  const { version, header, payload } = decodeContainer({
    bytes: args.bytes,
    magic: MAGIC,
    version: [LEGACY_VERSION, VERSION],
    what: 'model artefact',
  });
  let parsed: z.infer<typeof HeaderSchema>;
  if (version === LEGACY_VERSION) {
    const legacy = LegacyHeaderSchema.safeParse(header);
    if (!legacy.success) throw invalidHeader(legacy.error);
    const { modelTopology, weightSpecs, ...rest } = legacy.data;
    parsed = { ...rest, modelVersion: 1, model: { modelTopology, weightSpecs } };
  } else {
    const current = HeaderSchema.safeParse(header);
    if (!current.success) throw invalidHeader(current.error);
    parsed = current.data;
  }
  const { meta, fitted } = parsed;
  const kind = modelKind(meta.kind);
  if (!kind.tasks.includes(meta.task) || parsed.modelVersion > kind.artifactVersion) {
    throw new MlError({
      code: 'INVALID_ARTIFACT',
      message: `The artefact is a ${meta.task} ${meta.kind} model of format ${parsed.modelVersion}; this code reads ${kind.tasks.join('/')} models up to format ${kind.artifactVersion}.`,
    });
  }
  const state = await kind.decode({ version: parsed.modelVersion, header: parsed.model, payload, meta });
  return { meta, fitted: fitted as FittedTransforms | null, state };
}

export function disposeModel(model: MlModel): void {
  modelKind(model.meta.kind).dispose?.(model.state);
}
