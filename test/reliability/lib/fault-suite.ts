// The fault suite on a private stack: baselines and faulted runs one after another, then a table of what recovered
// how. Loaded only after isolate.ts has pointed MLOPS_DATA_DIR at the private stack's folder.
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { machineLine, printTable } from '../../../bench/lib/report';
import { stackDown, stackUp } from '../../../infra/stack';
import { startPipelineHarness, type PipelineHarness } from '../../helpers/pipeline-harness';
import { TrainingWorkers } from './fault-context';
import { SCENARIOS } from './fault-scenarios';
import { runScenario, type ScenarioResult } from './scenario-run';

/** Waits until a training worker polls the queue, so no run's wall time includes a worker's start-up. */
async function trainingPollerReady(h: PipelineHarness): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const queue = await h.client.workflowService.describeTaskQueue({
      namespace: h.config.temporal.namespace,
      taskQueue: { name: h.config.taskQueues.training },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    if ((queue.pollers ?? []).length > 0) return;
    await sleep(250);
  }
  throw new Error('no training worker polled its queue within 120 s');
}

function versusBaseline(r: ScenarioResult, results: ScenarioResult[]): string {
  if (!r.scenario.disturb) return 'baseline';
  const base = results.find((b) => !b.scenario.disturb && b.scenario.profile === r.scenario.profile);
  if (!base) return 'no baseline';
  return `+${(r.seconds - base.seconds).toFixed(1)} s (${(r.seconds / base.seconds).toFixed(2)}×)`;
}

function report(results: ScenarioResult[]): void {
  for (const r of results) {
    console.log(`\n== ${r.scenario.id}: ${r.scenario.title} (run ${r.runId})`);
    for (const event of r.timeline) console.log(`   ${event}`);
    for (const z of r.evidence?.zombies ?? []) console.log(`   overlap: ${z}`);
    for (const c of r.checks) {
      const mark = c.ok ? 'ok   ' : c.known ? 'KNOWN' : 'FAIL ';
      console.log(
        `   ${mark} ${c.name}${c.detail ? `: ${c.detail}` : ''}${c.known ? ` (product defect: ${c.known})` : ''}`,
      );
    }
  }
  console.log('');
  printTable(
    [
      'scenario',
      'outcome',
      'wall s',
      'vs baseline',
      'retried activities (final attempt)',
      'resumed after epoch',
      'checks',
    ],
    results.map((r) => {
      const failed = r.checks.filter((c) => !c.ok && !c.known);
      const known = r.checks.filter((c) => c.known);
      const resumed = Object.entries(r.evidence?.resumed ?? {}).map(([c, e]) => `${c}: ${e.join(', ')}`);
      return [
        r.scenario.id,
        r.outcome,
        r.seconds.toFixed(1),
        versusBaseline(r, results),
        r.evidence?.retried.join(', ') || '—',
        resumed.join('; ') || '—',
        failed.length
          ? `FAIL: ${failed.map((c) => c.name).join('; ')}`
          : `${r.checks.length - known.length}/${r.checks.length} ok${known.length ? `, ${known.length} known defect` : ''}`,
      ];
    }),
  );
}

export async function runFaultSuite(dataDir: string): Promise<number> {
  // Outages make the SDK warn on every failed poll and heartbeat; the timeline says what happened.
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  process.env.LOG_LEVEL ??= 'fatal';
  const only = process.env.FAULTS_ONLY?.split(',').map((s) => s.trim());
  const scenarios = only ? SCENARIOS.filter((s) => only.includes(s.id)) : SCENARIOS;
  console.log(`reliability:faults — ${scenarios.length} runs on a private stack in ${dataDir}`);
  console.log(
    `${machineLine()}; load average ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );

  let h: PipelineHarness | undefined;
  let workers: TrainingWorkers | undefined;
  let passed = false;
  const cleanup = async () => {
    await workers?.shutdown().catch(() => undefined);
    await h?.stop().catch((err: unknown) => console.error('harness stop failed:', err));
    await stackDown();
    if (passed && !process.env.FAULTS_KEEP) rmSync(dataDir, { recursive: true, force: true });
    else console.log(`kept ${dataDir} (server logs under logs/)`);
  };
  // Its servers are detached processes: an interrupted suite must still take its private stack down.
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  try {
    for (const r of await stackUp())
      console.log(`  ${r.service} ${r.action} on ports ${JSON.stringify(r.state.ports)}`);
    h = await startPipelineHarness({ trainingInProcess: false });
    workers = new TrainingWorkers(h);
    workers.start();
    await trainingPollerReady(h);
    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) {
      console.log(`running ${scenario.id}: ${scenario.title} ...`);
      const result = await runScenario({ h, workers, scenario, dataDir });
      results.push(result);
      console.log(`  ${result.outcome} in ${result.seconds.toFixed(1)} s`);
      await trainingPollerReady(h);
    }
    report(results);
    const failures = results.filter((r) => r.checks.some((c) => !c.ok && !c.known));
    passed = failures.length === 0;
    console.log(`\n${results.length - failures.length}/${results.length} scenarios passed every check`);
    return passed ? 0 : 1;
  } finally {
    await cleanup();
  }
}
