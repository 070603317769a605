import { z } from 'zod';
import { MlError } from '../errors';
import type { Task } from '../features/spec';
import { FITTED_TRANSFORMS_VERSION, type FittedTransforms } from '../features/types';
import { tf } from '../tf';
import { decodeContainer, encodeContainer } from './bytes';
import { type ModelKind, ModelKindSchema } from './spec';

/** Regression targets are standardised for training; predictions are mapped back with this. */
export interface TargetScale {
  mean: number;
  std: number;
}

export interface ModelMeta {
  kind: ModelKind;
  task: Task;
  numClasses: number;
  featureCount: number;
  targetScale: TargetScale | null;
}

/** A trained network with what is needed to use it. The caller owns `network`: call disposeModel when done. */
export interface MlModel {
  network: tf.LayersModel;
  meta: ModelMeta;
  /** Transforms to apply to raw rows before predicting (embedded in the artefact when known). */
  fitted: FittedTransforms | null;
}

const MAGIC = 'MLMD';
const VERSION = 1;

const HeaderSchema = z.object({
  format: z.literal('mlops-model'),
  meta: z.object({
    kind: ModelKindSchema,
    task: z.enum(['classification', 'regression']),
    numClasses: z.number().int().min(0),
    featureCount: z.number().int().min(1),
    targetScale: z.object({ mean: z.number(), std: z.number() }).nullable(),
  }),
  fitted: z.looseObject({ version: z.literal(FITTED_TRANSFORMS_VERSION) }).nullable(),
  modelTopology: z.record(z.string(), z.unknown()),
  weightSpecs: z.array(z.looseObject({ name: z.string(), shape: z.array(z.number()), dtype: z.string() })),
});

/** A tf.io.IOHandler that keeps the artefacts in memory instead of writing files or making HTTP requests. */
class MemoryIOHandler implements tf.io.IOHandler {
  artifacts: tf.io.ModelArtifacts | undefined;

  constructor(artifacts?: tf.io.ModelArtifacts) {
    this.artifacts = artifacts;
  }

  save = async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
    this.artifacts = artifacts;
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  };

  load = async (): Promise<tf.io.ModelArtifacts> => {
    if (!this.artifacts) throw new MlError({ code: 'INVALID_ARTIFACT', message: 'No model artefacts to load.' });
    return this.artifacts;
  };
}

/**
 * The model as one byte buffer (topology + weight specs + meta + fitted transforms as a JSON header, then the float32
 * weights), written through a custom IOHandler. Deterministic: the same weights and transforms give the same bytes.
 */
export async function serializeModel(args: { model: MlModel; fitted?: FittedTransforms | null }): Promise<Uint8Array> {
  const handler = new MemoryIOHandler();
  await args.model.network.save(handler);
  const artifacts = handler.artifacts;
  if (!artifacts?.modelTopology || !artifacts.weightSpecs || !artifacts.weightData) {
    throw new MlError({ code: 'INVALID_ARTIFACT', message: 'TensorFlow.js returned incomplete model artefacts.' });
  }
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  const header = {
    format: 'mlops-model',
    meta: args.model.meta,
    fitted: args.fitted === undefined ? args.model.fitted : args.fitted,
    modelTopology: artifacts.modelTopology,
    weightSpecs: artifacts.weightSpecs,
  };
  return encodeContainer({ magic: MAGIC, version: VERSION, header, payload: [weights] });
}

/** Loads bytes from serializeModel (the caller verifies their checksum first). */
export async function loadModel(args: { bytes: Uint8Array }): Promise<MlModel> {
  const { header, payload } = decodeContainer({
    bytes: args.bytes,
    magic: MAGIC,
    version: VERSION,
    what: 'model artefact',
  });
  const parsed = HeaderSchema.safeParse(header);
  if (!parsed.success) {
    throw new MlError({
      code: 'INVALID_ARTIFACT',
      message: `Model artefact header is invalid: ${parsed.error.message}`,
    });
  }
  const { meta, fitted, modelTopology, weightSpecs } = parsed.data;
  const weightData = new Uint8Array(payload).buffer;
  const handler = new MemoryIOHandler({
    modelTopology,
    weightSpecs: weightSpecs as tf.io.WeightsManifestEntry[],
    weightData,
  });
  const network = await tf.loadLayersModel(handler);
  return { network, meta, fitted: fitted as FittedTransforms | null };
}

export function disposeModel(model: MlModel): void {
  model.network.dispose();
}
