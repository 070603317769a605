import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { readAll, spoolToFile } from './hashing';
import {
  ArtifactNotFoundError,
  assertValidKey,
  type ArtifactStore,
  type ObjectInfo,
  type PutBody,
  type PutOptions,
} from './types';

interface StoredMeta {
  sha256: string;
  size: number;
  contentType: string;
  metadata: Record<string, string>;
}

/** Artifact store on a local folder: objects under objects/, their hash and metadata under meta/. */
export class FsArtifactStore implements ArtifactStore {
  readonly kind = 'fs' as const;
  private readonly objectsDir: string;
  private readonly metaDir: string;
  private readonly tmpDir: string;

  constructor(private readonly rootDir: string) {
    this.objectsDir = join(rootDir, 'objects');
    this.metaDir = join(rootDir, 'meta');
    this.tmpDir = join(rootDir, 'tmp');
  }

  uri(key: string): string {
    return `file://${join(this.objectsDir, key)}`;
  }

  async ensureReady(): Promise<void> {
    await Promise.all([this.objectsDir, this.metaDir, this.tmpDir].map((d) => mkdir(d, { recursive: true })));
  }

  async ping(): Promise<void> {
    await stat(this.objectsDir);
  }

  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<ObjectInfo> {
    assertValidKey(key);
    await this.ensureReady();
    const tmp = join(this.tmpDir, randomUUID());
    try {
      const { size, sha256 } = await spoolToFile(body, tmp);
      const meta: StoredMeta = {
        sha256,
        size,
        contentType: options.contentType ?? 'application/octet-stream',
        metadata: options.metadata ?? {},
      };
      const objectPath = join(this.objectsDir, key);
      const metaPath = `${join(this.metaDir, key)}.json`;
      await mkdir(dirname(objectPath), { recursive: true });
      await mkdir(dirname(metaPath), { recursive: true });
      // rename() is atomic within one file system, so readers see the old object or the new one, never a part.
      await writeFile(`${tmp}.meta`, JSON.stringify(meta));
      await rename(tmp, objectPath);
      await rename(`${tmp}.meta`, metaPath);
      return { key, ...meta, lastModified: (await stat(objectPath)).mtime };
    } finally {
      await rm(tmp, { force: true });
      await rm(`${tmp}.meta`, { force: true });
    }
  }

  async get(key: string): Promise<Readable> {
    assertValidKey(key);
    const path = join(this.objectsDir, key);
    try {
      if (!(await stat(path)).isFile()) throw new ArtifactNotFoundError(key, this.uri(key));
    } catch {
      throw new ArtifactNotFoundError(key, this.uri(key));
    }
    return createReadStream(path);
  }

  async getBytes(key: string): Promise<Buffer> {
    return readAll(await this.get(key));
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    assertValidKey(key);
    try {
      const [fileStat, metaText] = await Promise.all([
        stat(join(this.objectsDir, key)),
        readFile(`${join(this.metaDir, key)}.json`, 'utf8'),
      ]);
      if (!fileStat.isFile()) return undefined;
      return { key, ...(JSON.parse(metaText) as StoredMeta), lastModified: fileStat.mtime };
    } catch {
      return undefined;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Walk only the deepest folder the prefix fully names, then filter by the rest of the prefix.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const keys: string[] = [];
    await this.collectKeys(join(this.objectsDir, folder), keys);
    for (const key of keys.filter((k) => k.startsWith(prefix)).sort()) {
      const info = await this.stat(key);
      if (info) yield info;
    }
  }

  private async collectKeys(dir: string, keys: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await this.collectKeys(path, keys);
      else if (entry.isFile()) keys.push(relative(this.objectsDir, path).split(sep).join('/'));
    }
  }

  async usage(prefix = ''): Promise<{ objects: number; bytes: number }> {
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const keys: string[] = [];
    await this.collectKeys(join(this.objectsDir, folder), keys);
    const sizes = await Promise.all(
      keys.filter((k) => k.startsWith(prefix)).map(async (k) => (await stat(join(this.objectsDir, k))).size),
    );
    return { objects: sizes.length, bytes: sizes.reduce((a, b) => a + b, 0) };
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await rm(join(this.objectsDir, key), { force: true });
    await rm(`${join(this.metaDir, key)}.json`, { force: true });
  }
}
