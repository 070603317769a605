import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Db } from '../../lib/db';
import type { Dataset } from '../../lib/ml';
import type { BlockLayout } from '../../lib/ml/out-of-core/block-order';
import { ShardWriter, type ShardedSplit } from '../../lib/ml/out-of-core/shards';
import { abtFeatureColumns } from '../data/abt';
import { SPLIT_CODES, type SplitName } from '../data/clean-rows';

export interface AbtSplit extends Dataset {
  rowIds: Int32Array;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** PostgreSQL's binary COPY signature (11 bytes), then flags (int32) and header extension length (int32). */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * Reads one split of the ABT as model-ready arrays (x row-major float32, y class index or target), in row order.
 * Columns come from the same naming function that wrote them, so training sees exactly the fitted features.
 *
 * The rows are streamed out with a binary COPY and decoded straight into typed arrays sized by a count first: no
 * JS object per row or per cell (a split of rows × columns as objects was several times the arrays' size), and
 * memory is the arrays plus one COPY chunk. The ABT's columns are `row_id bigint`, `y double precision` and
 * `real` features, all NOT NULL (activities/data/abt.ts).
 */
export async function readAbtSplit(
  db: Db,
  input: { table: string; featureNames: string[]; split: SplitName; classification: boolean },
): Promise<AbtSplit> {
  const width = abtFeatureColumns(input.featureNames).length;
  const rowCount = await countSplitRows(db, input.table, input.split);
  const x = new Float32Array(rowCount * width);
  const y = input.classification ? new Int32Array(rowCount) : new Float32Array(rowCount);
  const rowIds = new Int32Array(rowCount);
  const read = await copySplitRows(db, input, (i, rowId, target, fields, at) => {
    if (i >= rowCount) throw new Error(`${input.table}: the ${input.split} split grew while it was read`);
    rowIds[i] = rowId;
    y[i] = target;
    const base = i * width;
    for (let j = 0; j < width; j += 1) x[base + j] = fields.readFloatBE(at + j * 8 + 4);
  });
  if (read !== rowCount)
    throw new Error(`${input.table}: read ${read} rows of the ${input.split} split, counted ${rowCount}`);
  return { x, y, rowCount, featureCount: width, rowIds };
}

/** Rows of each split (codes of SPLIT_CODES) of an ABT. */
export async function countSplitRows(db: Db, table: string, split: SplitName): Promise<number> {
  const counted = (await db.raw(`select count(*)::int as n from ${qualified(table)} where split = ?`, [
    SPLIT_CODES[split],
  ])) as { rows: Array<{ n: number }> };
  return counted.rows[0]?.n ?? 0;
}

/**
 * Writes one split of the ABT to local disk in row order (lib/ml/out-of-core/shards.ts), streamed from the same
 * binary COPY: memory is one block and one COPY chunk whatever the split's size. Out-of-core training reads it back
 * in blocks, in a seeded order.
 */
export async function writeAbtSplitShards(
  db: Db,
  input: { table: string; featureNames: string[]; split: SplitName; classification: boolean; dir: string } & Omit<
    BlockLayout,
    'rowCount'
  >,
): Promise<ShardedSplit> {
  const width = abtFeatureColumns(input.featureNames).length;
  const writer = new ShardWriter({ ...input, featureCount: width });
  try {
    await copySplitRows(db, input, (_i, _rowId, target, fields, at) => {
      const { x } = writer;
      const base = writer.base();
      for (let j = 0; j < width; j += 1) x[base + j] = fields.readFloatBE(at + j * 8 + 4);
      writer.commit(target);
    });
    return writer.finish(input.windowBlocks);
  } finally {
    writer.close();
  }
}

function qualified(table: string): string {
  return table.split('.').map(quoteIdent).join('.');
}

/** Streams a split's rows (row_id order) through a binary COPY into `onRow`; returns the number of rows. */
async function copySplitRows(
  db: Db,
  input: { table: string; featureNames: string[]; split: SplitName },
  onRow: ConstructorParameters<typeof BinaryRowDecoder>[1],
): Promise<number> {
  const columns = abtFeatureColumns(input.featureNames);
  // `split` is one of SPLIT_CODES' integers: COPY takes no bind parameters.
  const sql =
    `COPY (select row_id, y, ${columns.map(quoteIdent).join(', ')} from ${qualified(input.table)} ` +
    `where split = ${Number(SPLIT_CODES[input.split])} order by row_id) TO STDOUT WITH (FORMAT binary)`;
  const client = (await db.client.acquireConnection()) as PoolClient;
  try {
    const decoder = new BinaryRowDecoder(columns.length, onRow);
    for await (const chunk of client.query(copyTo(sql))) decoder.push(chunk as Buffer);
    return decoder.end();
  } finally {
    await db.client.releaseConnection(client);
  }
}

/**
 * Decodes binary COPY rows of (int8, float8, float4 × width), all NOT NULL, across chunk boundaries. `onRow` gets the
 * row's index, row id and target, and the buffer and offset of its first feature field (each feature field is a
 * 4-byte length then 4 bytes of float4).
 */
export class BinaryRowDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private headerDone = false;
  private finished = false;
  private rows = 0;
  private readonly rowBytes: number;

  constructor(
    private readonly width: number,
    private readonly onRow: (i: number, rowId: number, y: number, fields: Buffer, at: number) => void,
  ) {
    // field count, then (length, value) for row_id (8), y (8) and each feature (4).
    this.rowBytes = 2 + (4 + 8) + (4 + 8) + width * (4 + 4);
  }

  push(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    if (!this.headerDone) {
      if (buf.length < SIGNATURE.length + 8) {
        this.pending = buf;
        return;
      }
      if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
      const extension = buf.readInt32BE(SIGNATURE.length + 4);
      if (buf.length < SIGNATURE.length + 8 + extension) {
        this.pending = buf;
        return;
      }
      at = SIGNATURE.length + 8 + extension;
      this.headerDone = true;
    }
    while (buf.length - at >= 2) {
      const fields = buf.readInt16BE(at);
      if (fields === -1) {
        this.finished = true;
        at += 2;
        break;
      }
      if (fields !== this.width + 2) throw new Error(`binary COPY row of ${fields} fields, expected ${this.width + 2}`);
      if (buf.length - at < this.rowBytes) break;
      if (buf.readInt32BE(at + 2) !== 8 || buf.readInt32BE(at + 14) !== 8) throw new Error('unexpected NULL or type');
      const rowId = Number(buf.readBigInt64BE(at + 6));
      const y = buf.readDoubleBE(at + 18);
      const first = at + 26;
      for (let j = 0; j < this.width; j += 1) {
        if (buf.readInt32BE(first + j * 8) !== 4) throw new Error('unexpected NULL or type in a feature column');
      }
      this.onRow(this.rows, rowId, y, buf, first);
      this.rows += 1;
      at += this.rowBytes;
    }
    buf = buf.subarray(at);
    // Keep only the incomplete tail (a copy, so the chunk it came from can be freed).
    this.pending = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  }

  /** Rows decoded; throws when the stream ended before its trailer. */
  end(): number {
    if (!this.finished || this.pending.length) throw new Error('the binary COPY stream ended early');
    return this.rows;
  }
}
