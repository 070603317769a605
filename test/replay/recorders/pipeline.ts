// Records mlPipeline histories for the replay suite with stub activities on Temporal's time-skipping server, on the
// current workflow code or on an earlier commit's (`--ref`):
//   npx tsx test/replay/recorders/pipeline.ts --scenario approved --name v3-churn-approved-baseline
//   npx tsx test/replay/recorders/pipeline.ts --ref 9ec0431 --scenario approved --name v2-churn-approved-baseline
// Scenarios: approved (a production version exists: the gate compares, the old monitor is stopped, a new one
// starts), rejected, timeout (nobody decides within the approval timeout), canary-promoted (deployment strategy
// canary 10 % → 50 %, both steps pass), canary-rolled-back (the second step breaches a guardrail).
import { randomBytes } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { publicKeyOf, signDecision } from '../../../lib/governance/approval';
import { createTimeSkippingEnv } from '../../helpers/time-skipping';
import {
  abtOut,
  evaluateOut,
  featuresOut,
  ingestOut,
  loadOut,
  obj,
  testSpec,
  trainOut,
  validateOut,
} from '../../workflow/pipeline-fixtures';
import { argument, saveRecordedHistory, workflowSource } from './common';

type Scenario = 'approved' | 'rejected' | 'timeout' | 'canary-promoted' | 'canary-rolled-back';

const SIGNER = { id: 'recorder', privateKeyHex: randomBytes(32).toString('hex') };

const CANARY = {
  kind: 'canary',
  steps: [10, 50],
  stepDuration: '10m',
  guardrails: {
    maxErrorRate: 0.02,
    maxLatencyRatio: 1.5,
    maxLatencyIncreaseMs: 50,
    maxAccuracyDrop: 0.05,
    maxRmseIncrease: 0.1,
    maxPredictionPsi: 0.2,
    minRequests: 50,
    minLabelled: 30,
    minLoggedRows: 100,
  },
  onLowTraffic: 'wait',
  maxWaits: 3,
};

function canaryArm(requests: number, errors: number) {
  const errorRate = errors / requests;
  return { requests, errors, errorRate, latencyMsP95: 5, loggedRows: 0, labelled: 0, accuracy: null, rmse: null };
}

function stubActivities(queue: string, scenario: Scenario) {
  const canary = scenario.startsWith('canary');
  const spec = testSpec({
    monitoring: { enabled: true, interval: '1h', minSamples: 50, drift: {}, onDrift: 'notify', minLabelled: 30 },
    ...(canary ? { deployment: { smokeTestRows: 5, strategy: CANARY } } : {}),
  });
  let checks = 0;
  const f1: Record<string, number> = { logreg: 0.8, mlp: 0.85 };
  return {
    loadPipelineSpec: async () => ({ ...loadOut(spec, queue), specVersion: 1, parameters: {} }),
    approvalVerificationKeys: async () => ({ [SIGNER.id]: publicKeyOf(SIGNER.privateKeyHex) }),
    recordRunStatus: async () => undefined,
    ingestRawData: async () => ingestOut,
    validateDataset: async () => validateOut,
    fitFeatures: async () => featuresOut,
    buildAnalyticBaseTable: async () => abtOut,
    trainCandidate: async ({ candidate }: { candidate: string }) => trainOut(candidate),
    evaluateCandidate: async ({ candidate }: { candidate: string }) => evaluateOut(candidate, f1[candidate] ?? 0),
    writeRunReport: async () => ({ json: obj('r.json'), csv: obj('r.csv'), html: obj('r.html'), xlsx: obj('r.xlsx') }),
    evaluateProductionModel: async () => ({
      runId: 'churn-previous-run',
      version: 2,
      metrics: { f1_macro: 0.7, accuracy: 0.75 },
    }),
    registerModelVersion: async () => ({ modelName: 'churn', versionId: 42, version: 3, created: true }),
    deployModelVersion: async () => undefined,
    smokeTestDeployment: async () => ({ passed: true, checkedRows: 5, mismatches: 0, servedVersion: 3, message: 'ok' }),
    promoteModelVersion: async () => undefined,
    archiveModelVersion: async () => undefined,
    runMonitoringWindow: async (input: { windowIndex: number }) => ({
      reportId: input.windowIndex,
      windowIndex: input.windowIndex,
      predictions: 0,
      labelled: 0,
      driftedFeatures: [],
    }),
    startRetrainingRun: async () => ({ runId: 'none', started: false }),
    notifyWebhook: async () => ({ status: 200 }),
    notify: async () => ({ channels: [] }),
    startCanary: async () => ({
      started: true,
      model: 'churn',
      productionVersionId: 41,
      productionVersion: 2,
      since: new Date().toISOString(),
    }),
    setCanaryShare: async () => ({ since: new Date().toISOString() }),
    checkCanaryGuardrails: async () => {
      checks += 1;
      const breach = scenario === 'canary-rolled-back' && checks === 2;
      return {
        verdict: breach ? 'breach' : 'pass',
        reasons: breach ? ['error rate 25.0 % (30 of 120 requests) is above 2.0 %'] : [],
        skipped: [],
        canary: canaryArm(120, breach ? 30 : 0),
        production: canaryArm(1000, 1),
        predictionPsi: null,
      };
    },
    rollbackCanary: async () => undefined,
    completeCanary: async () => undefined,
  };
}

async function main(): Promise<void> {
  const scenario = (argument('scenario') ?? 'approved') as Scenario;
  const ref = argument('ref');
  const name = argument('name') ?? `churn-${scenario}`;
  const source = workflowSource(ref);
  const env = await createTimeSkippingEnv();
  try {
    const taskQueue = `record-${name}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: source.path,
      activities: stubActivities(taskQueue, scenario),
    });
    const workflowId = `churn-record-${name}`;
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('mlPipeline', {
        taskQueue,
        workflowId,
        args: [{ pipeline: 'churn', params: { epochs: 5 }, trigger: { kind: 'api', by: 'oscar' } }],
      });
      for (let i = 0; i < 200; i++) {
        const status = (await handle.query('status')) as { status: string };
        if (status.status === 'waiting_approval') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      if (scenario === 'timeout') await env.sleep('3d');
      else {
        const decision = scenario === 'rejected' ? 'rejected' : 'approved';
        const claims = {
          runId: workflowId,
          decision,
          by: 'alice',
          reason: `recorded ${scenario}`,
          at: new Date().toISOString(),
          keyId: 'abc123def456',
        } as const;
        const { decision: _kind, ...request } = signDecision(claims, SIGNER);
        await handle.executeUpdate(decision === 'approved' ? 'approve' : 'reject', { args: [request] });
      }
      // A rolled-back canary ends the run with the outcome rolled_back (production unchanged).
      const result = (await handle.result()) as { outcome: string };
      if (scenario === 'canary-rolled-back' && result.outcome !== 'rolled_back') {
        throw new Error(`expected a rolled-back canary, the run ended ${result.outcome}`);
      }
      saveRecordedHistory(name, workflowId, ref, await handle.fetchHistory());
      await env.client.workflow
        .getHandle(`monitor-${workflowId}`)
        .terminate('recording done')
        .catch(() => undefined);
    });
  } finally {
    await env.teardown();
    source.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
