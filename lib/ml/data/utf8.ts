import { isUtf8 } from 'node:buffer';
import { DataError } from '../errors';

/** Bytes at the end of `data` that start a multi-byte character whose remaining bytes are in the next chunk. */
function incompleteTailLength(data: Uint8Array): number {
  for (let k = 1; k <= Math.min(3, data.length); k++) {
    const byte = data[data.length - k] as number;
    if ((byte & 0xc0) === 0x80) continue;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > k ? k : 0;
  }
  return 0;
}

function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Index of the first byte that is not valid UTF-8 (slow path, only run once a chunk is known to be bad). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    const length = sequenceLength(lead);
    if (length === 0 || i + length > bytes.length) return i;
    const second = bytes[i + 1] ?? 0;
    // Overlong three/four-byte forms, UTF-16 surrogates and code points above U+10FFFF are invalid.
    if (lead === 0xe0 && second < 0xa0) return i;
    if (lead === 0xed && second > 0x9f) return i;
    if (lead === 0xf0 && second < 0x90) return i;
    if (lead === 0xf4 && second > 0x8f) return i;
    for (let k = 1; k < length; k++) {
      if (((bytes[i + k] as number) & 0xc0) !== 0x80) return i;
    }
    i += length;
  }
  return bytes.length;
}

function countNewlines(bytes: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) count++;
  return count;
}

function invalidUtf8(bytes: Buffer, offsetBefore: number, lineBefore: number): DataError {
  const at = firstInvalidUtf8(bytes);
  const line = lineBefore + countNewlines(bytes.subarray(0, at));
  const byteOffset = offsetBefore + at;
  return new DataError({
    code: 'INVALID_UTF8',
    message:
      `Invalid UTF-8 at byte offset ${byteOffset} (line ${line}, byte 0x${(bytes[at] ?? 0).toString(16)}). ` +
      'The file must be UTF-8 encoded: re-export it as UTF-8 (e.g. `iconv -f latin1 -t utf-8`).',
    details: { line, byteOffset },
  });
}

/** PostgreSQL text cannot hold U+0000, so a NUL byte would fail the ABT load much later with a raw SQL error. */
function nulByte(bytes: Buffer, at: number, offsetBefore: number, lineBefore: number): DataError {
  const line = lineBefore + countNewlines(bytes.subarray(0, at));
  return new DataError({
    code: 'NUL_BYTE',
    message:
      `NUL byte (0x00) at byte offset ${offsetBefore + at} (line ${line}): text data cannot contain NUL characters. ` +
      'The file is probably binary or UTF-16 encoded: re-export it as UTF-8 text, or strip the NULs (`tr -d "\\000"`).',
    details: { line, byteOffset: offsetBefore + at },
  });
}

/**
 * Decodes a byte stream as strict UTF-8, chunk by chunk, without holding more than one chunk. A leading BOM is
 * dropped. Invalid bytes and NUL bytes raise a DataError with their byte offset and line, instead of being replaced silently
 * (or failing the load into PostgreSQL later).
 * String chunks (already decoded) pass through.
 */
export async function* decodeUtf8(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  let carry: Buffer = Buffer.alloc(0);
  let offset = 0;
  let line = 1;
  let first = true;
  for await (const chunk of source) {
    let text: string;
    if (typeof chunk === 'string') {
      text = chunk;
      const nul = text.indexOf('\u0000');
      if (nul !== -1) {
        const before = Buffer.from(text.slice(0, nul));
        throw nulByte(Buffer.concat([before, Buffer.from([0])]), before.length, offset, line);
      }
    } else {
      const data =
        carry.length > 0
          ? Buffer.concat([carry, chunk])
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const cut = data.length - incompleteTailLength(data);
      const body = data.subarray(0, cut);
      if (!isUtf8(body)) throw invalidUtf8(body, offset, line);
      const nul = body.indexOf(0);
      if (nul !== -1) throw nulByte(body, nul, offset, line);
      line += countNewlines(body);
      offset += cut;
      carry = Buffer.from(data.subarray(cut));
      text = body.toString('utf8');
    }
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.length > 0) yield text;
  }
  if (carry.length > 0) throw invalidUtf8(carry, offset, line);
}
