import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  PayloadDecryptionError,
  dataConverterFor,
  payloadFromJson,
  payloadToJson,
} from '../../../infra/codec';
import { ConfigError, loadConfig } from '../../../lib/config';

const keyOf = () => randomBytes(32);
const ring = (active: string, keys: Record<string, Buffer>) => ({
  activeKeyId: active,
  keyMaterial: (id: string) => keys[id],
});
const text = (bytes?: Uint8Array | null) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

describe('AesGcmPayloadCodec', () => {
  const k1 = keyOf();
  const k2 = keyOf();
  const plain: Payload = defaultPayloadConverter.toPayload({ pipeline: 'churn', secretParam: 'hunter2-marker' });

  it('round-trips a payload and leaves no plaintext in the encrypted one', async () => {
    const codec = new AesGcmPayloadCodec(ring('k1', { k1 }));
    const [encrypted] = await codec.encode([plain]);
    expect(text(encrypted?.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encrypted?.metadata?.[KEY_ID_METADATA])).toBe('k1');
    expect(Buffer.from(encrypted?.data ?? []).includes('hunter2-marker')).toBe(false);
    expect(JSON.stringify(payloadToJson(encrypted as Payload))).not.toContain(
      Buffer.from('hunter2-marker').toString('base64'),
    );
    const [decoded] = await codec.decode([encrypted as Payload]);
    expect(defaultPayloadConverter.fromPayload(decoded as Payload)).toEqual({
      pipeline: 'churn',
      secretParam: 'hunter2-marker',
    });
    expect(text(decoded?.metadata?.encoding)).toBe('json/plain');
  });

  it('uses a fresh IV for every payload', async () => {
    const codec = new AesGcmPayloadCodec(ring('k1', { k1 }));
    const [a, b] = await codec.encode([plain, plain]);
    expect(Buffer.from(a?.data ?? []).equals(Buffer.from(b?.data ?? []))).toBe(false);
  });

  it('after a rotation encrypts with the new key and still decrypts with the old one', async () => {
    const before = new AesGcmPayloadCodec(ring('k1', { k1 }));
    const after = new AesGcmPayloadCodec(ring('k2', { k1, k2 }));
    const [old] = await before.encode([plain]);
    const [fresh] = await after.encode([plain]);
    expect(text(fresh?.metadata?.[KEY_ID_METADATA])).toBe('k2');
    const decoded = await after.decode([old as Payload, fresh as Payload]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
      { pipeline: 'churn', secretParam: 'hunter2-marker' },
      { pipeline: 'churn', secretParam: 'hunter2-marker' },
    ]);
  });

  it('names the missing key when a payload was encrypted with a key that was removed', async () => {
    const [old] = await new AesGcmPayloadCodec(ring('k1', { k1 })).encode([plain]);
    const withoutK1 = new AesGcmPayloadCodec(ring('k2', { k2 }));
    await expect(withoutK1.decode([old as Payload])).rejects.toThrow(/key "k1".*not in PAYLOAD_ENCRYPTION_KEYS/);
  });

  it('refuses tampered ciphertext and a swapped key id', async () => {
    const codec = new AesGcmPayloadCodec(ring('k1', { k1, k2: k1 }));
    const [encrypted] = await codec.encode([plain]);
    const tampered = Buffer.from(encrypted?.data ?? []);
    tampered[20] = (tampered[20] as number) ^ 0xff;
    await expect(codec.decode([{ ...encrypted, data: tampered }])).rejects.toBeInstanceOf(PayloadDecryptionError);
    // Same key bytes under another id: the id is authenticated, so the swap is detected.
    const swapped = { ...encrypted, metadata: { ...encrypted?.metadata, [KEY_ID_METADATA]: Buffer.from('k2') } };
    await expect(codec.decode([swapped])).rejects.toBeInstanceOf(PayloadDecryptionError);
  });

  it('passes payloads that were never encrypted through decode unchanged', async () => {
    const codec = new AesGcmPayloadCodec(ring('k1', { k1 }));
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('survives the codec-server JSON form (base64 metadata and data)', async () => {
    const codec = new AesGcmPayloadCodec(ring('k1', { k1 }));
    const [encrypted] = await codec.encode([plain]);
    const overTheWire = payloadFromJson(JSON.parse(JSON.stringify(payloadToJson(encrypted as Payload))));
    const [decoded] = await codec.decode([overTheWire]);
    expect(defaultPayloadConverter.fromPayload(decoded as Payload)).toEqual({
      pipeline: 'churn',
      secretParam: 'hunter2-marker',
    });
  });
});

describe('encryption configuration', () => {
  const b64 = (b: Buffer) => b.toString('base64');
  const secret = keyOf();

  it('is off without PAYLOAD_ENCRYPTION_KEYS', () => {
    expect(dataConverterFor(loadConfig({}).temporal)).toBeUndefined();
  });

  it('uses the first listed key unless PAYLOAD_ENCRYPTION_ACTIVE_KEY says otherwise', () => {
    const config = loadConfig({ PAYLOAD_ENCRYPTION_KEYS: `k2:${b64(secret)},k1:${b64(keyOf())}` });
    expect(config.temporal.encryption?.activeKeyId).toBe('k2');
    expect(config.temporal.encryption?.keyIds).toEqual(['k2', 'k1']);
    expect(config.temporal.encryption?.keyMaterial('k2')?.equals(secret)).toBe(true);
    expect(dataConverterFor(config.temporal)?.payloadCodecs).toHaveLength(1);
    const pinned = loadConfig({
      PAYLOAD_ENCRYPTION_KEYS: `k2:${b64(secret)},k1:${b64(keyOf())}`,
      PAYLOAD_ENCRYPTION_ACTIVE_KEY: 'k1',
    });
    expect(pinned.temporal.encryption?.activeKeyId).toBe('k1');
  });

  it('never shows key bytes when the config is serialised', () => {
    const config = loadConfig({ PAYLOAD_ENCRYPTION_KEYS: `k1:${b64(secret)}` });
    expect(JSON.stringify(config)).not.toContain(b64(secret));
  });

  it.each([
    [
      'a 16-byte key',
      { PAYLOAD_ENCRYPTION_KEYS: `k1:${b64(randomBytes(16))}` },
      /key "k1" is 16 bytes, AES-256 needs 32/,
    ],
    ['a duplicate id', { PAYLOAD_ENCRYPTION_KEYS: `k1:${b64(secret)},k1:${b64(secret)}` }, /"k1" is listed twice/],
    [
      'an unknown active key',
      { PAYLOAD_ENCRYPTION_KEYS: `k1:${b64(secret)}`, PAYLOAD_ENCRYPTION_ACTIVE_KEY: 'k9' },
      /k9.*not one of the ids/,
    ],
    ['an active key without keys', { PAYLOAD_ENCRYPTION_ACTIVE_KEY: 'k1' }, /PAYLOAD_ENCRYPTION_KEYS is not/],
    [
      'a malformed list',
      { PAYLOAD_ENCRYPTION_KEYS: `no-colon-${b64(secret)}` },
      /PAYLOAD_ENCRYPTION_KEYS=\[redacted\]/,
    ],
  ])('rejects %s with one line naming the variable and no key material', (_label, env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(b64(secret));
    expect((error as Error).message.split('\n')).toHaveLength(1);
  });
});
