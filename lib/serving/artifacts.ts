import type { Db } from '../db';
import type { ModelVersionRow } from '../registry';
import { sha256Hex, type ArtifactStore } from '../store';
import { ArtifactIntegrityError } from './types';

/**
 * The model artefact of a registered version, after checking its SHA-256 against the one recorded at registration:
 * a modified or truncated object is refused, never served.
 */
export async function loadVerifiedModelBytes(
  deps: { db: Db; store: ArtifactStore },
  version: Pick<ModelVersionRow, 'model_name' | 'version' | 'model_artifact_id'>,
): Promise<Uint8Array> {
  const artifact = await deps.db('artifacts').where({ id: version.model_artifact_id }).first();
  if (!artifact?.store_key || !artifact.sha256) {
    throw new Error(`Model ${version.model_name} v${version.version} has no stored artifact in the registry`);
  }
  const bytes = await deps.store.getBytes(artifact.store_key as string);
  const actual = sha256Hex(bytes);
  if (actual !== artifact.sha256) {
    throw new ArtifactIntegrityError(
      `${version.model_name} v${version.version} (${artifact.uri})`,
      artifact.sha256 as string,
      actual,
    );
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
