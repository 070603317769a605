import type { DataConverter, PayloadCodec } from '@temporalio/common';
import type { AppConfig } from '../../lib/config';
import { AesGcmPayloadCodec } from './aes-gcm-codec';

export { AesGcmPayloadCodec, PayloadDecryptionError, ENCRYPTED_ENCODING, KEY_ID_METADATA } from './aes-gcm-codec';
export { payloadFromJson, payloadToJson, type JsonPayload } from './payload-bytes';

/** The payload codec the configuration asks for: AES-256-GCM when PAYLOAD_ENCRYPTION_KEYS is set, else none. */
export function loadPayloadCodec(temporal: AppConfig['temporal']): PayloadCodec | undefined {
  return temporal.encryption ? new AesGcmPayloadCodec(temporal.encryption) : undefined;
}

/**
 * The data converter every Temporal client and worker of this project uses, so that both sides agree on the
 * encryption: pass it as `dataConverter` to `new Client(...)` and `Worker.create(...)`.
 */
export function dataConverterFor(temporal: AppConfig['temporal']): DataConverter | undefined {
  const codec = loadPayloadCodec(temporal);
  return codec ? { payloadCodecs: [codec] } : undefined;
}
