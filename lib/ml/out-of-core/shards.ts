import { closeSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MlError } from '../errors';
import type { Dataset } from '../features/dataset';
import { blockRowRange, type BlockLayout } from './block-order';

/**
 * A split written once to local disk for out-of-core training: `x.f32` holds the rows' features (row-major float32)
 * and `y.bin` the targets (int32 class indices or float32 values), both in the machine's byte order, exactly the bytes
 * the in-memory arrays would hold. Plain JSON, so it crosses to a training thread; the thread reads blocks itself.
 */
export interface ShardedSplit extends BlockLayout {
  format: 'shards';
  dir: string;
  featureCount: number;
  classification: boolean;
  /** Classification: rows per class index (for class weights); null for regression. */
  classCounts: number[] | null;
  /** Regression: mean and population standard deviation of y; null for classification. */
  targetMoments: { mean: number; std: number } | null;
}

/** A split as training receives it: arrays in memory, or shards streamed in blocks. */
export type TrainingData = Dataset | ShardedSplit;

export function isSharded(data: TrainingData): data is ShardedSplit {
  return (data as ShardedSplit).format === 'shards';
}

export const shardFiles = (dir: string) => ({ x: join(dir, 'x.f32'), y: join(dir, 'y.bin') });

/**
 * Writes a split row by row: fill `x` at `base()` (featureCount values) and call `commit(y)`; a full block goes to disk
 * synchronously, so memory is one block whatever the split's size. `finish()` returns the descriptor.
 */
export class ShardWriter {
  readonly x: Float32Array;
  private readonly y: Int32Array | Float32Array;
  private filled = 0;
  private rows = 0;
  private readonly fx: number;
  private readonly fy: number;
  private readonly counts: number[] = [];
  private mean = 0;
  private m2 = 0;
  private closed = false;

  constructor(
    private readonly args: { dir: string; featureCount: number; blockRows: number; classification: boolean },
  ) {
    mkdirSync(args.dir, { recursive: true });
    const files = shardFiles(args.dir);
    this.x = new Float32Array(args.blockRows * args.featureCount);
    this.y = args.classification ? new Int32Array(args.blockRows) : new Float32Array(args.blockRows);
    this.fx = openSync(files.x, 'w');
    this.fy = openSync(files.y, 'w');
  }

  /** Offset in `x` where the next row's features go. */
  base(): number {
    return this.filled * this.args.featureCount;
  }

  commit(y: number): void {
    if (this.args.classification) {
      if (!Number.isInteger(y) || y < 0 || y > 1_000_000) {
        throw new MlError({ code: 'INVALID_INPUT', message: `Class index ${y} is not a valid class index.` });
      }
      this.counts[y] = (this.counts[y] ?? 0) + 1;
    } else {
      if (!Number.isFinite(y))
        throw new MlError({ code: 'INVALID_INPUT', message: `Regression target ${y} is not a finite number.` });
      const delta = y - this.mean;
      this.mean += delta / (this.rows + 1);
      this.m2 += delta * (y - this.mean);
    }
    this.y[this.filled] = y;
    this.filled += 1;
    this.rows += 1;
    if (this.filled === this.args.blockRows) this.flush();
  }

  private flush(): void {
    if (this.filled === 0) return;
    const x = this.x.subarray(0, this.filled * this.args.featureCount);
    writeSync(this.fx, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    const y = this.y.subarray(0, this.filled);
    writeSync(this.fy, new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
    this.filled = 0;
  }

  /** Flushes the last block and closes the files. `windowBlocks`: blocks the trainer holds in memory together. */
  finish(windowBlocks: number): ShardedSplit {
    this.close();
    const { dir, featureCount, blockRows, classification } = this.args;
    const std = this.rows > 0 ? Math.sqrt(this.m2 / this.rows) : 0;
    return {
      format: 'shards',
      dir,
      rowCount: this.rows,
      featureCount,
      blockRows,
      windowBlocks,
      classification,
      classCounts: classification ? Array.from(this.counts, (n) => n ?? 0) : null,
      targetMoments: classification ? null : { mean: this.mean, std: std > 0 ? std : 1 },
    };
  }

  /** Closes the files (also after a failure); idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.flush();
    } finally {
      closeSync(this.fx);
      closeSync(this.fy);
    }
  }
}

function readInto(path: string, target: Uint8Array, position: number): void {
  const fd = openSync(path, 'r');
  try {
    let done = 0;
    while (done < target.byteLength) {
      const n = readSync(fd, target, done, target.byteLength - done, position + done);
      if (n === 0) throw new Error(`${path} is shorter than its descriptor says: the training cache was truncated`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** The rows of the given blocks, concatenated in that order, as one in-memory dataset. */
export function readShardBlocks(split: ShardedSplit, blocks: readonly number[]): Dataset {
  const ranges = blocks.map((b) => blockRowRange(split, b));
  const rowCount = ranges.reduce((n, r) => n + (r.end - r.start), 0);
  const width = split.featureCount;
  const x = new Float32Array(rowCount * width);
  const y = split.classification ? new Int32Array(rowCount) : new Float32Array(rowCount);
  const files = shardFiles(split.dir);
  let at = 0;
  for (const { start, end } of ranges) {
    const rows = end - start;
    const xs = x.subarray(at * width, (at + rows) * width);
    readInto(files.x, new Uint8Array(xs.buffer, xs.byteOffset, xs.byteLength), start * width * 4);
    const ys = y.subarray(at, at + rows);
    readInto(files.y, new Uint8Array(ys.buffer, ys.byteOffset, ys.byteLength), start * 4);
    at += rows;
  }
  return { x, y, rowCount, featureCount: width };
}

/** Passes the files' bytes in order (x, then y) to `visit` a chunk at a time: fingerprints without loading a split. */
export function forEachShardChunk(split: ShardedSplit, visit: (bytes: Uint8Array) => void): void {
  const chunk = new Uint8Array(8 << 20);
  const files = shardFiles(split.dir);
  for (const [path, size] of [
    [files.x, split.rowCount * split.featureCount * 4],
    [files.y, split.rowCount * 4],
  ] as const) {
    for (let position = 0; position < size; position += chunk.byteLength) {
      const part = chunk.subarray(0, Math.min(chunk.byteLength, size - position));
      readInto(path, part, position);
      visit(part);
    }
  }
}
