// bench:train, part 1b: one dense epoch with the batch gathered outside the gradient tape (current) and inside it
// (the former loop), from the same starting weights; the losses must be equal, the time is what changed.
import { initTfBackend, TF_BACKENDS, tf, type Dataset, type TfBackendName } from '../lib/ml';
import { runEpoch, type EpochConfig } from '../lib/ml/models/kinds/dense/epoch';
import { DenseHyperparametersSchema } from '../lib/ml/models/kinds/dense/hyperparameters';
import { disposeTrainingTensors, trainingTensors } from '../lib/ml/models/kinds/dense/inputs';
import { buildNetwork } from '../lib/ml/models/kinds/dense/network';
import { formerRunEpoch } from '../test/helpers/former-epoch';
import { printTable } from './lib/report';

async function timedEpoch(
  run: typeof runEpoch,
  train: Dataset,
  hiddenUnits: number[],
): Promise<{ seconds: number; loss: number }> {
  const hp = DenseHyperparametersSchema.parse({ hiddenUnits, batchSize: 256, seed: 7 });
  const network = buildNetwork({
    kind: 'mlp_classifier',
    hyperparameters: hp,
    featureCount: train.featureCount,
    outputs: 2,
    classifier: true,
    embeddings: [],
  });
  const optimizer = tf.train.adam(0.01);
  const tensors = trainingTensors({
    train,
    embeddings: [],
    numClasses: 2,
    classifier: true,
    targetScale: null,
    classWeights: null,
  });
  const config: EpochConfig = {
    network,
    optimizer,
    classifier: true,
    embeddings: [],
    batchSize: 256,
    dropout: 0,
    l2: 0,
    seed: 7,
  };
  try {
    const started = performance.now();
    const loss = await run(config, tensors, 1);
    return { seconds: (performance.now() - started) / 1000, loss };
  } finally {
    disposeTrainingTensors(tensors);
    network.dispose();
    optimizer.dispose();
  }
}

export async function compareBatchGather(train: Dataset, hiddenUnits: number[]): Promise<void> {
  console.log(`\nOne epoch, batch gathered outside vs inside the gradient tape (same start, same loss required).\n`);
  const rows: (string | number)[][] = [];
  for (const backend of [...TF_BACKENDS].reverse() as TfBackendName[]) {
    try {
      await initTfBackend({ preferred: backend, strict: true });
    } catch {
      continue;
    }
    const former = await timedEpoch(formerRunEpoch, train, hiddenUnits);
    const current = await timedEpoch(runEpoch, train, hiddenUnits);
    rows.push([
      backend,
      former.seconds.toFixed(2),
      current.seconds.toFixed(2),
      `${(former.seconds / current.seconds).toFixed(2)}×`,
      former.loss === current.loss ? 'identical' : `DIFFERENT (${former.loss} vs ${current.loss})`,
    ]);
  }
  printTable(['backend', 'inside tape s', 'outside tape s', 'speed-up', 'epoch loss'], rows);
}
