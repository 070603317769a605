// `npm test`: tools, stack up, lint, every jest project, stack down (only what this run started).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/config/paths';
import { ensureConsoleBuilt } from './console-build';
import { stackDown, stackUp } from './stack';
import type { ServiceName } from './stack/state';
import { resolveChromium } from './tools/chromium';
import { resolveAllTools, resolveChartTools } from './tools/resolve';

interface JestSummary {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  success: boolean;
}

function step(title: string): void {
  console.log(`\n=== ${title} ===`);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): boolean {
  const result = spawnSync(command, args, { cwd: PROJECT_ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status === 0;
}

async function main(): Promise<number> {
  const log = (m: string) => console.log(`  ${m}`);
  step('tools');
  const tools = await resolveAllTools(log);
  for (const t of Object.values(tools)) console.log(`  ${t.name}: ${t.path} (${t.source})`);
  const chromium = resolveChromium(log);
  console.log(`  chromium: ${chromium}`);
  // The chart check's tools; if they cannot be had, its test fails and says why (the other suites still run).
  const chartEnv: NodeJS.ProcessEnv = {};
  try {
    const chart = await resolveChartTools(log);
    for (const t of Object.values(chart)) console.log(`  ${t.name}: ${t.path} (${t.source})`);
    chartEnv.HELM_BIN = chart.helm.path;
    chartEnv.KUBERNETES_VALIDATE_BIN = chart['kubernetes-validate'].path;
  } catch (err) {
    console.log(`  chart tools unavailable: ${(err as Error).message}`);
  }

  step('web console');
  console.log(`  ${ensureConsoleBuilt(log)}`);

  step('lint');
  const lintOk = run('npm', ['run', '--silent', 'lint']);
  if (!lintOk) console.log('lint failed (the tests still run, so one run shows every problem)');

  step('stack up');
  const started: ServiceName[] = [];
  const results = await stackUp(log);
  for (const r of results) {
    console.log(`  ${r.service}: ${r.action}`);
    if (r.action === 'started') started.push(r.service);
  }

  const outDir = mkdtempSync(join(tmpdir(), 'mlops-jest-'));
  let summary: JestSummary | undefined;
  try {
    step('jest (unit, workflow, integration)');
    const outputFile = join(outDir, 'results.json');
    // --forceExit: a failing test can leave a worker polling a server it tore down; CI must still end (and fail).
    run('npx', ['jest', '--ci', '--forceExit', '--json', `--outputFile=${outputFile}`, ...process.argv.slice(2)], {
      ...chartEnv,
      TEMPORAL_TEST_SERVER: tools['temporal-test-server'].path,
      CHROMIUM_BIN: chromium,
      NODE_ENV: 'test',
    });
    try {
      summary = JSON.parse(readFileSync(outputFile, 'utf8')) as JestSummary;
    } catch {
      summary = undefined;
    }
  } finally {
    step('stack down');
    const stopped = await stackDown(log, started);
    console.log(stopped.length ? `  stopped: ${stopped.join(', ')}` : '  left running what was running before');
    rmSync(outDir, { recursive: true, force: true });
  }

  step('result');
  if (!summary) {
    console.log('jest did not report results (it crashed before writing them)');
    return 1;
  }
  console.log(`lint: ${lintOk ? 'clean' : 'FAILED'}`);
  console.log(
    `tests: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed, ${summary.numPendingTests} skipped`,
  );
  return lintOk && summary.success ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
