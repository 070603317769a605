// `npm run bench:abt-read [-- --rows 1000000 --features 20]`: reading an ABT split for training, the former way (one
// query, one JS object per row, then typed arrays) and the current one (binary COPY straight into typed arrays,
// activities/training/abt-reader.ts), each in a child process of its own so that peak RSS is its own, beside a child
// that only connects (the floor). Same table,
// same run; the reads take turns twice and each figure is the better one.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { abtFeatureColumns } from '../activities/data/abt';
import { readAbtSplit } from '../activities/training/abt-reader';
import { stackUp } from '../infra/stack';
import { createDb } from '../lib/db';
import { createTestDatabase } from '../test/helpers/db';
import { machineLine, printTable } from './lib/report';

const { values: flags } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    features: { type: 'string', default: '20' },
    read: { type: 'string' },
    url: { type: 'string' },
  },
});
const ROWS = Number(flags.rows);
const FEATURE_NAMES = Array.from({ length: Number(flags.features) }, (_, i) => `x${i}`);
const TABLE = 'bench_abt';

/** Child: one read, then a JSON line with seconds and peak RSS. */
async function readOnce(how: string, url: string): Promise<void> {
  const db = createDb({ url, poolMax: 2 });
  const started = performance.now();
  let rowCount = 0;
  if (how === 'floor') {
    await db.raw('select 1');
  } else if (how === 'copy') {
    rowCount = (
      await readAbtSplit(db, { table: TABLE, featureNames: FEATURE_NAMES, split: 'train', classification: true })
    ).rowCount;
  } else {
    const columns = abtFeatureColumns(FEATURE_NAMES);
    const sql = `select row_id, y, ${columns.map((c) => `"${c}"`).join(', ')} from ${TABLE} where split = 0 order by row_id`;
    const { rows } = (await db.raw(sql)) as { rows: Array<Record<string, number>> };
    const x = new Float32Array(rows.length * columns.length);
    const y = new Int32Array(rows.length);
    rows.forEach((row, i) => {
      y[i] = Number(row.y);
      for (let j = 0; j < columns.length; j += 1) x[i * columns.length + j] = Number(row[columns[j] as string]);
    });
    rowCount = rows.length;
  }
  const seconds = (performance.now() - started) / 1000;
  await db.destroy();
  process.stdout.write(`${JSON.stringify({ seconds, rowCount, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

async function main(): Promise<void> {
  if (flags.read && flags.url) return readOnce(flags.read, flags.url);
  await stackUp((m) => process.stderr.write(`[stack] ${m}\n`));
  const database = await createTestDatabase();
  try {
    const columns = abtFeatureColumns(FEATURE_NAMES);
    await database.db.raw(
      `create table ${TABLE} (row_id bigint not null primary key, source_line integer not null, split smallint not null,
        label text, y double precision not null, ${columns.map((c) => `"${c}" real not null`).join(', ')})`,
    );
    process.stderr.write(`writing ${ROWS} rows × ${FEATURE_NAMES.length} features...\n`);
    await database.db.raw(
      `insert into ${TABLE} select g, g, 0, 'l', g % 2, ${columns.map((_, j) => `random()::real * ${j + 1}`).join(', ')}
       from generate_series(1, ${ROWS}) g`,
    );
    await database.db.raw(`analyze ${TABLE}`);
    const best: Record<string, { seconds: number; peakRssMb: number }> = {};
    for (let round = 0; round < 2; round++) {
      for (const how of ['floor', 'rows', 'copy']) {
        const child = spawnSync(
          process.execPath,
          ['--import', 'tsx', __filename, '--read', how, '--url', database.url],
          { encoding: 'utf8', maxBuffer: 1 << 20 },
        );
        if (child.status !== 0) throw new Error(`${how} read failed: ${child.stderr}`);
        const r = JSON.parse(child.stdout.trim().split('\n').pop() as string) as { seconds: number; peakRssMb: number };
        const prev = best[how];
        best[how] = {
          seconds: Math.min(prev?.seconds ?? Infinity, r.seconds),
          peakRssMb: Math.min(prev?.peakRssMb ?? Infinity, r.peakRssMb),
        };
      }
    }
    const base = best.rows as { seconds: number; peakRssMb: number };
    const names = {
      floor: 'floor: the same process, connected, reading nothing',
      rows: 'one query, a JS object per row (before)',
      copy: 'binary COPY into typed arrays',
    };
    const table = (['floor', 'rows', 'copy'] as const).map((how) => {
      const r = best[how] as { seconds: number; peakRssMb: number };
      if (how === 'floor') return [names.floor, '', '', '', Math.round(r.peakRssMb)];
      return [
        names[how],
        r.seconds.toFixed(2),
        Math.round(ROWS / r.seconds).toLocaleString('en-US'),
        (base.seconds / r.seconds).toFixed(2),
        Math.round(r.peakRssMb),
      ];
    });
    const arraysMb = (ROWS * (FEATURE_NAMES.length * 4 + 8)) / 2 ** 20;
    console.log(
      `\n${machineLine()}; ${ROWS.toLocaleString('en-US')} rows × ${FEATURE_NAMES.length} features, one split`,
    );
    console.log(`(the arrays themselves: ${arraysMb.toFixed(0)} MiB)\n`);
    printTable(['reader', 'seconds', 'rows/s', 'speed-up', 'peak RSS MiB'], table);
  } finally {
    await database.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
