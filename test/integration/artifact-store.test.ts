import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../lib/config';
import { FsArtifactStore, S3ArtifactStore } from '../../lib/store';
import { artifactStoreContract } from './contracts/artifact-store.contract';

describe('artifact store contract: S3 (SeaweedFS from the stack, or S3_ENDPOINT)', () => {
  artifactStoreContract(async () => new S3ArtifactStore(loadConfig().s3));
});

describe('artifact store contract: local filesystem', () => {
  const root = mkdtempSync(join(tmpdir(), 'mlops-fs-store-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  artifactStoreContract(async () => new FsArtifactStore(root));
});
