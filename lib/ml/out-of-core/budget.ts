import type { BlockLayout } from './block-order';

/** Default TRAINING_MEMORY_BUDGET_MB: splits whose arrays fit stay in memory (about 12M rows of 20 features). */
export const DEFAULT_TRAINING_MEMORY_BUDGET_MB = 1024;

/**
 * Bytes a split takes as model-ready arrays: float32 features, a 4-byte target and a 4-byte row id per row (what the
 * ABT reader allocates). Training also copies them to the backend, so a process holds a few times this.
 */
export function splitArrayBytes(rows: number, featureCount: number): number {
  return rows * (featureCount + 2) * 4;
}

/**
 * The window of a streamed split takes this share of the budget as arrays: the window's arrays, their tensors on the
 * backend, the network's per-column copy (embeddings) and the batch gathers together stay within the budget.
 */
const WINDOW_SHARE = 4;
/** Blocks per window, so that each window mixes rows from as many places in the split. */
const BLOCKS_PER_WINDOW = 16;
const MAX_BLOCK_ROWS = 65_536;

/** Block and window sizes for streaming a split of `featureCount` features within `budgetBytes`. */
export function streamingLayout(budgetBytes: number, featureCount: number): Omit<BlockLayout, 'rowCount'> {
  const windowRows = Math.max(1, Math.floor(budgetBytes / WINDOW_SHARE / splitArrayBytes(1, featureCount)));
  const blockRows = Math.max(1, Math.min(MAX_BLOCK_ROWS, Math.floor(windowRows / BLOCKS_PER_WINDOW)));
  return { blockRows, windowBlocks: Math.max(1, Math.floor(windowRows / blockRows)) };
}
