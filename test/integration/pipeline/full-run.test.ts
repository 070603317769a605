import type { ModelSignature } from '../../../lib/ml/signature';
import { createModelServer } from '../../../lib/serving/model-server';
import { getDeployment, listVersions, stageHistory } from '../../../lib/registry';
import { listAudit } from '../../../lib/audit';
import { rejectUpdate } from '../../../workflows/pipeline/messages';
import { FAST_CHURN_CANDIDATES, startPipelineHarness, type PipelineHarness } from '../../helpers/pipeline-harness';
import { saveHistory } from '../../helpers/histories';

describe('pipeline on the real stack: full run, then a second run on the same data', () => {
  let h: PipelineHarness;
  beforeAll(async () => {
    h = await startPipelineHarness();
    await h.variant('churn', { candidates: FAST_CHURN_CANDIDATES });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('phase 0 → 1 → waits → approve → phase 2; the production slot serves the new version', async () => {
    const handle = await h.start({ pipeline: 'churn', trigger: { kind: 'api', by: 'oscar' } });
    const waiting = await h.waitForStatus(handle, (s) => s.status === 'waiting_approval');
    expect(waiting).toMatchObject({
      phase: 'staging',
      step: 'approval',
      modelVersion: { model: 'churn-classifier', version: 1 },
    });
    expect(Object.keys(waiting.metrics).sort()).toEqual(['logreg', 'mlp']);
    // Training progress is read from training_epochs (and heartbeats), never signalled into the run's history.
    const epochs = await h.deps.db('training_epochs').where({ run_id: handle.workflowId, candidate: 'mlp' });
    expect(Math.max(...epochs.map((e: { epoch: number }) => e.epoch))).toBe(4);
    expect(waiting.approval).toMatchObject({ fourEyes: true, startedBy: 'oscar' });
    expect(waiting.cacheHits).toEqual(expect.not.arrayContaining(['validate', 'features', 'abt']));

    await h.decide(handle, 'approved', 'alice', 'f1 and auc above the gate');
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'succeeded', model: 'churn-classifier', version: 1 });
    await saveHistory(handle, 'churn-approved');

    const db = h.deps.db;
    const deployment = await getDeployment(db, 'churn-classifier', 'production');
    const versions = await listVersions(db, 'churn-classifier');
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ stage: 'production', run_id: handle.workflowId });
    expect(deployment?.model_version_id).toBe(versions[0]?.id);
    expect(versions[0]?.lineage).toMatchObject({
      pipeline: 'churn',
      codeVersion: 'test',
      rawDataset: { sha256: expect.any(String) },
    });

    const history = await stageHistory(db, versions[0]?.id as number);
    expect(history.map((t: { to_stage: string }) => t.to_stage)).toEqual(['staging', 'production']);
    expect(history[1]).toMatchObject({ actor: 'alice', reason: 'f1 and auc above the gate' });
    const audit = await listAudit(db, { action: 'approve' });
    expect(audit[0]).toMatchObject({
      actor: 'alice',
      target: 'model:churn-classifier:v1',
      reason: 'f1 and auc above the gate',
    });

    const steps = await db('step_executions').where({ run_id: handle.workflowId }).select('step', 'status');
    const stepNames = steps.map((s: { step: string }) => s.step);
    for (const step of [
      'ingest',
      'validate',
      'features',
      'abt',
      'train:logreg',
      'train:mlp',
      'evaluate:mlp',
      'report',
      'register',
      'deploy-staging',
      'smoke-test:staging',
      'promote',
      'deploy-production',
    ]) {
      expect(stepNames).toContain(step);
    }
    expect(steps.every((s: { status: string }) => s.status !== 'failed' && s.status !== 'running')).toBe(true);
    const lineage = await db('lineage_edges').where({ run_id: handle.workflowId });
    expect(lineage.map((e: { relation: string }) => e.relation)).toEqual(
      expect.arrayContaining(['validated', 'derived_from', 'trained_on', 'evaluated_on', 'uses_transform']),
    );

    const server = createModelServer({ db, store: h.deps.store, log: h.deps.log });
    try {
      const row = {
        tenure_months: 2,
        monthly_charges: 110,
        contract: 'month-to-month',
        support_calls: 6,
        has_internet: true,
        region: 'north',
        signup_date: '2024-01-05',
      };
      const answer = await server.predict({ model: 'churn-classifier', slot: 'production', rows: [row] });
      expect(answer.version).toBe(1);
      expect(['yes', 'no']).toContain(answer.predictions[0]?.prediction);
      // The churn data's tenure starts at 8 months: 2 is answered, but flagged (dates are never range-checked).
      expect(answer.predictions[0]?.warnings).toEqual([
        expect.objectContaining({ field: 'tenure_months', code: 'OUT_OF_RANGE' }),
      ]);
      const probabilities = Object.values(answer.predictions[0]?.probabilities ?? {});
      expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      // The register step stored the signature the features step observed on the training rows; predict checks it.
      const signature = versions[0]?.signature as ModelSignature;
      expect(signature).toMatchObject({ version: 1, source: 'training', task: 'classification' });
      expect(signature.observedRows).toBeGreaterThan(0);
      expect(signature.inputs.find((c) => c.name === 'contract')?.categories).toContain('month-to-month');
      expect(signature.inputs.find((c) => c.name === 'tenure_months')).toMatchObject({ min: expect.any(Number) });
      const { tenure_months: tenure, ...misspelled } = row;
      await expect(
        server.predict({
          model: 'churn-classifier',
          slot: 'production',
          rows: [{ ...misspelled, tenure_month: tenure }],
        }),
      ).rejects.toMatchObject({
        details: { problems: expect.arrayContaining([expect.objectContaining({ row: 0, field: 'tenure_month' })]) },
      });
      const unseen = await server.predict({
        model: 'churn-classifier',
        slot: 'production',
        rows: [{ ...row, tenure_months: 12, region: 'atlantis' }],
      });
      expect(unseen.predictions[0]?.warnings).toEqual([
        expect.objectContaining({ field: 'region', code: 'UNSEEN_CATEGORY' }),
      ]);
    } finally {
      await server.close();
    }
  });

  it('a second run on the same data hits the step cache, and a rejection keeps it out of production', async () => {
    const handle = await h.start({ pipeline: 'churn', trigger: { kind: 'api', by: 'oscar' } });
    const waiting = await h.waitForStatus(handle, (s) => s.status === 'waiting_approval');
    expect(waiting.cacheHits).toEqual(['ingest', 'validate', 'features', 'abt']);
    expect(waiting.modelVersion?.version).toBe(2);

    await expect(h.decide(handle, 'rejected', 'alice', '')).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/reason is required/) },
    });
    await expect(
      handle.executeUpdate(rejectUpdate, {
        args: [{ by: 'alice', reason: 'unsigned, as if sent with Temporal access' }],
      }),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/not signed/) } });
    await h.decide(handle, 'rejected', 'alice', 'no better than v1 on the holdout');
    const result = await handle.result();
    expect(result.outcome).toBe('rejected');
    await saveHistory(handle, 'churn-rejected-cached');

    const db = h.deps.db;
    const cached = await db('step_executions').where({ run_id: handle.workflowId, status: 'cached' }).pluck('step');
    expect(cached.sort()).toEqual(['abt', 'features', 'ingest', 'validate']);
    const versions = await listVersions(db, 'churn-classifier');
    expect(versions.map((v) => [v.version, v.stage])).toEqual([
      [2, 'archived'],
      [1, 'production'],
    ]);
    const transitions = await stageHistory(db, versions[0]?.id as number);
    expect(transitions.at(-1)).toMatchObject({
      to_stage: 'archived',
      actor: 'alice',
      reason: 'rejected: no better than v1 on the holdout',
    });
    expect((await getDeployment(db, 'churn-classifier', 'production'))?.model_version_id).toBe(versions[1]?.id);
    // The rejected version left the staging slot: predicting with staging is a 404, not the archived version.
    expect(await getDeployment(db, 'churn-classifier', 'staging')).toBeUndefined();
    expect(await listAudit(db, { action: 'undeploy' })).toEqual([
      expect.objectContaining({ actor: 'alice', target: 'model:churn-classifier:v2' }),
    ]);
    const server = createModelServer({ db, store: h.deps.store, log: h.deps.log });
    try {
      await expect(
        server.predict({ model: 'churn-classifier', slot: 'staging', rows: [{ tenure_months: 12 }] }),
      ).rejects.toMatchObject({ code: 'MODEL_NOT_DEPLOYED' });
    } finally {
      await server.close();
    }
    const run = await db('pipeline_runs').where({ run_id: handle.workflowId }).first();
    expect(run).toMatchObject({ status: 'rejected', phase: 'staging' });
  });
});
