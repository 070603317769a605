// ETL benchmark: streaming read + type inference + profiling + validation of a 1M-row CSV, against a raw csv-parse
// pass over the same file. Each stage runs in a fresh child process so its peak RSS is its own.
import { fork } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import {
  createValidator,
  ExpectationsSpecSchema,
  ProfileAccumulator,
  readRecordBatches,
  schemaFromExpectations,
} from '../lib/ml';
import { mebibytes, trackPeakRss } from './lib/memory';
import { machineLine, printTable, rate } from './lib/report';
import { writeCustomerCsv } from './lib/synthetic';

/** ETL_BENCH_ROWS sizes a quicker run on a busy machine (the figures in docs/BENCHMARKS.md say which size). */
const ROWS = Number(process.env.ETL_BENCH_ROWS ?? 1_000_000);
const OUT_DIR = join(__dirname, 'out');
const CSV_PATH = join(OUT_DIR, ROWS === 1_000_000 ? 'etl-1m.csv' : `etl-${ROWS}.csv`);

const EXPECTATIONS = ExpectationsSpecSchema.parse({
  columns: {
    id: { type: 'text', unique: true },
    age: { type: 'integer', min: 0, max: 120 },
    income: { type: 'numeric', maxMissingRatio: 0.05 },
    city: {
      type: 'categorical',
      domain: ['Paris', 'Lyon', 'Nice', 'Lille', 'Nantes', 'Rennes', 'Brest', 'Metz', 'Dijon', 'Tours'],
    },
    signup: { type: 'datetime' },
    member: { type: 'boolean' },
    score: { type: 'numeric' },
  },
  label: { column: 'churned', task: 'classification', classes: ['yes', 'no'] },
});

interface StageResult {
  rows: number;
  seconds: number;
  peakRss: number;
  note: string;
}

const PROFILE_STAGE = 'read + infer stats (profile)';
const HEAP_CAP_MIB = 64;

const STAGES: Record<string, () => Promise<{ rows: number; note: string }>> = {
  'csv-parse only (baseline)': async () => {
    let rows = 0;
    for await (const _record of createReadStream(CSV_PATH).pipe(parse({ from_line: 2 }))) rows++;
    return { rows, note: 'untyped string[] records' };
  },
  'read (typed batches, inferred schema)': async () => {
    let rows = 0;
    for await (const batch of readRecordBatches({ stream: createReadStream(CSV_PATH), format: 'csv' }))
      rows += batch.rowCount;
    return { rows, note: 'typed columns, 10k-row batches' };
  },
  'read + 2 derived columns, 1 extra missing token': async () => {
    let rows = 0;
    const reading = {
      missingValues: ['.'],
      derived: [
        { name: 'rich', expression: 'income > 50000' },
        { name: 'log_income', expression: 'log(income)' },
      ],
    };
    for await (const batch of readRecordBatches({ stream: createReadStream(CSV_PATH), format: 'csv', reading }))
      rows += batch.rowCount;
    return { rows, note: 'data.derived compiled once, evaluated per row' };
  },
  [PROFILE_STAGE]: async () => {
    const profile = new ProfileAccumulator();
    for await (const batch of readRecordBatches({ stream: createReadStream(CSV_PATH), format: 'csv' }))
      profile.consume(batch);
    const result = profile.finish();
    return { rows: result.rowCount, note: `${result.columns.length} column profiles` };
  },
  'read + infer stats + validate': async () => {
    const profile = new ProfileAccumulator();
    const validator = createValidator({ expectations: EXPECTATIONS });
    let quarantined = 0;
    const stream = createReadStream(CSV_PATH);
    for await (const batch of readRecordBatches({
      stream,
      format: 'csv',
      schema: schemaFromExpectations(EXPECTATIONS),
    })) {
      profile.consume(batch);
      quarantined += validator.consume(batch).quarantined.length;
    }
    const report = validator.finish();
    return {
      rows: report.rowsRead,
      note: `${report.checks.length} checks, ${quarantined} rows quarantined, unique id set`,
    };
  },
};

async function runStage(name: string): Promise<void> {
  const stage = STAGES[name];
  if (!stage) throw new Error(`unknown stage ${name}`);
  const memory = trackPeakRss();
  const started = performance.now();
  const { rows, note } = await stage();
  const result: StageResult = { rows, seconds: (performance.now() - started) / 1000, peakRss: memory.stop(), note };
  process.send?.(result);
}

function inChild(name: string, heapCapMiB?: number): Promise<StageResult> {
  const execArgv = heapCapMiB ? [...process.execArgv, `--max-old-space-size=${heapCapMiB}`] : process.execArgv;
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--stage', name], { stdio: 'inherit', execArgv });
    child.once('message', (message) => resolve(message as StageResult));
    child.once('exit', (code) => code !== 0 && reject(new Error(`stage "${name}" exited with ${code}`)));
  });
}

async function ensureCsv(): Promise<void> {
  const marker = `${CSV_PATH}.rows`;
  if (existsSync(CSV_PATH) && existsSync(marker) && readFileSync(marker, 'utf8') === String(ROWS)) return;
  mkdirSync(OUT_DIR, { recursive: true });
  console.log(`Generating ${ROWS.toLocaleString('en-US')} rows into ${CSV_PATH} ...`);
  await writeCustomerCsv({ path: CSV_PATH, rows: ROWS, seed: 1 });
  writeFileSync(marker, String(ROWS));
}

async function main(): Promise<void> {
  await ensureCsv();
  console.log(
    `ETL benchmark: ${ROWS.toLocaleString('en-US')}-row CSV (8 columns), one child process per stage. ${machineLine()}\n`,
  );
  const rows: (string | number)[][] = [];
  let baseline = 0;
  // The last run repeats the profile stage with V8's old space capped: that it finishes shows memory is bounded (peak
  // RSS in the uncapped runs is mostly garbage V8 has not needed to collect yet).
  const runs: { name: string; heapCap?: number }[] = [
    ...Object.keys(STAGES).map((name) => ({ name })),
    { name: PROFILE_STAGE, heapCap: HEAP_CAP_MIB },
  ];
  for (const { name, heapCap } of runs) {
    const r = await inChild(name, heapCap);
    const perSecond = r.rows / r.seconds;
    baseline ||= perSecond;
    rows.push([
      heapCap ? `${name}, old space capped at ${heapCap} MiB` : name,
      r.rows.toLocaleString('en-US'),
      r.seconds.toFixed(2),
      rate(r.rows, r.seconds),
      `${(baseline / perSecond).toFixed(2)}×`,
      mebibytes(r.peakRss),
      r.note,
    ]);
  }
  printTable(['stage', 'rows', 'seconds', 'rows/s', 'time vs baseline', 'peak RSS', 'notes'], rows);
}

const stageIndex = process.argv.indexOf('--stage');
const run = stageIndex >= 0 ? runStage(process.argv[stageIndex + 1] ?? '') : main();
run.catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
