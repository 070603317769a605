import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DataError, type DataErrorCode } from '../../../lib/ml';
import { readTable, type ReadOptions } from '../../../lib/ml';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'ml');

export function fixtureStream(name: string): Readable {
  return createReadStream(join(FIXTURES, name));
}

/** Bytes as a stream of `chunkSize`-byte chunks, to exercise chunk boundaries. */
export function bytesStream(data: string | Uint8Array, chunkSize = 1 << 16): Readable {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  return Readable.from(chunks);
}

export function readFixture(name: string, options: Partial<ReadOptions> = {}) {
  return readTable({ stream: fixtureStream(name), format: name.endsWith('.jsonl') ? 'jsonl' : 'csv', ...options });
}

/** Awaits a promise expected to reject with a DataError of the given code, and returns the error. */
export async function expectDataError(promise: Promise<unknown>, code: DataErrorCode): Promise<DataError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataError);
  expect((error as DataError).code).toBe(code);
  return error as DataError;
}
