import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { payloadFromBytes, payloadToBytes } from './payload-bytes';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class PayloadDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

export interface KeyRing {
  activeKeyId: string;
  keyMaterial(id: string): Buffer | undefined;
}

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

/**
 * AES-256-GCM over whole payloads. The key id travels in the payload's metadata, so after a rotation the new key
 * encrypts and every older key still listed keeps decrypting existing histories. Payloads that were never
 * encrypted pass through decode unchanged (histories from before encryption was switched on stay readable).
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keys: KeyRing) {
    if (!keys.keyMaterial(keys.activeKeyId))
      throw new Error(`Active payload key "${keys.activeKeyId}" is not in the key ring`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const keyId = this.keys.activeKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, this.keys.keyMaterial(keyId) as Buffer, iv);
    // Binding the key id as associated data makes a swapped metadata value fail authentication.
    cipher.setAAD(Buffer.from(keyId, 'utf8'));
    const sealed = Buffer.concat([iv, cipher.update(payloadToBytes(payload)), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        encoding: utf8(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: utf8(keyId),
        [CIPHER_METADATA]: utf8('AES-256-GCM'),
      },
      data: new Uint8Array(sealed),
    };
  }

  private decrypt(payload: Payload): Payload {
    const metadata = payload.metadata ?? {};
    if (!metadata.encoding || Buffer.from(metadata.encoding).toString('utf8') !== ENCRYPTED_ENCODING) return payload;
    const keyId = metadata[KEY_ID_METADATA] ? Buffer.from(metadata[KEY_ID_METADATA]).toString('utf8') : '';
    const key = this.keys.keyMaterial(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `Payload was encrypted with key "${keyId}", which is not in PAYLOAD_ENCRYPTION_KEYS: add it back to decrypt old histories.`,
      );
    }
    const sealed = Buffer.from(payload.data ?? new Uint8Array());
    if (sealed.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError('Encrypted payload is truncated');
    const decipher = createDecipheriv(CIPHER, key, sealed.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(keyId, 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      const plain = Buffer.concat([
        decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return payloadFromBytes(plain);
    } catch (err) {
      if (err instanceof PayloadDecryptionError) throw err;
      throw new PayloadDecryptionError(
        `Payload failed authentication with key "${keyId}" (wrong key or tampered data)`,
      );
    }
  }
}
