// The scale-out check as a script (test/reliability/scale-out.ts): private stack up, the batch, a report, stack down.
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { machineLine, printTable } from '../../../bench/lib/report';
import { stackDown, stackUp } from '../../../infra/stack';
import { startPipelineHarness, type PipelineHarness } from '../../helpers/pipeline-harness';
import { runScaleOut } from './scale-out';

const RUNS = Number(process.env.SCALE_OUT_RUNS ?? 12);

export async function runScaleOutSuite(dataDir: string): Promise<number> {
  // Killed workers make the SDK log every failed poll and heartbeat; the timeline says what happened.
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  process.env.LOG_LEVEL ??= 'fatal';
  console.log(
    `reliability:scale-out — ${RUNS} runs, 2 orchestration + 2 training workers, private stack in ${dataDir}`,
  );
  console.log(
    `${machineLine()}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  let h: PipelineHarness | undefined;
  let passed = false;
  const cleanup = async () => {
    await h?.stop().catch((err: unknown) => console.error('harness stop failed:', err));
    await stackDown();
    if (passed) rmSync(dataDir, { recursive: true, force: true });
    else console.log(`kept ${dataDir} (worker logs under logs/)`);
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  try {
    await stackUp();
    h = await startPipelineHarness({ orchestrationInProcess: false, trainingInProcess: false });
    const result = await runScaleOut({ h, runs: RUNS, dataDir: join(dataDir, 'runs') });
    for (const event of result.timeline) console.log(`   ${event}`);
    for (const c of result.checks) console.log(`   ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail ?? ''}`);
    console.log('');
    printTable(
      ['run', 'outcome', 'checks'],
      result.runs.map((r) => {
        const failed = r.checks.filter((c) => !c.ok);
        return [
          r.runId,
          r.outcome,
          failed.length
            ? `FAIL: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}`
            : `${r.checks.length}/${r.checks.length} ok`,
        ];
      }),
    );
    passed = result.checks.every((c) => c.ok) && result.runs.every((r) => r.checks.every((c) => c.ok));
    console.log(`\n${passed ? 'PASSED' : 'FAILED'}: ${RUNS} runs in ${result.seconds.toFixed(1)} s`);
    return passed ? 0 : 1;
  } finally {
    await cleanup();
  }
}
