// The ETL scale benchmark proper (bench/etl-scale.ts loads it once the private stack's data dir is set).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { migrateLatest } from '../../infra/migrations';
import { stackDown, stackUp } from '../../infra/stack';
import { PROJECT_ROOT } from '../../lib/config';
import { recordRunStart } from '../../lib/metadata/runs';
import { mergeSpecOverrides, parseSpecDocument, readSpecFile } from '../../lib/pipeline/load';
import type { PipelineSpec } from '../../lib/pipeline/spec';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/db';
import { mebibytes } from '../lib/memory';
import { machineLine, printTable, rate } from '../lib/report';
import { ensureChurnCsv } from './etl-data';
import { stageInChild, type Stage, type StageResult } from './etl-stage';

const SIZES = (process.env.ETL_SCALE_ROWS ?? '1000000,3000000').split(',').map(Number);
const PSQL = process.env.PSQL ?? '/usr/bin/psql';
/**
 * A stage that held its rows in memory would come close to the size ratio (3×); one that streams stays near 1×. The
 * verdict fails a stage at 2×, and the table shows the extra bytes per extra row, so smaller per-row costs show too.
 */
const MAX_RSS_GROWTH = 2;

interface Measured {
  stage: string;
  rows: number;
  seconds: number;
  startRss?: number;
  peakRss?: number;
  note: string;
}

/** The churn spec on the big file; no `unique` expectation (it keeps every distinct id in memory). */
function specFor(path: string): PipelineSpec {
  const { raw } = readSpecFile(join(PROJECT_ROOT, 'pipelines', 'churn.yaml'));
  const variant = mergeSpecOverrides(raw, {
    data: { source: { kind: 'file', path, format: 'csv' } },
    expectations: { columns: { customer_id: { type: 'text', unique: false } } },
  });
  return parseSpecDocument(variant, 'pipelines/churn.yaml (etl-scale variant)');
}

function measured(stage: string, rows: number, r: StageResult, note: string): Measured {
  return { stage, rows, seconds: r.seconds, startRss: r.startRss, peakRss: r.peakRss, note };
}

async function pipelineStages(database: TestDatabase, path: string, rows: number): Promise<Measured[]> {
  const runId = `etl-scale-${rows}`;
  await recordRunStart(database.db, { runId, pipeline: 'churn', specHash: 'etl-scale', trigger: 'manual', params: {} });
  const spec = specFor(path);
  const run = (stage: Stage, input: Record<string, unknown>) =>
    stageInChild({ stage, runId, databaseUrl: database.url, input: { runId, ...input } });
  const ingest = await run('ingestRawData', { pipeline: spec.name, source: spec.data.source });
  const raw = ingest.output;
  const validate = await run('validateDataset', { spec, raw });
  const validation = validate.output as { rowCount: number; quarantinedRows: number };
  const features = await run('fitFeatures', { spec, raw, validation });
  const fitted = features.output as { fitRows: number; featureNames: string[] };
  const abt = await run('buildAnalyticBaseTable', { spec, raw, validation, features: features.output });
  const built = abt.output as { rows: number; table: string };
  const mib = ((raw.raw as { size: number }).size / 2 ** 20).toFixed(0);
  return [
    measured('ingest (hash + upload to the lake)', rows, ingest, `${mib} MiB to S3, content-addressed`),
    measured(
      'validate (stream, quarantine, label codes)',
      validation.rowCount,
      validate,
      `${validation.quarantinedRows} rows quarantined`,
    ),
    measured(
      'features (split from labels, 1 sampling pass, fit)',
      validation.rowCount,
      features,
      `fit on ${fitted.fitRows} rows, ${fitted.featureNames.length} features`,
    ),
    measured('ABT (1 pass: transform, binary COPY)', built.rows, abt, `${built.rows} rows into ${built.table}`),
  ];
}

/** The same file into a plain typed table with psql's \copy, in the same database: PostgreSQL's own load speed. */
function psqlCopy(database: TestDatabase, path: string, rows: number, run: number): Measured {
  const table = `copy_baseline_${rows}_${run}`;
  const ddl =
    `create table ${table} (customer_id text, tenure_months integer, monthly_charges double precision, ` +
    'contract text, support_calls integer, has_internet boolean, region text, signup_date date, churned text)';
  const psql = (command: string) => {
    const result = spawnSync(PSQL, [database.url, '-v', 'ON_ERROR_STOP=1', '-qAtc', command], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`psql failed: ${result.stderr || result.error?.message}`);
    return result.stdout.trim();
  };
  psql(ddl);
  const started = performance.now();
  psql(`\\copy ${table} from '${path}' with (format csv, header true)`);
  const seconds = (performance.now() - started) / 1000;
  const loaded = Number(psql(`select count(*) from ${table}`));
  return { stage: 'psql \\copy (baseline)', rows: loaded, seconds, note: 'typed table, no checks, no transforms' };
}

function table(size: number, results: Measured[]): void {
  const ingestToAbt = results.slice(0, 4);
  const total = ingestToAbt.reduce((s, r) => s + r.seconds, 0);
  const copy = results.find((r) => r.stage.startsWith('psql'));
  console.log(`\n${size.toLocaleString('en-US')} rows:`);
  printTable(
    ['stage', 'rows', 'seconds', 'rows/s', 'vs psql \\copy', 'RSS at start', 'peak RSS', 'notes'],
    [
      ...results.map((r) => [
        r.stage,
        r.rows.toLocaleString('en-US'),
        r.seconds.toFixed(1),
        rate(r.rows, r.seconds),
        copy ? `${(r.seconds / copy.seconds).toFixed(1)}× time` : '',
        r.startRss ? mebibytes(r.startRss) : '—',
        r.peakRss ? mebibytes(r.peakRss) : '—',
        r.note,
      ]),
      [
        'ingest → ABT, end to end',
        size.toLocaleString('en-US'),
        total.toFixed(1),
        rate(size, total),
        copy ? `${(total / copy.seconds).toFixed(1)}× time` : '',
        '',
        '',
        'sum of the four stages',
      ],
    ],
  );
  if (copy) {
    const ratio = copy.seconds / total;
    const peak = Math.max(...ingestToAbt.map((r) => r.peakRss ?? 0));
    console.log(
      `end to end: ${rate(size, total)} rows/s = ${ratio.toFixed(3)}× psql \\copy (target ≥ 0.15×); ` +
        `highest stage peak RSS ${mebibytes(peak)} (target < 400 MB = 381 MiB)`,
    );
  }
}

function memoryVerdict(bySize: Map<number, Measured[]>): boolean {
  const sizes = [...bySize.keys()].sort((a, b) => a - b);
  const [first, last] = [sizes[0] as number, sizes[sizes.length - 1] as number];
  if (sizes.length < 2) return true;
  const large = bySize.get(last) ?? [];
  const rows = (bySize.get(first) ?? [])
    .filter((r) => r.peakRss)
    .map((s) => {
      const l = large.find((x) => x.stage === s.stage)?.peakRss ?? 0;
      return { stage: s.stage, s: s.peakRss as number, l, ratio: l / (s.peakRss as number) };
    });
  console.log(
    `\npeak RSS by data size (the ${last / first}× larger file must stay under ${MAX_RSS_GROWTH}× the memory):`,
  );
  printTable(
    [
      'stage',
      `${first.toLocaleString('en-US')} rows`,
      `${last.toLocaleString('en-US')} rows`,
      'ratio',
      'extra bytes per extra row',
    ],
    rows.map((r) => [
      r.stage,
      mebibytes(r.s),
      mebibytes(r.l),
      `${r.ratio.toFixed(2)}×`,
      Math.max(0, (r.l - r.s) / (last - first)).toFixed(0),
    ]),
  );
  return rows.every((r) => r.ratio < MAX_RSS_GROWTH);
}

export async function runEtlScale(dataDir: string): Promise<number> {
  console.log(`bench:etl-scale — churn CSV through ingest → validate → features → ABT, ${SIZES.join(' and ')} rows`);
  console.log(`${machineLine()}; every stage in its own child process (peak RSS sampled every 100 ms); private stack`);
  // The private stack's servers are detached processes: an interrupted benchmark must still stop them.
  process.once('SIGINT', () => void stackDown().finally(() => process.exit(130)));
  await stackUp();
  const database = await createTestDatabase();
  await migrateLatest(database.db);
  const bySize = new Map<number, Measured[]>();
  try {
    for (const size of [...SIZES].sort((a, b) => a - b)) {
      const label = size % 1_000_000 === 0 ? `${size / 1_000_000}m` : String(size);
      const csv = await ensureChurnCsv(join(PROJECT_ROOT, 'bench', 'out', `etl-scale-${label}.csv`), size);
      // The anchor runs before and after the chain (the machine's load drifts); its mean is the baseline.
      const before = psqlCopy(database, csv.path, size, 1);
      const stages = await pipelineStages(database, csv.path, size);
      const after = psqlCopy(database, csv.path, size, 2);
      const anchor: Measured = {
        ...before,
        seconds: (before.seconds + after.seconds) / 2,
        note: `mean of ${before.seconds.toFixed(1)} s before and ${after.seconds.toFixed(1)} s after the chain`,
      };
      const results = [...stages, anchor];
      bySize.set(size, results);
      table(size, results);
    }
    const constant = memoryVerdict(bySize);
    console.log(
      constant
        ? `\nconstant memory: yes (no stage reached ${MAX_RSS_GROWTH}× its peak RSS on the larger file)`
        : `\nconstant memory: NO (a stage reached ${MAX_RSS_GROWTH}× its peak RSS on the larger file)`,
    );
    return constant ? 0 : 1;
  } finally {
    await database.drop();
    await stackDown();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
