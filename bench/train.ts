// Training benchmark. Part 1: samples/s of the same MLP on every TensorFlow.js backend available here (cpu is the
// baseline), on a seeded 100k-row synthetic set. Part 2: the tree kinds against scikit-learn / LightGBM (train-trees.ts).
// BENCH_ONLY=dense or BENCH_ONLY=trees runs one part.
import {
  disposeModel,
  initTfBackend,
  TF_BACKENDS,
  trainModel,
  type Dataset,
  type TfBackendName,
  type TrainResult,
} from '../lib/ml';
import { machineLine, printTable } from './lib/report';
import { compareBatchGather } from './train-gather';
import { compareTreeKinds } from './train-trees';
import { classificationSet } from './lib/synthetic';

const ROWS = 100_000;
const FEATURES = 20;
const EPOCHS = 2;
const CANDIDATE = {
  kind: 'mlp_classifier' as const,
  hyperparameters: {
    epochs: EPOCHS,
    batchSize: 256,
    learningRate: 0.01,
    hiddenUnits: [64, 32],
    earlyStopping: false as const,
    seed: 7,
  },
};

const UNAVAILABLE: Record<TfBackendName, string> = {
  tensorflow: 'not installed: add @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu',
  wasm: '@tensorflow/tfjs-backend-wasm failed to load',
  cpu: 'cpu backend failed to start',
};

async function trainOn(backend: TfBackendName, train: Dataset): Promise<TrainResult | string> {
  try {
    await initTfBackend({ preferred: backend, strict: true });
  } catch {
    return UNAVAILABLE[backend];
  }
  return trainModel({ candidate: CANDIDATE, task: 'classification', numClasses: 2, train });
}

async function denseBackends(): Promise<void> {
  console.log(
    `Training benchmark: MLP ${FEATURES}→64→32→2, batch 256, Adam, ${EPOCHS} epochs on ${ROWS.toLocaleString('en-US')} rows. ${machineLine()}\n`,
  );
  const train = classificationSet({ rows: ROWS, features: FEATURES, seed: 1 });
  const rows: (string | number)[][] = [];
  let baseline = 0;
  for (const backend of [...TF_BACKENDS].reverse()) {
    const result = await trainOn(backend, train);
    if (typeof result === 'string') {
      rows.push([backend, 'unavailable', '', '', '', result]);
      continue;
    }
    const perEpoch = result.history.map((h) => h.samplesPerSecond);
    // The best epoch excludes one-off warm-up (kernel compilation, first allocations) from the comparison.
    const best = Math.max(...perEpoch);
    baseline ||= best;
    const seconds = result.history.reduce((s, h) => s + h.durationMs, 0) / 1000;
    const loss = result.history.at(-1)?.loss ?? NaN;
    rows.push([
      backend,
      Math.round(best).toLocaleString('en-US'),
      `${(best / baseline).toFixed(2)}×`,
      seconds.toFixed(1),
      loss.toFixed(4),
      perEpoch.map((v) => Math.round(v).toLocaleString('en-US')).join(' / '),
    ]);
    disposeModel(result.model);
  }
  printTable(['backend', 'samples/s (best epoch)', 'vs cpu', 'total s', 'final loss', 'samples/s per epoch'], rows);
  await compareBatchGather(train, CANDIDATE.hyperparameters.hiddenUnits);
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  if (only !== 'trees') await denseBackends();
  if (only !== 'dense') await compareTreeKinds();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
