import {
  LabelCodeCollector,
  createRng,
  decodeLabelCodes,
  encodeLabelCodes,
  readTable,
  splitDataset,
  type StringColumn,
} from '../../../lib/ml';
import { bytesStream } from './helpers';

describe('label codes', () => {
  it('codes classes in sorted key order, across batches, and round-trips through bytes', async () => {
    const table = await readTable({ stream: bytesStream('y\nno\nyes\nmaybe\nno\nyes\n'), format: 'csv' });
    const collector = new LabelCodeCollector();
    collector.add(table.columns.y as StringColumn, [0, 1, 2]);
    collector.add(table.columns.y as StringColumn, [3, 4]);
    const labels = collector.finish();
    expect(labels.classes).toEqual(['maybe', 'no', 'yes']);
    expect(Array.from(labels.codes)).toEqual([1, 2, 0, 1, 2]);
    expect(labels.codes).toBeInstanceOf(Uint8Array);
    const decoded = decodeLabelCodes(encodeLabelCodes(labels));
    expect(decoded.classes).toEqual(labels.classes);
    expect(Array.from(decoded.codes)).toEqual(Array.from(labels.codes));
  });

  it('uses four bytes per row beyond 256 classes', () => {
    const collector = new LabelCodeCollector();
    const values = Array.from({ length: 300 }, (_, i) => `c${i}`);
    collector.add(
      { type: 'categorical', values, invalid: new Map() },
      values.map((_, i) => i),
    );
    const labels = collector.finish();
    expect(labels.codes).toBeInstanceOf(Int32Array);
    expect(Array.from(decodeLabelCodes(encodeLabelCodes(labels)).codes)).toEqual(Array.from(labels.codes));
  });

  it('refuses a truncated artifact', () => {
    const bytes = encodeLabelCodes({ classes: ['a', 'b'], codes: Uint8Array.from([0, 1, 1]) });
    expect(() => decodeLabelCodes(bytes.subarray(0, bytes.length - 1))).toThrow(/expected 3 codes/);
  });

  it('gives splitDataset the same stratified split as the label strings themselves', () => {
    const rng = createRng(5);
    for (const classCount of [2, 3, 7]) {
      const names = Array.from({ length: classCount }, (_, i) => `class-${(i * 7) % classCount}`);
      const strings = Array.from({ length: 5000 }, () => names[rng.nextInt(classCount)] as string);
      const classes = [...new Set(strings)].sort();
      const codes = Uint8Array.from(strings, (s) => classes.indexOf(s));
      for (const seed of [1, 42]) {
        const fromStrings = splitDataset({ rowCount: strings.length, labels: strings, spec: { seed } });
        const fromCodes = splitDataset({ rowCount: strings.length, labelCodes: { codes, classes }, spec: { seed } });
        expect(fromCodes).toEqual(fromStrings);
      }
    }
  });
});
