import { spawnSync } from 'node:child_process';

/**
 * The rows of a Parquet file, read with hyparquet in a child Node process: hyparquet is ESM-only and Jest's module
 * registry cannot load it. BigInt values come back as strings.
 */
export function readParquetRows(bytes: Uint8Array): Array<Record<string, unknown>> {
  const script = `
    const chunks = [];
    process.stdin.on('data', (c) => chunks.push(c));
    process.stdin.on('end', async () => {
      const buf = Buffer.concat(chunks);
      const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
      const rows = await require('hyparquet').parquetReadObjects({ file });
      process.stdout.write(JSON.stringify(rows, (k, v) => (typeof v === 'bigint' ? String(v) : v)));
    });`;
  const out = spawnSync(process.execPath, ['-e', script], { input: Buffer.from(bytes), encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`reading Parquet failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as Array<Record<string, unknown>>;
}
