// One scenario: write its data, start its run, let the fault happen beside it, wait for the outcome, check the rows.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../../lib/store';
import { CHURN_HEADER, churnRows, toCsvText } from '../../../scripts/generate-example-data';
import type { PipelineHarness } from '../../helpers/pipeline-harness';
import { approveWhenWaiting, serverUnreachable, type Check } from './bad-input-runner';
import { FaultContext, type TrainingWorkers } from './fault-context';
import { KILLS, PROFILES, type Scenario } from './fault-scenarios';
import { checkRun, type RunEvidence } from './run-checks';

const RUN_TIMEOUT_MS = Number(process.env.FAULTS_RUN_TIMEOUT_MS ?? 20 * 60_000);
const ROWS = 3000;

export interface ScenarioResult {
  scenario: Scenario;
  runId: string;
  outcome: string;
  seconds: number;
  evidence?: RunEvidence;
  timeline: string[];
  checks: Check[];
}

/** The scenario's version of the churn spec: its profile's candidates, its own data and model, no gate, no monitor. */
function overridesFor(scenario: Scenario, dataPath: string): Record<string, unknown> {
  return {
    ...PROFILES[scenario.profile].params,
    model: `faults-${scenario.id}`,
    data: { source: { kind: 'file', path: dataPath, format: 'csv' } },
    evaluation: { thresholds: { accuracy: { min: 0 }, roc_auc: { min: 0 } } },
    approval: { approvers: [] },
    monitoring: { enabled: false },
    parameters: [],
  };
}

/**
 * The run's outcome, waiting as a client should across a Temporal outage: the result long-poll fails with
 * UNAVAILABLE once the client's own retries run out while the server is down, and is asked again until it answers
 * (the run itself is durable on the server). A timeout or any other error is the outcome as text.
 */
async function outcomeOf(handle: { result(): Promise<{ outcome: string }> }): Promise<string> {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no result within ${RUN_TIMEOUT_MS / 1000} s`), deadline - Date.now());
    });
    try {
      return await Promise.race([handle.result().then((r) => r.outcome), timeout]);
    } catch (err) {
      if (serverUnreachable(err) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      return `failed: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : err}`;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Checks that depend on what the fault was meant to provoke. */
function faultChecks(scenario: Scenario, evidence: RunEvidence, ctx: FaultContext): Check[] {
  if (!scenario.disturb) return [];
  const checks: Check[] = [
    { name: 'activity attempts > 1', ok: evidence.retried.length > 0, detail: evidence.retried.join(', ') },
  ];
  if (scenario.id === 'worker-kills') {
    const kills = ctx.timeline.filter((e) => e.includes('SIGKILL')).length;
    const resumed = evidence.resumed.mlp ?? [];
    checks.push({ name: `${KILLS} kills`, ok: kills === KILLS, detail: String(kills) });
    checks.push({
      name: 'every later attempt resumed from a checkpoint',
      ok: resumed.length === KILLS && resumed.every((e) => e > 0),
      detail: `resumed after epochs ${resumed.join(', ')}`,
    });
  }
  return checks;
}

export async function runScenario(args: {
  h: PipelineHarness;
  workers: TrainingWorkers;
  scenario: Scenario;
  dataDir: string;
}): Promise<ScenarioResult> {
  const { h, workers, scenario } = args;
  const dir = join(args.dataDir, 'scenario-data');
  mkdirSync(dir, { recursive: true });
  const csv = toCsvText(CHURN_HEADER, churnRows(ROWS, scenario.seed));
  const dataPath = join(dir, `${scenario.id}.csv`);
  writeFileSync(dataPath, csv);

  const runId = `faults-${scenario.id}-${randomUUID().slice(0, 8)}`;
  const exitsBefore = workers.unexpectedExits.length;
  const ctx = new FaultContext(h, runId, workers);
  const pipeline = await h.variant(`faults-${scenario.id}`, overridesFor(scenario, dataPath));
  const handle = await h.start({ pipeline }, runId);
  ctx.note('run started');
  // The run is approved (signed, as the API would) once it waits: the faults are about the steps around it.
  const approving = approveWhenWaiting(h, handle).catch(() => undefined);
  const disturbance = scenario.disturb?.(ctx).then(
    () => undefined,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  const outcome = await outcomeOf(handle);
  await approving;
  const seconds = ctx.seconds();
  ctx.note(`run ended: ${outcome}`);
  const disturbError = await disturbance;

  const checks: Check[] = [{ name: 'run succeeded', ok: outcome === 'succeeded', detail: outcome }];
  if (disturbError) checks.push({ name: 'fault applied', ok: false, detail: disturbError });
  const exits = workers.unexpectedExits.slice(exitsBefore);
  checks.push({ name: 'no worker died on its own', ok: exits.length === 0, detail: exits.join('; ') });
  let evidence: RunEvidence | undefined;
  try {
    evidence = await checkRun({
      db: h.deps.db,
      store: h.deps.store,
      client: h.client,
      runId,
      rawSha256: sha256Hex(csv),
      epochs: PROFILES[scenario.profile].epochs,
    });
    checks.push(...evidence.checks, ...faultChecks(scenario, evidence, ctx));
  } catch (err) {
    checks.push({ name: 'evidence collected', ok: false, detail: err instanceof Error ? err.message : String(err) });
  }
  const known = Object.entries(scenario.knownIssues ?? {});
  for (const c of checks) c.known = c.ok ? undefined : known.find(([part]) => c.name.includes(part))?.[1];
  return { scenario, runId, outcome, seconds, evidence, timeline: ctx.timeline, checks };
}
