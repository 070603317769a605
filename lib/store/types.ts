import type { Readable } from 'node:stream';

export interface ObjectInfo {
  key: string;
  size: number;
  /** Hex SHA-256 of the object's bytes, computed by the store while writing. */
  sha256: string;
  contentType: string;
  metadata: Record<string, string>;
  lastModified: Date;
}

export interface PutOptions {
  contentType?: string;
  /** Small string metadata kept with the object (lower-case keys). */
  metadata?: Record<string, string>;
}

export type PutBody = Readable | Buffer | Uint8Array | string;

/**
 * Where datasets, models, checkpoints and reports live. Keys are '/'-separated relative paths.
 * Every adapter has the same semantics; test/integration/artifact-store.contract.ts is the definition.
 */
export interface ArtifactStore {
  readonly kind: 's3' | 'fs';
  /** Human-readable location of a key, for logs and links (s3://bucket/key or file:///...). */
  uri(key: string): string;
  /** Creates the bucket/folder when missing. */
  ensureReady(): Promise<void>;
  /** Streams the body in, hashing it on the way; replaces an existing object atomically. */
  put(key: string, body: PutBody, options?: PutOptions): Promise<ObjectInfo>;
  /** Throws ArtifactNotFoundError when the key does not exist. */
  get(key: string): Promise<Readable>;
  getBytes(key: string): Promise<Buffer>;
  stat(key: string): Promise<ObjectInfo | undefined>;
  /** Objects whose key starts with prefix, in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
  /** Checks the backend answers (readiness probes). */
  ping(): Promise<void>;
  /** Object count and total bytes under a prefix (resource monitoring); one listing, no per-object reads. */
  usage(prefix?: string): Promise<{ objects: number; bytes: number }>;
}

export class ArtifactNotFoundError extends Error {
  readonly code = 'ARTIFACT_NOT_FOUND';
  constructor(
    readonly key: string,
    where: string,
  ) {
    super(`No artifact at ${where}: the key does not exist (was it deleted, or written by another store?)`);
    this.name = 'ArtifactNotFoundError';
  }
}

export class InvalidKeyError extends Error {
  constructor(key: string, reason: string) {
    super(`Invalid artifact key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidKeyError';
  }
}

export function assertValidKey(key: string): void {
  if (!key || key.length > 1024) throw new InvalidKeyError(key, 'must be 1-1024 characters');
  if (key.startsWith('/') || key.endsWith('/')) throw new InvalidKeyError(key, 'must not start or end with /');
  if (key.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new InvalidKeyError(key, 'must not contain empty, . or .. segments');
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\\]/.test(key)) throw new InvalidKeyError(key, 'must not contain control characters or \\');
}
