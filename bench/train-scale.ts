// `npm run bench:train-scale [-- --rows 1000000,3000000,10000000 --budget-mb 64]`: training at scale. ABT-shaped
// tables (row_id, split, y and 20 real features, as activities/data/abt.ts writes them) go straight into PostgreSQL
// (no ETL); for each size a child process loads the splits the way the training activity does
// (activities/training/training-data.ts: over the memory budget, sharded to local disk by a binary COPY) and trains
// the dense MLP for one epoch on a training thread, then prints its peak RSS and samples/s. The in-memory path at
// --baseline-rows (default 1M; budget large enough to hold the splits) runs in the same run as the baseline.
import { spawnSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { abtFeatureColumns } from '../activities/data/abt';
import { loadTrainingData } from '../activities/training/training-data';
import { stackUp } from '../infra/stack';
import { createDb } from '../lib/db';
import { initTfBackend, modelKind } from '../lib/ml';
import { closeTrainingThreads, trainModelOffThread } from '../lib/ml/models/train-thread';
import { createTestDatabase } from '../test/helpers/db';
import { machineLine, printTable } from './lib/report';

const { values: flags } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000,3000000,10000000' },
    features: { type: 'string', default: '20' },
    'budget-mb': { type: 'string', default: '64' },
    /** Rows of the in-memory baseline run (its table is written too when not among --rows). */
    'baseline-rows': { type: 'string', default: '1000000' },
    child: { type: 'string' },
    url: { type: 'string' },
  },
});
const SIZES = (flags.rows ?? '').split(',').map((s) => Number(s.trim()));
const FEATURE_NAMES = Array.from({ length: Number(flags.features) }, (_, i) => `x${i}`);
const BUDGET_MB = Number(flags['budget-mb']);
const BASELINE_ROWS = Number(flags['baseline-rows']);
const FLOOR_ROWS = 1000;
const CANDIDATE = {
  kind: 'mlp_classifier',
  hyperparameters: { epochs: 1, batchSize: 256, hiddenUnits: [32, 16], learningRate: 0.01, seed: 1 },
};
const tableName = (rows: number) => `bench_train_${rows}`;

interface ChildResult {
  mode: string;
  trainRows: number;
  loadSeconds: number;
  trainSeconds: number;
  /** The epoch's own rate (its rows over its time, validation pass included; not the thread's start-up). */
  samplesPerSecond: number;
  valAccuracy: number | null;
  peakRssMb: number;
}

/** Child: load the splits within the budget (MB), train one epoch, print a JSON line. */
async function trainOnce(spec: string, url: string): Promise<void> {
  const [rows, budgetMb] = spec.split(':').map(Number) as [number, number];
  const db = createDb({ url, poolMax: 2 });
  const backend = await initTfBackend({ preferred: 'wasm', strict: true });
  const started = performance.now();
  const data = await loadTrainingData(db, {
    table: tableName(rows),
    featureNames: FEATURE_NAMES,
    classification: true,
    kind: modelKind(CANDIDATE.kind),
    label: 'bench',
    memoryBudgetBytes: budgetMb * 2 ** 20,
    cacheDir: tmpdir(),
  });
  const loaded = performance.now();
  try {
    const result = await trainModelOffThread({
      backend,
      threads: true,
      candidate: CANDIDATE,
      task: 'classification',
      numClasses: 2,
      train: data.train,
      validation: data.validation,
    });
    const done = performance.now();
    const out: ChildResult = {
      mode: data.mode,
      trainRows: data.train.rowCount,
      loadSeconds: (loaded - started) / 1000,
      trainSeconds: (done - loaded) / 1000,
      samplesPerSecond: result.history[0]?.samplesPerSecond ?? 0,
      valAccuracy: result.history[0]?.valAccuracy ?? null,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await data.release();
    await closeTrainingThreads();
    await db.destroy();
  }
}

async function writeTable(db: ReturnType<typeof createDb>, rows: number): Promise<void> {
  const columns = abtFeatureColumns(FEATURE_NAMES);
  await db.raw(
    `create table ${tableName(rows)} (row_id bigint not null, source_line integer not null, split smallint not null,
      label text, y double precision not null, ${columns.map((c) => `"${c}" real not null`).join(', ')})`,
  );
  // 90% train, 10% validation; the class depends on two features, so one epoch has something to learn.
  const features = columns.map((_, j) => `f${j}`);
  await db.raw(
    `insert into ${tableName(rows)}
     select g, g, (g % 10 = 0)::int, 'l', (f0 + f1 > 1)::int, ${features.map((f) => `${f}::real`).join(', ')}
     from (select g, ${features.map((f) => `random() as ${f}`).join(', ')} from generate_series(1, ${rows}) g) s`,
  );
  await db.raw(`alter table ${tableName(rows)} add primary key (row_id)`);
  await db.raw(`analyze ${tableName(rows)}`);
}

async function main(): Promise<void> {
  if (flags.child && flags.url) return trainOnce(flags.child, flags.url);
  await stackUp((m) => process.stderr.write(`[stack] ${m}\n`));
  const database = await createTestDatabase();
  const results: Array<{ label: string; rows: number; budgetMb: number | null; r: ChildResult }> = [];
  try {
    const runs = [
      // The floor: the same process, backend and training thread with next to no data.
      { rows: FLOOR_ROWS, budgetMb: 1_000_000, label: 'floor: next to no data' },
      // The baseline: in memory (a budget far above its arrays).
      { rows: BASELINE_ROWS, budgetMb: 1_000_000, label: 'in memory (baseline)' },
      ...SIZES.map((rows) => ({ rows, budgetMb: BUDGET_MB, label: `streamed, budget ${BUDGET_MB} MB` })),
    ];
    for (const rows of [...new Set([FLOOR_ROWS, BASELINE_ROWS, ...SIZES])]) {
      process.stderr.write(`writing ${rows} rows × ${FEATURE_NAMES.length} features...\n`);
      await writeTable(database.db, rows);
    }
    for (const run of runs) {
      process.stderr.write(`${run.label}: ${run.rows} rows (load average ${loadavg()[0]?.toFixed(1)})...\n`);
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', __filename, '--child', `${run.rows}:${run.budgetMb}`, '--url', database.url],
        { encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, LOG_LEVEL: 'silent' } },
      );
      if (child.status !== 0) throw new Error(`${run.label} at ${run.rows} rows failed: ${child.stderr}`);
      const r = JSON.parse(child.stdout.trim().split('\n').pop() as string) as ChildResult;
      results.push({ label: run.label, rows: run.rows, budgetMb: run.budgetMb, r });
      process.stderr.write(`  ${JSON.stringify(r)}\n`);
    }
  } finally {
    await database.drop();
  }
  const base = results[1]?.r as ChildResult;
  const baseRate = base.samplesPerSecond;
  console.log(
    `\n${machineLine()}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} at the end`,
  );
  const hp = CANDIDATE.hyperparameters;
  console.log(
    `dense MLP ${JSON.stringify(hp.hiddenUnits)}, batch ${hp.batchSize}, 1 epoch on wasm (a training thread), ` +
      `${FEATURE_NAMES.length} features, 90% train / 10% validation. load s: count and read (in memory) or shard to ` +
      'disk (streamed); train s: the training thread from start to end; epoch samples/s: train rows over the ' +
      'epoch (its validation pass included)\n',
  );
  printTable(
    [
      'rows',
      'path',
      'load s',
      'train s',
      'epoch samples/s',
      'vs baseline',
      'val accuracy',
      'peak RSS MiB',
      'arrays MiB',
    ],
    results.map(({ label, rows, r }) => {
      const rate = r.samplesPerSecond;
      return [
        rows.toLocaleString('en-US'),
        r.mode === 'in-memory' && label.startsWith('streamed') ? `${label} (fits: in memory)` : label,
        r.loadSeconds.toFixed(1),
        r.trainSeconds.toFixed(1),
        Math.round(rate).toLocaleString('en-US'),
        (rate / baseRate).toFixed(2),
        r.valAccuracy?.toFixed(3) ?? '',
        Math.round(r.peakRssMb),
        Math.round((rows * (FEATURE_NAMES.length + 2) * 4) / 2 ** 20),
      ];
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
