// `npm test`: tools, stack up, lint, every jest project, stack down (only what this run started).
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

/** Runs a command to its end, its output to the terminal or (logFile) to a file; resolves with its exit status. */
function runAsync(command: string, args: string[], env: NodeJS.ProcessEnv, logFile?: string): Promise<number> {
  return new Promise((resolve) => {
    const log = logFile ? createWriteStream(logFile) : undefined;
    const child = spawn(command, args, {
      cwd: PROJECT_ROOT,
      stdio: log ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      env: { ...process.env, ...env },
    });
    child.stdout?.pipe(log as NodeJS.WritableStream, { end: false });
    child.stderr?.pipe(log as NodeJS.WritableStream, { end: false });
    child.on('close', (code) => {
      if (log) log.end(() => resolve(code ?? 1));
      else resolve(code ?? 1);
    });
  });
}

function readSummary(file: string): JestSummary | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as JestSummary;
  } catch {
    return undefined;
  }
}

/** The jest projects jest.config.js defines here (the native one only where its backend is installed). */
function jestProjects(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require(join(PROJECT_ROOT, 'jest.config.js')) as { projects: Array<{ displayName: string }> };
  return config.projects.map((p) => p.displayName);
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
    // Two jest runs at once: the suites that use the stack (integration, security) one after another, as before,
    // and beside them the ones that do not (unit, workflow on its own time-skipping server, native), which fill
    // the time the stack suites spend waiting on servers, timers and workers. The stack lifecycle suite, which
    // starts a whole second stack from nothing against its start-up timeouts, runs after both, on its own.
    const projects = jestProjects();
    const standalone = projects.filter((p) => !['integration', 'security'].includes(p));
    const stacked = projects.filter((p) => ['integration', 'security'].includes(p));
    step(`jest (${stacked.join(', ')}; beside them ${standalone.join(', ')})`);
    const env = {
      ...chartEnv,
      TEMPORAL_TEST_SERVER: tools['temporal-test-server'].path,
      CHROMIUM_BIN: chromium,
      NODE_ENV: 'test',
    };
    const jest = (group: string[], outputFile: string, logFile?: string, only: string[] = []) =>
      runAsync(
        'npx',
        [
          'jest',
          '--ci',
          // A failing test can leave a worker polling a server it tore down; CI must still end (and fail).
          '--forceExit',
          '--json',
          `--outputFile=${outputFile}`,
          ...process.argv.slice(2),
          ...only,
          // Last: the option takes every value after it.
          '--selectProjects',
          ...group,
        ],
        env,
        logFile,
      );
    const standaloneLog = join(outDir, 'standalone.log');
    const files = {
      stacked: join(outDir, 'stacked.json'),
      standalone: join(outDir, 'standalone.json'),
      lifecycle: join(outDir, 'lifecycle.json'),
    };
    const lifecycle = 'test/integration/stack-lifecycle';
    await Promise.all([
      jest(stacked, files.stacked, undefined, [`--testPathIgnorePatterns=${lifecycle}`]),
      jest(standalone, files.standalone, standaloneLog),
    ]);
    step(`jest output of ${standalone.join(', ')}`);
    process.stdout.write(readFileSync(standaloneLog, 'utf8'));
    step('jest: the stack lifecycle, alone');
    await jest(['integration'], files.lifecycle, undefined, [`--testPathPatterns=${lifecycle}`, '--passWithNoTests']);
    const parts = [readSummary(files.stacked), readSummary(files.standalone), readSummary(files.lifecycle)];
    summary = parts.every((p): p is JestSummary => p !== undefined)
      ? {
          numPassedTests: parts.reduce((n, p) => n + p.numPassedTests, 0),
          numFailedTests: parts.reduce((n, p) => n + p.numFailedTests, 0),
          numPendingTests: parts.reduce((n, p) => n + p.numPendingTests, 0),
          success: parts.every((p) => p.success),
        }
      : undefined;
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
