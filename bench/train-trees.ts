// bench:train, part 2: the tree kinds against reference implementations from PyPI (scikit-learn's random forest,
// LightGBM's gradient boosting), same arrays, same settings, all single-threaded.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, disposeModel, predict, regressionMetrics, trainModel, type Dataset, type Task } from '../lib/ml';
import { printTable } from './lib/report';
import { pythonWithReferences } from './lib/python-reference';
import { classificationSet } from './lib/synthetic';

/** Accuracy (classification) or r² (regression) may differ from the reference by at most this much. */
const TOLERANCE = 0.01;
const TRAIN_ROWS = Number(process.env.BENCH_TREE_ROWS ?? 30_000);
const TEST_ROWS = 10_000;

const CASES: Array<{
  kind: 'random_forest' | 'gradient_boosting';
  reference: string;
  hyperparameters: Record<string, unknown>;
}> = [
  {
    kind: 'random_forest',
    reference: 'scikit-learn RandomForest',
    hyperparameters: { trees: 100, minSamplesLeaf: 1, maxBins: 255, seed: 7 },
  },
  {
    kind: 'gradient_boosting',
    reference: 'LightGBM',
    hyperparameters: {
      rounds: 200,
      learningRate: 0.1,
      maxDepth: 6,
      minSamplesLeaf: 20,
      maxBins: 255,
      earlyStopping: false,
      seed: 7,
    },
  },
];

/** Friedman #1: y = 10 sin(π x₁x₂) + 20 (x₃ − ½)² + 10 x₄ + 5 x₅ + noise, ten uniform inputs (five are noise). */
function friedman(rows: number, seed: number): Dataset {
  const rng = createRng(seed);
  const x = Float32Array.from({ length: rows * 10 }, () => rng.next());
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = (j: number) => x[i * 10 + j] as number;
    const noise = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    y[i] = 10 * Math.sin(Math.PI * v(0) * v(1)) + 20 * (v(2) - 0.5) ** 2 + 10 * v(3) + 5 * v(4) + noise;
  }
  return { x, y, rowCount: rows, featureCount: 10 };
}

function split(data: Dataset, at: number): [Dataset, Dataset] {
  const d = data.featureCount;
  const part = (from: number, to: number): Dataset => ({
    x: data.x.slice(from * d, to * d),
    y: data.y.slice(from, to),
    rowCount: to - from,
    featureCount: d,
  });
  return [part(0, at), part(at, data.rowCount)];
}

function writeArrays(dir: string, train: Dataset, test: Dataset): void {
  const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(join(dir, 'shape.json'), JSON.stringify({ features: train.featureCount }));
  writeFileSync(join(dir, 'x_train.f32'), bytes(train.x));
  writeFileSync(join(dir, 'y_train.f32'), bytes(Float32Array.from(train.y)));
  writeFileSync(join(dir, 'x_test.f32'), bytes(test.x));
  writeFileSync(join(dir, 'y_test.f32'), bytes(Float32Array.from(test.y)));
}

interface Measured {
  trainSeconds: number;
  metric: number;
}

async function ours(
  kind: string,
  hyperparameters: Record<string, unknown>,
  task: Task,
  train: Dataset,
  test: Dataset,
): Promise<Measured> {
  const started = performance.now();
  const result = await trainModel({ candidate: { kind, hyperparameters }, task, numClasses: 2, train });
  const trainSeconds = (performance.now() - started) / 1000;
  const p = predict({ model: result.model, x: test.x });
  disposeModel(result.model);
  const metric =
    p.task === 'classification'
      ? p.classIndices.filter((c, i) => c === test.y[i]).length / test.rowCount
      : (regressionMetrics({ yTrue: test.y, yPred: p.values }).r2 ?? NaN);
  return { trainSeconds, metric };
}

function reference(
  python: string,
  dir: string,
  task: Task,
  kind: string,
  hyperparameters: Record<string, unknown>,
): Measured | string {
  const script = join(__dirname, 'reference', 'trees.py');
  const r = spawnSync(python, [script, dir, task, kind, JSON.stringify(hyperparameters)], { encoding: 'utf8' });
  if (r.status !== 0) return `reference failed: ${(r.stderr || String(r.error)).trim().split('\n').slice(-1)[0]}`;
  return JSON.parse(r.stdout) as Measured;
}

export async function compareTreeKinds(): Promise<void> {
  const refs = pythonWithReferences((m) => console.log(m));
  const datasets: Array<{ task: Task; name: string; data: Dataset }> = [
    {
      task: 'classification',
      name: 'synthetic, 20 features',
      data: classificationSet({ rows: TRAIN_ROWS + TEST_ROWS, features: 20, seed: 1 }),
    },
    { task: 'regression', name: 'Friedman #1, 10 features', data: friedman(TRAIN_ROWS + TEST_ROWS, 2) },
  ];
  console.log(
    `\nTree kinds vs reference (${TRAIN_ROWS.toLocaleString('en-US')} train / ${TEST_ROWS.toLocaleString('en-US')} test rows, single thread; ` +
      `metric: accuracy or r², tolerance ±${TOLERANCE}).` +
      ('unavailable' in refs ? ` Reference unavailable: ${refs.unavailable}` : '') +
      '\n',
  );
  const rows: (string | number)[][] = [];
  let failures = 0;
  for (const { task, name, data } of datasets) {
    const [train, test] = split(data, TRAIN_ROWS);
    const dir = mkdtempSync(join(tmpdir(), 'bench-trees-'));
    try {
      writeArrays(dir, train, test);
      for (const c of CASES) {
        const mine = await ours(c.kind, c.hyperparameters, task, train, test);
        const theirs =
          'python' in refs ? reference(refs.python, dir, task, c.kind, c.hyperparameters) : refs.unavailable;
        if (typeof theirs === 'string') {
          rows.push([
            c.kind,
            `${task} (${name})`,
            mine.trainSeconds.toFixed(2),
            mine.metric.toFixed(4),
            c.reference,
            '',
            '',
            '',
            theirs,
          ]);
          continue;
        }
        const delta = mine.metric - theirs.metric;
        const within = Math.abs(delta) <= TOLERANCE;
        if (!within) failures++;
        rows.push([
          c.kind,
          `${task} (${name})`,
          mine.trainSeconds.toFixed(2),
          mine.metric.toFixed(4),
          c.reference,
          theirs.trainSeconds.toFixed(2),
          theirs.metric.toFixed(4),
          `${(mine.trainSeconds / theirs.trainSeconds).toFixed(1)}×`,
          `${delta >= 0 ? '+' : ''}${delta.toFixed(4)} ${within ? 'ok' : 'OUTSIDE TOLERANCE'}`,
        ]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  printTable(
    ['kind', 'task (data)', 'train s', 'metric', 'reference', 'ref train s', 'ref metric', 'time ratio', 'metric Δ'],
    rows,
  );
  if (failures > 0) process.exitCode = 1;
}
