import type { Dataset } from '../../../features/dataset';
import type { EmbeddingColumn } from '../../../features/names';
import { blockCount, epochWindows, windowRowOrder } from '../../../out-of-core/block-order';
import { readShardBlocks, type ShardedSplit } from '../../../out-of-core/shards';
import type { tf } from '../../../tf';
import type { TargetScale } from '../../kind';
import { evaluate, throwIfAborted, trainBatches, type EpochConfig, type Evaluation } from './epoch';
import { disposeTrainingTensors, type TrainingTensors } from './inputs';

/**
 * One epoch over a split on disk: the seeded block order of lib/ml/out-of-core/block-order.ts, one window of blocks
 * in memory (and on the backend) at a time, its rows shuffled, then mini-batches as in memory. Batches are numbered
 * across windows, so dropout masks, like the order, depend only on (seed, epoch): a resumed run redraws them.
 */
export async function runStreamedEpoch(
  config: EpochConfig,
  split: ShardedSplit,
  tensorsFor: (window: Dataset) => TrainingTensors,
  epoch: number,
): Promise<number> {
  let total = 0;
  let batches = 0;
  const windows = epochWindows(split, config.seed, epoch);
  for (const [w, blocks] of windows.entries()) {
    throwIfAborted(config.signal);
    const rows = readShardBlocks(split, blocks);
    const tensors = tensorsFor(rows);
    try {
      const order = windowRowOrder(rows.rowCount, config.seed, epoch, w);
      const done = await trainBatches(config, tensors, order, epoch, batches);
      total += done.total;
      batches += done.batches;
    } finally {
      disposeTrainingTensors(tensors);
    }
  }
  return total / split.rowCount;
}

/** Validation metrics of a split on disk, a window of blocks at a time; the same values `evaluate` gives in memory. */
export function evaluateStreamed(args: {
  network: tf.LayersModel;
  embeddings: readonly EmbeddingColumn[];
  split: ShardedSplit;
  numClasses: number;
  targetScale: TargetScale | null;
}): Evaluation {
  const { split } = args;
  let loss = 0;
  let correct = 0;
  for (let first = 0; first < blockCount(split); first += split.windowBlocks) {
    const blocks = Array.from({ length: Math.min(split.windowBlocks, blockCount(split) - first) }, (_, i) => first + i);
    const rows = readShardBlocks(split, blocks);
    const part = evaluate({ ...args, ...rows });
    // Both are means over the window's rows: weighted by its rows, they sum to the split's means.
    loss += part.valLoss * rows.rowCount;
    correct += (part.valAccuracy ?? 0) * rows.rowCount;
  }
  const n = Math.max(1, split.rowCount);
  if (!args.targetScale) return { valLoss: loss / n, valAccuracy: correct / n, valRmse: null };
  return { valLoss: loss / n, valAccuracy: null, valRmse: Math.sqrt(loss / n) * args.targetScale.std };
}
