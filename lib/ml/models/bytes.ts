import { MlError } from '../errors';

/**
 * Byte container for model artefacts and checkpoints: 4-byte magic, uint32 format version, uint32 header length, a
 * UTF-8 JSON header, zero padding to an 8-byte boundary, then the binary payload (float32 weights). Nothing in it
 * depends on time or machine, so the same content always gives the same bytes (and the same SHA-256).
 */
export function encodeContainer(args: {
  magic: string;
  version: number;
  header: unknown;
  payload: readonly Uint8Array[];
}): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify(args.header));
  const start = Math.ceil((12 + header.length) / 8) * 8;
  const payloadLength = args.payload.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(start + payloadLength);
  out.set(new TextEncoder().encode(args.magic.padEnd(4).slice(0, 4)), 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, args.version, true);
  view.setUint32(8, header.length, true);
  out.set(header, 12);
  let offset = start;
  for (const part of args.payload) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** Reads a container of one of the accepted format `versions` (a single number: only that one). */
export function decodeContainer(args: {
  bytes: Uint8Array;
  magic: string;
  version: number | readonly number[];
  what: string;
}): {
  version: number;
  header: unknown;
  payload: Uint8Array;
} {
  const { bytes } = args;
  const invalid = (why: string) =>
    new MlError({
      code: 'INVALID_ARTIFACT',
      message: `Not a valid ${args.what}: ${why}. The bytes may be truncated or of another kind.`,
    });
  if (bytes.byteLength < 12) throw invalid('too short');
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== args.magic) throw invalid(`magic "${magic}" instead of "${args.magic}"`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  const accepted = typeof args.version === 'number' ? [args.version] : args.version;
  if (!accepted.includes(version)) throw invalid(`format version ${version}, this code reads ${accepted.join(', ')}`);
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.byteLength) throw invalid('header runs past the end');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  } catch {
    throw invalid('header is not JSON');
  }
  const start = Math.ceil((12 + headerLength) / 8) * 8;
  return { version, header, payload: bytes.slice(start) };
}

/** Float32 arrays ↔ bytes (little-endian, as every supported platform). */
export function floatBytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

export function readFloats(payload: Uint8Array, offset: number, count: number): Float32Array {
  return new Float32Array(payload.buffer.slice(payload.byteOffset + offset, payload.byteOffset + offset + count * 4));
}
