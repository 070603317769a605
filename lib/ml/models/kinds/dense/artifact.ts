import { z } from 'zod';
import { MlError } from '../../../errors';
import { tf } from '../../../tf';
import type { EncodedModel } from '../../kind';
import type { DenseState } from './train';

/**
 * The dense kind's part of a model artefact: the TensorFlow.js topology and weight specs as JSON, the float32 weights
 * as the payload, and (version 1 allows it absent) the layout of embedding inputs. The first artefact format stored
 * exactly these fields, so old artefacts decode through the same function.
 */
const HeaderSchema = z.object({
  modelTopology: z.record(z.string(), z.unknown()),
  weightSpecs: z.array(z.looseObject({ name: z.string(), shape: z.array(z.number()), dtype: z.string() })),
  embeddings: z
    .array(
      z.object({
        column: z.string(),
        feature: z.number().int().min(0),
        vocabulary: z.number().int().min(1),
        dimension: z.number().int().min(1),
      }),
    )
    .optional(),
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

export async function encodeDense(state: DenseState): Promise<EncodedModel> {
  const handler = new MemoryIOHandler();
  await state.network.save(handler);
  const artifacts = handler.artifacts;
  if (!artifacts?.modelTopology || !artifacts.weightSpecs || !artifacts.weightData) {
    throw new MlError({ code: 'INVALID_ARTIFACT', message: 'TensorFlow.js returned incomplete model artefacts.' });
  }
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  const header = {
    modelTopology: artifacts.modelTopology,
    weightSpecs: artifacts.weightSpecs,
    ...(state.embeddings.length > 0 ? { embeddings: state.embeddings } : {}),
  };
  return { header, payload: [weights] };
}

export async function decodeDense(args: { header: unknown; payload: Uint8Array }): Promise<DenseState> {
  const parsed = HeaderSchema.safeParse(args.header);
  if (!parsed.success) {
    throw new MlError({
      code: 'INVALID_ARTIFACT',
      message: `Dense model header is invalid: ${parsed.error.message}`,
    });
  }
  const { modelTopology, weightSpecs, embeddings } = parsed.data;
  const handler = new MemoryIOHandler({
    modelTopology,
    weightSpecs: weightSpecs as tf.io.WeightsManifestEntry[],
    weightData: new Uint8Array(args.payload).buffer,
  });
  const network = await tf.loadLayersModel(handler);
  return { network, embeddings: embeddings ?? [] };
}
