import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { ArtifactNotFoundError, InvalidKeyError, readAll, type ArtifactStore } from '../../../lib/store';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function collect(iterable: AsyncIterable<{ key: string }>): Promise<string[]> {
  const keys: string[] = [];
  for await (const item of iterable) keys.push(item.key);
  return keys;
}

/** The one definition of artifact-store semantics; every adapter runs it. */
export function artifactStoreContract(makeStore: () => Promise<ArtifactStore>): void {
  let store: ArtifactStore;
  let prefix: string;

  beforeAll(async () => {
    store = await makeStore();
    await store.ensureReady();
  });
  beforeEach(() => {
    prefix = `contract/${randomUUID()}`;
  });

  it('puts bytes and records their SHA-256, size, content type and metadata', async () => {
    const body = Buffer.from('a,b\n1,2\n');
    const info = await store.put(`${prefix}/data.csv`, body, { contentType: 'text/csv', metadata: { source: 'x' } });
    expect(info.sha256).toBe(sha(body));
    expect(info.size).toBe(body.length);
    const stat = await store.stat(`${prefix}/data.csv`);
    expect(stat).toMatchObject({ sha256: sha(body), size: body.length, contentType: 'text/csv' });
    expect(stat?.metadata.source).toBe('x');
    expect(await store.getBytes(`${prefix}/data.csv`)).toEqual(body);
  });

  it('streams a multi-megabyte body in and out unchanged', async () => {
    const chunks = Array.from({ length: 40 }, () => randomBytes(256 * 1024));
    const whole = Buffer.concat(chunks);
    const info = await store.put(`${prefix}/big.bin`, Readable.from(chunks));
    expect(info).toMatchObject({ size: whole.length, sha256: sha(whole) });
    const back = await readAll(await store.get(`${prefix}/big.bin`));
    expect(sha(back)).toBe(sha(whole));
    expect((await store.stat(`${prefix}/big.bin`))?.sha256).toBe(sha(whole));
  });

  it('replaces an existing object', async () => {
    await store.put(`${prefix}/k`, 'one');
    await store.put(`${prefix}/k`, 'two');
    expect((await store.getBytes(`${prefix}/k`)).toString()).toBe('two');
    expect((await store.stat(`${prefix}/k`))?.sha256).toBe(sha(Buffer.from('two')));
  });

  it('lists by prefix, recursively and in key order', async () => {
    await store.put(`${prefix}/b/2.txt`, '2');
    await store.put(`${prefix}/a.txt`, 'a');
    await store.put(`${prefix}/b/1.txt`, '1');
    await store.put(`${prefix}-other/x.txt`, 'x');
    expect(await collect(store.list(`${prefix}/`))).toEqual([
      `${prefix}/a.txt`,
      `${prefix}/b/1.txt`,
      `${prefix}/b/2.txt`,
    ]);
    expect(await collect(store.list(`${prefix}/b/`))).toEqual([`${prefix}/b/1.txt`, `${prefix}/b/2.txt`]);
    expect(await collect(store.list(`${prefix}/nothing/`))).toEqual([]);
  });

  it('reports a missing key as absent / not found', async () => {
    expect(await store.stat(`${prefix}/missing`)).toBeUndefined();
    await expect(store.get(`${prefix}/missing`)).rejects.toBeInstanceOf(ArtifactNotFoundError);
  });

  it('deletes idempotently', async () => {
    await store.put(`${prefix}/gone`, 'x');
    await store.delete(`${prefix}/gone`);
    await store.delete(`${prefix}/gone`);
    expect(await store.stat(`${prefix}/gone`)).toBeUndefined();
  });

  it('rejects keys that could escape the store', async () => {
    for (const key of ['../etc/passwd', '/abs', 'a//b', 'a/./b', 'trailing/', '']) {
      await expect(store.put(key, 'x')).rejects.toBeInstanceOf(InvalidKeyError);
    }
  });

  it('reports object count and bytes under a prefix', async () => {
    await store.put(`${prefix}/u/a`, 'abc');
    await store.put(`${prefix}/u/b`, Buffer.alloc(1000));
    await store.put(`${prefix}/other`, 'x');
    expect(await store.usage(`${prefix}/u/`)).toEqual({ objects: 2, bytes: 1003 });
    expect((await store.usage(`${prefix}/`)).objects).toBe(3);
  });

  it('answers ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
}
