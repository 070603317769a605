import {
  blockCount,
  blockRowRange,
  epochRowOrder,
  epochWindows,
  windowRowOrder,
  type BlockLayout,
} from '../../../lib/ml/out-of-core/block-order';
import { streamingLayout, splitArrayBytes } from '../../../lib/ml/out-of-core/budget';

const layouts: BlockLayout[] = [
  { rowCount: 1000, blockRows: 64, windowBlocks: 4 }, // a short last block
  { rowCount: 1024, blockRows: 64, windowBlocks: 3 }, // a short last window
  { rowCount: 7, blockRows: 10, windowBlocks: 2 }, // one block, smaller than its size
  { rowCount: 500, blockRows: 1, windowBlocks: 1 },
  { rowCount: 300, blockRows: 50, windowBlocks: 100 }, // the whole split in one window
];

describe('out-of-core block order', () => {
  it.each(layouts)('every row exactly once per epoch (%o)', (layout) => {
    for (const epoch of [1, 2, 9]) {
      const order = epochRowOrder(layout, 42, epoch);
      expect(order).toHaveLength(layout.rowCount);
      const sorted = Array.from(order).sort((a, b) => a - b);
      expect(sorted).toEqual(Array.from({ length: layout.rowCount }, (_, i) => i));
    }
  });

  it('is deterministic per (seed, epoch), and differs across epochs and seeds', () => {
    const layout = { rowCount: 2000, blockRows: 100, windowBlocks: 4 };
    const a = Array.from(epochRowOrder(layout, 7, 3));
    expect(Array.from(epochRowOrder(layout, 7, 3))).toEqual(a);
    expect(Array.from(epochRowOrder(layout, 7, 4))).not.toEqual(a);
    expect(Array.from(epochRowOrder(layout, 8, 3))).not.toEqual(a);
    expect(epochWindows(layout, 7, 4)).not.toEqual(epochWindows(layout, 7, 3));
    // Shuffled, not merely rotated: far from the identity.
    const inPlace = a.filter((row, i) => row === i).length;
    expect(inPlace).toBeLessThan(20);
  });

  it('holds one window of blocks at a time: consecutive rows of the order come from that window only', () => {
    const layout = { rowCount: 1000, blockRows: 64, windowBlocks: 4 };
    const windows = epochWindows(layout, 5, 1);
    expect(windows.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: blockCount(layout) }, (_, i) => i));
    const order = epochRowOrder(layout, 5, 1);
    let at = 0;
    for (const blocks of windows) {
      const rows = blocks.map((b) => blockRowRange(layout, b)).reduce((n, r) => n + r.end - r.start, 0);
      for (const row of order.subarray(at, at + rows)) {
        expect(blocks).toContain(Math.floor(row / layout.blockRows));
      }
      at += rows;
    }
    expect(at).toBe(layout.rowCount);
  });

  it('shuffles a window by (seed, epoch, window)', () => {
    expect(Array.from(windowRowOrder(50, 1, 1, 0))).toEqual(Array.from(windowRowOrder(50, 1, 1, 0)));
    expect(Array.from(windowRowOrder(50, 1, 1, 0))).not.toEqual(Array.from(windowRowOrder(50, 1, 1, 1)));
  });

  it('sizes blocks and windows from the memory budget', () => {
    const features = 20;
    const budget = 64 * 2 ** 20;
    const { blockRows, windowBlocks } = streamingLayout(budget, features);
    // The window's arrays take at most a quarter of the budget, in 16 or so blocks.
    expect(splitArrayBytes(blockRows * windowBlocks, features)).toBeLessThanOrEqual(budget / 4);
    expect(windowBlocks).toBeGreaterThanOrEqual(16);
    expect(streamingLayout(100, features)).toEqual({ blockRows: 1, windowBlocks: 1 });
    expect(streamingLayout(2 ** 40, features).blockRows).toBe(65_536);
  });
});
