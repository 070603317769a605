import type { Payload } from '@temporalio/common';

// The plaintext sealed inside an encrypted payload: the original payload's metadata and data, versioned so the
// format can change without losing old histories. Own format rather than the protobuf one so that the codec
// depends only on @temporalio/common.
const FORMAT_V1 = 1;

export function payloadToBytes(payload: Payload): Buffer {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) {
    metadata[key] = Buffer.from(value).toString('base64');
  }
  const metadataBytes = Buffer.from(JSON.stringify(metadata), 'utf8');
  const header = Buffer.alloc(5);
  header.writeUInt8(FORMAT_V1, 0);
  header.writeUInt32BE(metadataBytes.length, 1);
  return Buffer.concat([header, metadataBytes, Buffer.from(payload.data ?? new Uint8Array())]);
}

export function payloadFromBytes(bytes: Buffer): Payload {
  if (bytes.length < 5 || bytes.readUInt8(0) !== FORMAT_V1) {
    throw new Error(
      `Decrypted payload has an unknown format (version byte ${bytes.length ? bytes.readUInt8(0) : 'missing'})`,
    );
  }
  const metadataLength = bytes.readUInt32BE(1);
  const metadataEnd = 5 + metadataLength;
  const encoded = JSON.parse(bytes.subarray(5, metadataEnd).toString('utf8')) as Record<string, string>;
  const metadata: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(encoded)) metadata[key] = new Uint8Array(Buffer.from(value, 'base64'));
  return { metadata, data: new Uint8Array(bytes.subarray(metadataEnd)) };
}

/** A payload as the Temporal UI's codec-server protocol carries it (proto3 JSON: bytes as base64). */
export interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

export function payloadFromJson(json: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(json.metadata ?? {})) {
    metadata[key] = new Uint8Array(Buffer.from(value, 'base64'));
  }
  return { metadata, data: new Uint8Array(Buffer.from(json.data ?? '', 'base64')) };
}

export function payloadToJson(payload: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) {
    metadata[key] = Buffer.from(value).toString('base64');
  }
  return { metadata, data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') };
}
