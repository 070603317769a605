import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Client as MinioClient } from 'minio';
import { readAll, sha256Hex, spoolToFile } from './hashing';
import {
  ArtifactNotFoundError,
  assertValidKey,
  type ArtifactStore,
  type ObjectInfo,
  type PutBody,
  type PutOptions,
} from './types';

export interface S3StoreOptions {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  bucket: string;
}

const SHA_META = 'sha256';

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchBucket';
}

/** Artifact store on any S3 server (MinIO, SeaweedFS, AWS) through the minio client, path-style. */
export class S3ArtifactStore implements ArtifactStore {
  readonly kind = 's3' as const;
  readonly client: MinioClient;
  readonly bucket: string;

  constructor(options: S3StoreOptions) {
    const url = new URL(options.endpoint);
    this.client = new MinioClient({
      endPoint: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      useSSL: url.protocol === 'https:',
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: options.region,
      pathStyle: true,
    });
    this.bucket = options.bucket;
  }

  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async ensureReady(): Promise<void> {
    if (!(await this.client.bucketExists(this.bucket))) {
      try {
        await this.client.makeBucket(this.bucket);
      } catch (err) {
        // Another process created it between the check and the call.
        if ((err as { code?: string }).code !== 'BucketAlreadyOwnedByYou') throw err;
      }
    }
  }

  async ping(): Promise<void> {
    await this.client.bucketExists(this.bucket);
  }

  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<ObjectInfo> {
    assertValidKey(key);
    const contentType = options.contentType ?? 'application/octet-stream';
    const metadata = options.metadata ?? {};
    if (typeof body === 'string' || body instanceof Uint8Array) {
      const bytes = Buffer.from(body);
      const sha256 = sha256Hex(bytes);
      await this.client.putObject(this.bucket, key, bytes, bytes.length, this.headers(contentType, metadata, sha256));
      return { key, size: bytes.length, sha256, contentType, metadata, lastModified: new Date() };
    }
    // S3 metadata travels in the request headers, before the body: a stream's hash is only known at its end,
    // so the stream is spooled to a temp file (hashing on the way) and uploaded with its hash from there.
    const tmp = join(tmpdir(), `mlops-upload-${randomUUID()}`);
    try {
      const { size, sha256 } = await spoolToFile(body, tmp);
      const headers = this.headers(contentType, metadata, sha256);
      await this.client.putObject(this.bucket, key, createReadStream(tmp), size, headers);
      return { key, size, sha256, contentType, metadata, lastModified: new Date() };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  private headers(contentType: string, metadata: Record<string, string>, sha256: string): Record<string, string> {
    const userMeta = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`x-amz-meta-${k.toLowerCase()}`, v]));
    return { 'Content-Type': contentType, ...userMeta, [`x-amz-meta-${SHA_META}`]: sha256 };
  }

  async get(key: string): Promise<Readable> {
    assertValidKey(key);
    try {
      return await this.client.getObject(this.bucket, key);
    } catch (err) {
      if (isNotFound(err)) throw new ArtifactNotFoundError(key, this.uri(key));
      throw err;
    }
  }

  async getBytes(key: string): Promise<Buffer> {
    return readAll(await this.get(key));
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    assertValidKey(key);
    try {
      const s = await this.client.statObject(this.bucket, key);
      const meta = s.metaData as Record<string, string>;
      const { [SHA_META]: sha256 = '', 'content-type': contentType = 'application/octet-stream', ...rest } = meta;
      return { key, size: s.size, sha256, contentType, metadata: rest, lastModified: s.lastModified };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const names: string[] = [];
    for await (const item of this.client.listObjectsV2(this.bucket, prefix, true)) {
      const name = (item as { name?: string }).name;
      if (name) names.push(name);
    }
    for (const name of names.sort()) {
      const info = await this.stat(name);
      if (info) yield info;
    }
  }

  async usage(prefix = ''): Promise<{ objects: number; bytes: number }> {
    let objects = 0;
    let bytes = 0;
    for await (const item of this.client.listObjectsV2(this.bucket, prefix, true)) {
      const { name, size } = item as { name?: string; size?: number };
      if (!name) continue;
      objects += 1;
      bytes += size ?? 0;
    }
    return { objects, bytes };
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.client.removeObject(this.bucket, key);
  }
}
