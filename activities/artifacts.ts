import type { Readable } from 'node:stream';
import { recordArtifact, type ArtifactKind } from '../lib/metadata/artifacts';
import type { ActivityDeps } from './deps';
import type { StoredObject } from './pipeline-io';
import type { StepContext } from './step-context';

export interface StoreArtifactInput {
  key: string;
  body: Buffer | Uint8Array | string | Readable;
  name: string;
  kind: ArtifactKind;
  contentType?: string;
  metadata?: Record<string, unknown>;
}

/** Writes an object to the artifact store and its row (with SHA-256) to the metadata DB, idempotently. */
export async function storeArtifact(
  deps: Pick<ActivityDeps, 'db' | 'store'>,
  ctx: Pick<StepContext, 'runId' | 'step'>,
  input: StoreArtifactInput,
): Promise<StoredObject> {
  const info = await deps.store.put(input.key, input.body, { contentType: input.contentType });
  return registerStoredArtifact(deps, ctx, { ...input, sha256: info.sha256, size: info.size });
}

/** Records an artifact row for an object that is already in the store (a cache hit, a content-addressed blob). */
export async function registerStoredArtifact(
  deps: Pick<ActivityDeps, 'db' | 'store'>,
  ctx: Pick<StepContext, 'runId' | 'step'>,
  input: {
    key: string;
    name: string;
    kind: ArtifactKind;
    sha256: string;
    size: number;
    metadata?: Record<string, unknown>;
  },
): Promise<StoredObject> {
  const uri = deps.store.uri(input.key);
  const artifactId = await recordArtifact(deps.db, {
    runId: ctx.runId,
    step: ctx.step,
    name: input.name,
    kind: input.kind,
    uri,
    storeKey: input.key,
    sha256: input.sha256,
    sizeBytes: input.size,
    metadata: input.metadata,
  });
  return { key: input.key, uri, sha256: input.sha256, size: input.size, artifactId };
}

export function runKey(runId: string, ...parts: string[]): string {
  return ['runs', runId.replace(/[^A-Za-z0-9._-]/g, '_'), ...parts].join('/');
}
