// `npm run bench:train [-- --backend tensorflow,wasm] [--rows 100000] [--repeats 3]`: part 1, samples/s of one MLP on every
// TensorFlow.js backend available here, beside Keras (TensorFlow from PyPI) on the same data and architecture with 1
// thread and with every thread, when `npm run setup:tensorflow` has installed the wheel. Runners take turns within a
// repeat (interleaved), and each figure is the median over repeats of the best epoch's rate.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kerasPython, nativeVariant } from '../infra/tools/tensorflow';
import { PROJECT_ROOT } from '../lib/config/paths';
import { disposeModel, initTfBackend, TF_BACKENDS, trainModel, type Dataset, type TfBackendName } from '../lib/ml';
import { nativeTfPackage } from '../lib/ml/models/backend';
import { tf } from '../lib/ml/tf';
import { machineLine, printTable } from './lib/report';
import { compareBatchGather } from './train-gather';
import { compareTreeKinds } from './train-trees';
import { classificationSet } from './lib/synthetic';

const { values: flags } = parseArgs({
  options: {
    backend: { type: 'string' },
    rows: { type: 'string', default: '100000' },
    repeats: { type: 'string', default: '1' },
    'no-keras': { type: 'boolean', default: false },
  },
});
const ROWS = Number(flags.rows);
const REPEATS = Number(flags.repeats);
const FEATURES = 20;
const EPOCHS = 2;
const HIDDEN = [64, 32];
const BATCH = 256;
const LEARNING_RATE = 0.01;
const CANDIDATE = {
  kind: 'mlp_classifier' as const,
  hyperparameters: {
    epochs: EPOCHS,
    batchSize: BATCH,
    learningRate: LEARNING_RATE,
    hiddenUnits: HIDDEN,
    earlyStopping: false as const,
    seed: 7,
  },
};

interface Measured {
  /** Samples/s of each epoch. */
  perEpoch: number[];
  seconds: number;
  cpuSeconds: number;
  loss: number;
  note: string;
}

async function trainOn(backend: TfBackendName, train: Dataset): Promise<Measured | string> {
  try {
    await initTfBackend({ preferred: backend, strict: true });
  } catch {
    return backend === 'tensorflow'
      ? 'not installed: npm run setup:tensorflow (or add @tensorflow/tfjs-node / -gpu)'
      : `${backend} failed to load`;
  }
  const cpu = process.cpuUsage();
  const result = await trainModel({ candidate: CANDIDATE, task: 'classification', numClasses: 2, train });
  const used = process.cpuUsage(cpu);
  disposeModel(result.model);
  const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
  return {
    perEpoch: result.history.map((h) => h.samplesPerSecond),
    seconds: result.history.reduce((s, h) => s + h.durationMs, 0) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
    loss: result.history.at(-1)?.loss ?? NaN,
    note: backend === 'tensorflow' ? `${nativeTfPackage()?.split('/').pop()}, TF ${binding?.TF_Version}` : '',
  };
}

/** The training set as the Keras script reads it: rows, features (int32), x (float32), y (int32), little-endian. */
function writeDataFile(train: Dataset): string {
  const dir = join(PROJECT_ROOT, 'bench', 'out');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'train-data.bin');
  const header = Buffer.from(Int32Array.from([train.rowCount, train.featureCount]).buffer);
  const x = Buffer.from(train.x.buffer, train.x.byteOffset, train.x.byteLength);
  const y = Buffer.from(train.y.buffer, train.y.byteOffset, train.y.byteLength);
  writeFileSync(path, Buffer.concat([header, x, y]));
  return path;
}

function trainKeras(python: string, dataFile: string, threads: number): Measured | string {
  const script = join(PROJECT_ROOT, 'bench', 'keras', 'baseline.py');
  const args = [script, dataFile, String(threads), HIDDEN.join(','), String(EPOCHS), String(BATCH)];
  const result = spawnSync(python, [...args, String(LEARNING_RATE)], { encoding: 'utf8', timeout: 30 * 60_000 });
  if (result.status !== 0) return `Keras failed: ${(result.stderr || result.stdout).trim().split('\n').pop()}`;
  const out = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as {
    tensorflow: string;
    threads: number;
    samplesPerSecond: number[];
    seconds: number;
    cpuSeconds: number;
    loss: number;
    gpus: number;
  };
  const gpus = out.gpus > 0 ? `, ${out.gpus} GPU` : '';
  return {
    perEpoch: out.samplesPerSecond,
    seconds: out.seconds,
    cpuSeconds: out.cpuSeconds,
    loss: out.loss,
    note: `TF ${out.tensorflow}, ${out.threads} thread${out.threads === 1 ? '' : 's'}${gpus}`,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** GPU hosts: tfjs-node-gpu needs the CUDA wheels' libraries on LD_LIBRARY_PATH from the process's start. */
function reexecWithCudaLibraries(): boolean {
  const file = join(nativeVariant('gpu').prefix, 'ld-library-path');
  if (!existsSync(file) || process.env.MLOPS_BENCH_CUDA_PATH_SET) return false;
  const cuda = readFileSync(file, 'utf8');
  const env = {
    ...process.env,
    MLOPS_BENCH_CUDA_PATH_SET: '1',
    LD_LIBRARY_PATH: [cuda, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
  };
  const result = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env,
  });
  process.exit(result.status ?? 1);
}

/** BENCH_ONLY=dense or BENCH_ONLY=trees runs one part (the tree kinds against scikit-learn / LightGBM). */
async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  if (only !== 'trees') await denseBackends();
  if (only !== 'dense') await compareTreeKinds();
}

async function denseBackends(): Promise<void> {
  reexecWithCudaLibraries();
  const backends = (flags.backend?.split(',') ?? [...TF_BACKENDS]) as TfBackendName[];
  const python = flags['no-keras'] ? undefined : kerasPython();
  console.log(
    `bench:train — MLP ${FEATURES}→${HIDDEN.join('→')}→2, batch ${BATCH}, Adam, ${EPOCHS} epochs on ` +
      `${ROWS.toLocaleString('en-US')} rows, ${REPEATS} interleaved repeat(s). ${machineLine()}`,
  );
  const train = classificationSet({ rows: ROWS, features: FEATURES, seed: 1 });
  const runners: Array<{ name: string; run: () => Promise<Measured | string> }> = [];
  const dataFile = python ? writeDataFile(train) : '';
  if (python) runners.push({ name: 'Keras, 1 thread', run: async () => trainKeras(python, dataFile, 1) });
  for (const backend of backends) runners.push({ name: `tfjs ${backend}`, run: () => trainOn(backend, train) });
  if (python) runners.push({ name: 'Keras, all threads', run: async () => trainKeras(python, dataFile, 0) });

  const results = new Map<string, Measured[]>();
  const unavailable = new Map<string, string>();
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    for (const runner of runners) {
      if (unavailable.has(runner.name)) continue;
      const measured = await runner.run();
      if (typeof measured === 'string') unavailable.set(runner.name, measured);
      else results.set(runner.name, [...(results.get(runner.name) ?? []), measured]);
    }
  }
  // Best epoch: leaves out the first epoch's one-off warm-up (kernel compilation, first allocations).
  const best = (name: string) => median((results.get(name) ?? []).map((m) => Math.max(...m.perEpoch)));
  const perCpu = (name: string) => median((results.get(name) ?? []).map((m) => (ROWS * EPOCHS) / m.cpuSeconds));
  const anchor = results.has('Keras, 1 thread') ? 'Keras, 1 thread' : `tfjs cpu`;
  const rows = runners.map(({ name }) => {
    const why = unavailable.get(name);
    if (why) return [name, 'unavailable', '', '', '', '', '', why];
    const runs = results.get(name) as Measured[];
    const last = runs[runs.length - 1] as Measured;
    return [
      name,
      Math.round(best(name)).toLocaleString('en-US'),
      results.has(anchor) ? `${(best(name) / best(anchor)).toFixed(2)}×` : '',
      Math.round(perCpu(name)).toLocaleString('en-US'),
      results.has(anchor) ? `${(perCpu(name) / perCpu(anchor)).toFixed(2)}×` : '',
      median(runs.map((m) => m.seconds)).toFixed(1),
      last.loss.toFixed(4),
      [last.note, last.perEpoch.map((v) => Math.round(v).toLocaleString('en-US')).join(' / ')]
        .filter(Boolean)
        .join('; '),
    ];
  });
  console.log('');
  printTable(
    [
      'runner',
      'samples/s (best epoch)',
      `vs ${anchor}`,
      'samples per CPU-second',
      `per CPU-s vs ${anchor}`,
      'total s',
      'final loss',
      'notes; samples/s per epoch (last repeat)',
    ],
    rows,
  );
  if (!python && !flags['no-keras']) {
    console.log('\nKeras baseline skipped: run `npm run setup:tensorflow` to install the TensorFlow wheel.');
  }
  await initTfBackend({ preferred: 'wasm' });
  await compareBatchGather(classificationSet({ rows: ROWS, features: FEATURES, seed: 1 }), HIDDEN);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
