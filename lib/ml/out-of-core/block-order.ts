import { createRng, deriveSeed, shuffleInPlace } from '../random';

/**
 * The row order of one out-of-core epoch. A split is stored in blocks of `blockRows` consecutive rows; an epoch
 * visits the blocks in a seeded random order, `windowBlocks` at a time, and shuffles the rows of each window (the
 * rows held in memory at once). Every row is seen exactly once per epoch; the order depends only on (seed, epoch) and
 * the layout, so a resumed run redraws the order of any epoch without state.
 */
export interface BlockLayout {
  rowCount: number;
  blockRows: number;
  /** Blocks held in memory together (their rows are shuffled together). */
  windowBlocks: number;
}

/** Distinct tags so the block-order stream and the row-order streams of one epoch never coincide. */
const BLOCK_ORDER = 0x0b10c;
const ROW_ORDER = 0x0a0e5;

export function blockCount(layout: Pick<BlockLayout, 'rowCount' | 'blockRows'>): number {
  return Math.ceil(layout.rowCount / layout.blockRows);
}

/** Rows of block `index` (the last block may be short). */
export function blockRowRange(layout: BlockLayout, index: number): { start: number; end: number } {
  const start = index * layout.blockRows;
  return { start, end: Math.min(layout.rowCount, start + layout.blockRows) };
}

/** The epoch's windows: block indices in visiting order, `windowBlocks` per window (the last may hold fewer). */
export function epochWindows(layout: BlockLayout, seed: number, epoch: number): number[][] {
  if (layout.blockRows < 1 || layout.windowBlocks < 1) throw new Error('blockRows and windowBlocks must be ≥ 1');
  const blocks = Int32Array.from({ length: blockCount(layout) }, (_, i) => i);
  shuffleInPlace(blocks, createRng(deriveSeed(seed, epoch, BLOCK_ORDER)));
  const windows: number[][] = [];
  for (let at = 0; at < blocks.length; at += layout.windowBlocks) {
    windows.push(Array.from(blocks.subarray(at, at + layout.windowBlocks)));
  }
  return windows;
}

/** The order in which to visit a window's `rows` rows (indices into the window's concatenated blocks). */
export function windowRowOrder(rows: number, seed: number, epoch: number, window: number): Int32Array {
  return shuffleInPlace(
    Int32Array.from({ length: rows }, (_, i) => i),
    createRng(deriveSeed(seed, epoch, window, ROW_ORDER)),
  );
}

/** The whole epoch as split row indices (tests and small splits; training walks windows instead). */
export function epochRowOrder(layout: BlockLayout, seed: number, epoch: number): Int32Array {
  const order = new Int32Array(layout.rowCount);
  let at = 0;
  epochWindows(layout, seed, epoch).forEach((blocks, w) => {
    const starts: number[] = [];
    let rows = 0;
    for (const b of blocks) {
      const { start, end } = blockRowRange(layout, b);
      for (let r = start; r < end; r++) starts.push(r);
      rows += end - start;
    }
    for (const i of windowRowOrder(rows, seed, epoch, w)) order[at++] = starts[i] as number;
  });
  return order;
}
