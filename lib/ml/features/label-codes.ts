import { cellKey, detachText } from '../data/cells';
import type { Column } from '../data/types';
import { MlError } from '../errors';

/**
 * The label of every row as a small integer, classes in code-unit order of their keys (the order a stratified split
 * visits them in). One byte per row for up to 256 classes: a 30M-row dataset's labels take 30 MB, not 30M strings.
 */
export interface LabelCodes {
  classes: string[];
  codes: Uint8Array | Int32Array;
}

/** Collects label codes batch by batch (e.g. of the rows validation accepts), so no later pass has to read them. */
export class LabelCodeCollector {
  private codes = new Int32Array(1 << 16);
  private count = 0;
  private readonly dictionary = new Map<string, number>();

  get rows(): number {
    return this.count;
  }

  /** Adds the labels of `rows` (indices into `column`, in order); a missing label counts as the class ''. */
  add(column: Column, rows: ArrayLike<number>): void {
    if (this.codes.length < this.count + rows.length) {
      const grown = new Int32Array(Math.max(this.codes.length * 2, this.count + rows.length));
      grown.set(this.codes.subarray(0, this.count));
      this.codes = grown;
    }
    const keyOf = cellKey;
    for (let k = 0; k < rows.length; k++) {
      const key = keyOf(column, rows[k] as number) ?? '';
      let code = this.dictionary.get(key);
      if (code === undefined) this.dictionary.set(detachText(key), (code = this.dictionary.size));
      this.codes[this.count++] = code;
    }
  }

  finish(): LabelCodes {
    const classes = [...this.dictionary.keys()].sort();
    const rank = new Int32Array(this.dictionary.size);
    classes.forEach((key, i) => (rank[this.dictionary.get(key) as number] = i));
    const codes = classes.length <= 256 ? new Uint8Array(this.count) : new Int32Array(this.count);
    for (let i = 0; i < this.count; i++) codes[i] = rank[this.codes[i] as number] as number;
    return { classes, codes };
  }
}

const MAGIC = 0x4d4c4c43; // "MLLC"

/** Bytes of label codes: magic, JSON header length, JSON header, then the codes (little-endian). */
export function encodeLabelCodes(labels: LabelCodes): Uint8Array {
  const width = labels.codes.BYTES_PER_ELEMENT;
  const header = Buffer.from(JSON.stringify({ classes: labels.classes, width, rows: labels.codes.length }), 'utf8');
  const out = Buffer.alloc(8 + header.length + labels.codes.byteLength);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(header.length, 4);
  header.copy(out, 8);
  const body = Buffer.from(labels.codes.buffer, labels.codes.byteOffset, labels.codes.byteLength);
  body.copy(out, 8 + header.length);
  return out;
}

function invalid(message: string): MlError {
  return new MlError({ code: 'INVALID_ARTIFACT', message: `Label codes artifact: ${message}.` });
}

export function decodeLabelCodes(bytes: Uint8Array): LabelCodes {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8 || buf.readUInt32LE(0) !== MAGIC) throw invalid('not a label codes file');
  const headerLength = buf.readUInt32LE(4);
  if (8 + headerLength > buf.length) throw invalid('truncated header');
  const header = JSON.parse(buf.subarray(8, 8 + headerLength).toString('utf8')) as {
    classes: string[];
    width: number;
    rows: number;
  };
  const body = buf.subarray(8 + headerLength);
  if ((header.width !== 1 && header.width !== 4) || body.length !== header.rows * header.width) {
    throw invalid(`expected ${header.rows} codes of ${header.width} byte(s), found ${body.length} bytes`);
  }
  // Copy into fresh, aligned storage (the body's offset need not be a multiple of 4).
  const codes = header.width === 1 ? new Uint8Array(header.rows) : new Int32Array(header.rows);
  new Uint8Array(codes.buffer).set(body);
  return { classes: header.classes, codes };
}
