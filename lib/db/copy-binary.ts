/**
 * Rows in PostgreSQL's binary COPY format (COPY ... FROM STDIN WITH (FORMAT binary)): a bulk load without turning
 * every number into text and back. Values are big-endian; each row is its field count, then each field's byte
 * length and bytes. Call the field writers in the table's column order, with the column's exact type.
 */
export class BinaryCopyRows {
  static readonly header = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
  /** A field count of -1 ends the data. */
  static readonly trailer = Buffer.from([0xff, 0xff]);

  private buf: Buffer;
  private view: DataView;
  private at = 0;

  constructor(private readonly initialBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(initialBytes);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Starts a row of `fields` fields. */
  row(fields: number): void {
    this.ensure(2);
    this.view.setInt16(this.at, fields);
    this.at += 2;
  }

  /** bigint; exact for integers up to 2^53. */
  int8(value: number): void {
    this.ensure(12);
    this.view.setInt32(this.at, 8);
    this.view.setInt32(this.at + 4, Math.floor(value / 2 ** 32));
    this.view.setUint32(this.at + 8, value >>> 0);
    this.at += 12;
  }

  int4(value: number): void {
    this.ensure(8);
    this.view.setInt32(this.at, 4);
    this.view.setInt32(this.at + 4, value);
    this.at += 8;
  }

  int2(value: number): void {
    this.ensure(6);
    this.view.setInt32(this.at, 2);
    this.view.setInt16(this.at + 4, value);
    this.at += 6;
  }

  float8(value: number): void {
    this.ensure(12);
    this.view.setInt32(this.at, 8);
    this.view.setFloat64(this.at + 4, value);
    this.at += 12;
  }

  float4(value: number): void {
    this.ensure(8);
    this.view.setInt32(this.at, 4);
    this.view.setFloat32(this.at + 4, value);
    this.at += 8;
  }

  text(value: string): void {
    this.ensure(4 + value.length * 3);
    const length = this.buf.write(value, this.at + 4, 'utf8');
    this.view.setInt32(this.at, length);
    this.at += 4 + length;
  }

  /** The rows written so far (a copy), and a fresh start. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.at));
    this.at = 0;
    return out;
  }

  private ensure(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes, this.initialBytes));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }
}
