import type { EpochConfig } from '../../lib/ml/models/kinds/dense/epoch';
import { batchLoss, gatherBatch } from '../../lib/ml/models/kinds/dense/epoch';
import type { TrainingTensors } from '../../lib/ml/models/kinds/dense/inputs';
import { createRng, deriveSeed, shuffleInPlace } from '../../lib/ml/random';
import { tf } from '../../lib/ml/tf';

/**
 * The dense training epoch as it was before the batch gather moved out of the gradient tape: tf.gather recorded
 * inside `optimizer.minimize`, so its gradient with respect to the whole training matrix was materialised every
 * step. Kept to prove the current loop bit-identical (unit test) and to measure the difference (bench:train).
 */
export async function formerRunEpoch(config: EpochConfig, t: TrainingTensors, epoch: number): Promise<number> {
  const order = shuffleInPlace(
    Int32Array.from({ length: t.rowCount }, (_, i) => i),
    createRng(deriveSeed(config.seed, epoch)),
  );
  const variables = config.network.trainableWeights.map((w) => w.read() as tf.Variable);
  let total = tf.scalar(0);
  for (let start = 0, batch = 0; start < t.rowCount; start += config.batchSize, batch++) {
    const rows = order.subarray(start, start + config.batchSize);
    const weighted = tf.tidy(() => {
      const index = tf.tensor1d(rows, 'int32');
      const seed = deriveSeed(config.seed, epoch, batch);
      const cost = config.optimizer.minimize(() => batchLoss(config, gatherBatch(t, index), seed), true, variables);
      return total.add((cost as tf.Scalar).mul(rows.length)) as tf.Scalar;
    });
    total.dispose();
    total = weighted;
  }
  const sum = (await total.data())[0] as number;
  total.dispose();
  return sum / t.rowCount;
}
