// npm run bench:batch: a batch scoring job over BENCH_BATCH_ROWS rows (default 1,000,000) on the real stack, with
// the training worker SIGKILLed a third of the way through; prints rows/s, the workers' peak RSS, and checks exactly
// one output row per valid input row. Baseline in the same run: the same model scoring the same rows in-process,
// 1,000 rows at a time, through predictRows (the predict route's code path, without HTTP).
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { stackUp } from '../infra/stack';
import { disposeModel, predictRows } from '../lib/ml';
import { loadServableVersion } from '../lib/serving/model-server';
import { batchScoring } from '../workflows/batch/workflow';
import { promoteAndDeploy, registerTinyModel } from '../test/integration/api/model-fixture';
import { startPipelineHarness } from '../test/helpers/pipeline-harness';
import { mebibytes } from './lib/memory';
import { machineLine, printTable, rate } from './lib/report';

const ROWS = Number(process.env.BENCH_BATCH_ROWS ?? 1_000_000);
const CHUNK_ROWS = Number(process.env.BENCH_BATCH_CHUNK_ROWS ?? 50_000);
const BAD_EVERY = 9973;
const MODEL = 'bench-batch';

function* csvLines(rows: number): Generator<string> {
  yield 'id,x,colour\n';
  let block: string[] = [];
  for (let i = 1; i <= rows; i++) {
    const x = i % BAD_EVERY === 0 ? 'n/a' : ((((i * 37) % 200) / 100 - 1) * 1.001).toFixed(4);
    block.push(`${i},${x},${i % 3 === 0 ? 'red' : 'blue'}\n`);
    if (block.length === 10_000) {
      yield block.join('');
      block = [];
    }
  }
  if (block.length) yield block.join('');
}

/** The kernel's high-water mark of a child's resident set (VmHWM), sampled until it exits. */
function watchPeakRss(child: ChildProcess): { peak: () => number } {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb * 1024);
    } catch {
      clearInterval(timer);
    }
  }, 200);
  child.once('exit', () => clearInterval(timer));
  return { peak: () => peak };
}

async function main(): Promise<void> {
  await stackUp((m) => process.stderr.write(`[stack] ${m}\n`));
  const h = await startPipelineHarness({ trainingInProcess: false });
  try {
    const version = await registerTinyModel(h.deps, { model: MODEL, runId: `bench-${randomUUID().slice(0, 8)}` });
    await promoteAndDeploy(h.deps, { model: MODEL, versionId: version.id });
    const key = `datasets/bench-batch/${ROWS}.csv`;
    await h.deps.store.put(key, Readable.from(csvLines(ROWS)));
    const bad = Math.floor(ROWS / BAD_EVERY);

    // Baseline: in-process predictRows, 1,000 rows a call, over the first 100,000 rows.
    const servable = await loadServableVersion(h.deps, version.id);
    const baselineRows = Math.min(ROWS, 100_000);
    const t0 = performance.now();
    for (let start = 0; start < baselineRows; start += 1000) {
      const rows = Array.from({ length: 1000 }, (_, j) => {
        const i = start + j + 1;
        return { x: (((i * 37) % 200) / 100 - 1) * 1.001, colour: i % 3 === 0 ? 'red' : 'blue' };
      });
      predictRows({ model: servable.model, rows });
    }
    const baselineSeconds = (performance.now() - t0) / 1000;
    disposeModel(servable.model);

    const first = h.spawnTrainingWorker('bench-batch-1');
    const firstRss = watchPeakRss(first);
    const started = performance.now();
    const handle = await h.client.workflow.start(batchScoring, {
      taskQueue: h.config.taskQueues.orchestration,
      workflowId: `batch-${MODEL}-${randomUUID()}`,
      args: [
        {
          model: MODEL,
          request: {
            input: { kind: 's3', key },
            output: { kind: 'postgres', table: 'bench', mode: 'replace' },
            options: { chunkRows: CHUNK_ROWS, parallelism: 2, passthrough: ['id'] },
          },
          requestedBy: 'bench',
          trainingQueue: h.config.taskQueues.training,
          heartbeatTimeout: '10s',
        },
      ],
    });
    const chunks = Math.ceil(ROWS / CHUNK_ROWS);
    for (;;) {
      const n = Number(
        (await h.deps.db('batch_chunks').where({ job_id: handle.workflowId }).count({ n: '*' }).first())?.n,
      );
      // Killed while a chunk is being scored (started, not finished): that chunk must be scored again elsewhere.
      if (n >= Math.max(1, Math.floor(chunks / 3))) {
        const pending = (await handle.describe()).raw.pendingActivities ?? [];
        if (pending.some((a) => a.activityType?.name === 'scoreBatchChunk' && a.lastStartedTime)) break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const killedAt = (performance.now() - started) / 1000;
    const second = h.spawnTrainingWorker('bench-batch-2');
    const secondRss = watchPeakRss(second);
    const summary = await handle.result();
    const seconds = (performance.now() - started) / 1000;
    const secondPeak = secondRss.peak();
    second.kill('SIGTERM');

    const check = await h.deps.db.raw(
      `select count(*)::int as n, count(distinct row_number)::int as d, min(row_number)::int as lo,
              max(row_number)::int as hi, count(*) filter (where row_number % ${BAD_EVERY} = 0)::int as bad
         from batch_predictions.bench where job_id = ?`,
      [handle.workflowId],
    );
    const history = await handle.fetchHistory();
    const retried = (history.events ?? []).filter(
      (e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1,
    ).length;
    const {
      n,
      d,
      lo,
      hi,
      bad: badScored,
    } = check.rows[0] as { n: number; d: number; lo: number; hi: number; bad: number };
    // n distinct row numbers, all in 1..ROWS and none of them a bad row's: exactly the valid input rows, once each.
    const exact =
      n === ROWS - bad &&
      d === n &&
      lo >= 1 &&
      hi <= ROWS &&
      badScored === 0 &&
      summary.rowsTotal === ROWS &&
      summary.rowsRejected === bad;

    console.log(
      `\nbatch scoring, ${ROWS.toLocaleString('en-US')} rows, chunks of ${CHUNK_ROWS}, parallelism 2 — ${machineLine()}`,
    );
    console.log(
      `load average (1/5/15 min) at the end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' / ')}`,
    );
    console.log(
      `worker SIGKILLed at ${killedAt.toFixed(1)} s (heartbeat timeout 10 s); ${retried} chunk(s) scored again\n`,
    );
    printTable(
      ['what', 'rows', 'seconds', 'rows/s', 'peak RSS'],
      [
        [
          'in-process predictRows, 1,000 rows/call (baseline)',
          baselineRows,
          baselineSeconds.toFixed(1),
          rate(baselineRows, baselineSeconds),
          '-',
        ],
        [
          'batch job → PostgreSQL, incl. kill + resume',
          ROWS,
          seconds.toFixed(1),
          rate(ROWS, seconds),
          `${mebibytes(firstRss.peak())} / ${mebibytes(secondPeak)}`,
        ],
      ],
    );
    console.log(
      `\noutput rows ${n.toLocaleString('en-US')} (distinct ${d.toLocaleString('en-US')}), rejected ${summary.rowsRejected} (expected ${bad}): ${exact ? 'exactly one row per valid input row' : 'MISMATCH'}${retried > 0 ? '' : '; the kill interrupted no chunk'}`,
    );
    if (!exact || retried === 0) process.exitCode = 1;
    await h.deps.store.delete(key);
  } finally {
    await h.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
