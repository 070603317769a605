// `npm run bench:train-threads [-- --rows 20000 --trainings 2]`: N trainings of the same MLP at once, as a training
// worker with TRAINING_CONCURRENCY=N runs them, on the wasm backend: all on the worker's main thread (before) and
// each on a thread of its own (lib/ml/models/train-thread.ts), in the same run. Prints wall time, samples/s over all
// trainings and CPU seconds per wall second (how many cores were busy); the threads are started (and that time
// printed) before the measured rounds, as a worker reuses them from one training to the next.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { initTfBackend } from '../lib/ml';
import { closeTrainingThreads, trainModelOffThread } from '../lib/ml/models/train-thread';
import { classificationSet } from './lib/synthetic';
import { machineLine, printTable } from './lib/report';

const { values: flags } = parseArgs({
  options: {
    rows: { type: 'string', default: '20000' },
    trainings: { type: 'string', default: String(availableParallelism()) },
    epochs: { type: 'string', default: '2' },
  },
});
const ROWS = Number(flags.rows);
const TRAININGS = Number(flags.trainings);
const EPOCHS = Number(flags.epochs);

async function runAll(threads: boolean) {
  const train = classificationSet({ rows: ROWS, features: 20, seed: 3 });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: TRAININGS }, (_, i) =>
      trainModelOffThread({
        threads,
        backend: 'wasm',
        candidate: {
          kind: 'mlp_classifier',
          hyperparameters: { epochs: EPOCHS, batchSize: 256, hiddenUnits: [64, 32], earlyStopping: false, seed: 7 + i },
        },
        task: 'classification',
        numClasses: 2,
        train,
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const samples = results.reduce((sum, r) => sum + r.epochsRun * ROWS, 0);
  return { seconds, samplesPerSecond: samples / seconds, cores: (used.user + used.system) / 1e6 / seconds };
}

async function main(): Promise<void> {
  await initTfBackend({ preferred: 'wasm', strict: true });
  // Threads are started once and reused by later trainings: start them first, and say what that cost.
  const warm = performance.now();
  const tiny = classificationSet({ rows: 64, features: 20, seed: 1 });
  await Promise.all(
    Array.from({ length: TRAININGS }, () =>
      trainModelOffThread({
        threads: true,
        backend: 'wasm',
        candidate: { kind: 'mlp_classifier', hyperparameters: { epochs: 1 } },
        task: 'classification',
        numClasses: 2,
        train: tiny,
      }),
    ),
  );
  const startSeconds = (performance.now() - warm) / 1000;
  const rows: Array<Array<string | number>> = [];
  let before = 0;
  for (const threads of [false, true]) {
    const r = await runAll(threads);
    if (!threads) before = r.samplesPerSecond;
    rows.push([
      threads ? 'each training on its own thread' : 'all on the main thread (before)',
      r.seconds.toFixed(1),
      Math.round(r.samplesPerSecond).toLocaleString('en-US'),
      (r.samplesPerSecond / before).toFixed(2),
      r.cores.toFixed(2),
    ]);
  }
  console.log(
    `\n${machineLine()}; ${TRAININGS} trainings at once, ${ROWS} rows × 20 features, ${EPOCHS} epochs, wasm\n`,
  );
  printTable(['trainings', 'wall s', 'samples/s (all)', '× before', 'CPU s per wall s'], rows);
  console.log(`\nStarting ${TRAININGS} training threads (once per worker process): ${startSeconds.toFixed(1)} s`);
  await closeTrainingThreads();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
