import type { AppConfig } from '../config';
import { FsArtifactStore } from './fs-store';
import { S3ArtifactStore } from './s3-store';
import type { ArtifactStore } from './types';

export * from './types';
export { FsArtifactStore } from './fs-store';
export { S3ArtifactStore } from './s3-store';
export { sha256Hex, readAll } from './hashing';

export function createArtifactStore(config: AppConfig['artifacts']): ArtifactStore {
  return config.kind === 's3' ? new S3ArtifactStore(config) : new FsArtifactStore(config.rootDir);
}
