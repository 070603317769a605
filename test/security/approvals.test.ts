// Audit rows 3, 4 and 8 (approvals): nothing reaches production without a named human approver who did not start
// the run, and a decision only counts when the API signed it, so Temporal access alone cannot approve.
import { randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import request from 'supertest';
import { createRegistryActivities } from '../../activities/registry';
import { signDecision } from '../../lib/governance/approval';
import { approveUpdate, statusQuery } from '../../workflows/pipeline/messages';
import { eventually, startApiHarness, type ApiHarness } from '../integration/api/harness';
import { promoteAndDeploy, registerTinyModel } from '../integration/api/model-fixture';

describe('security: approvals cannot be forged, self-granted or skipped', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(() => h?.stop());

  async function waitingRun(holder: 'operator' | 'approver' = 'operator'): Promise<string> {
    const started = await request(h.app).post('/v1/pipelines/churn/runs').set(h.auth(holder)).send({});
    expect(started.status).toBe(201);
    const runId = started.body.runId as string;
    await eventually(
      async () =>
        (await h.client.workflow.getHandle(runId).query(statusQuery)).status === 'waiting_approval' || undefined,
      30_000,
      'the run to wait for approval',
    );
    return runId;
  }

  /** Sends an approve update straight to Temporal, as someone holding Temporal access (not the API) would. */
  function sendDirect(runId: string, request: Record<string, unknown>) {
    return h.client.workflow.getHandle(runId).executeUpdate(approveUpdate, { args: [request as never] });
  }

  const signer = () => h.config.governance.approval.signer as { id: string; privateKeyHex: string };
  const claims = (runId: string, by = 'alice') =>
    ({ runId, decision: 'approved', by, reason: 'looks good', at: new Date().toISOString() }) as const;
  const request_ = (signed: ReturnType<typeof signDecision>) => {
    const { decision: _kind, ...rest } = signed;
    return rest;
  };

  it('row 4: the approver who started a run cannot approve it (four-eyes), though they may withdraw it', async () => {
    const runId = await waitingRun('approver');
    const self = await request(h.app)
      .post(`/v1/runs/${runId}/approve`)
      .set(h.auth('approver'))
      .send({ reason: 'mine' });
    expect(self.status).toBe(403);
    expect(self.body.error).toBe('SELF_APPROVAL');
    // The workflow applies the same rule to a correctly signed decision that bypasses the API's check.
    await expect(sendDirect(runId, request_(signDecision(claims(runId), signer())))).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/started run .* and may not also approve it \(four-eyes rule\)/) },
    });
    const withdrawn = await request(h.app)
      .post(`/v1/runs/${runId}/reject`)
      .set(h.auth('approver'))
      .send({ reason: 'started by mistake' });
    expect(withdrawn.status).toBe(200);
  });

  it('row 8: an unsigned decision sent with Temporal access is refused by the workflow', async () => {
    const runId = await waitingRun();
    await expect(sendDirect(runId, { by: 'alice', reason: 'trust me' })).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/the decision is not signed/) },
    });
    expect((await h.client.workflow.getHandle(runId).query(statusQuery)).status).toBe('waiting_approval');
  });

  it('row 8: forged, tampered or replayed signatures are refused', async () => {
    const runId = await waitingRun();
    const otherRun = await waitingRun();
    const attacker = { id: signer().id, privateKeyHex: randomBytes(32).toString('hex') };
    await expect(sendDirect(runId, request_(signDecision(claims(runId), attacker)))).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/signature does not verify/) },
    });
    const unknownKey = { id: 'attacker', privateKeyHex: attacker.privateKeyHex };
    await expect(sendDirect(runId, request_(signDecision(claims(runId), unknownKey)))).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/unknown key "attacker"/) },
    });
    const genuine = request_(signDecision(claims(runId), signer()));
    await expect(sendDirect(runId, { ...genuine, by: 'bob-the-impostor' })).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/bob-the-impostor is not an approver|does not verify/) },
    });
    await expect(sendDirect(runId, { ...genuine, reason: 'changed after signing' })).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/signature does not verify/) },
    });
    // A genuine decision captured from one run's history does not approve another run.
    await expect(sendDirect(otherRun, genuine)).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/signature does not verify/) },
    });
    // And the genuine one, unaltered, is accepted: the refusals above are about the forgery, not the run.
    await expect(sendDirect(runId, genuine)).resolves.toMatchObject({ decision: 'approved' });
  });

  it('row 8: the production steps verify the decision again, whatever the workflow passes them', async () => {
    const v1 = await registerTinyModel(h, { model: 'guarded', runId: 'guarded-run-1' });
    await promoteAndDeploy(h, { model: 'guarded', versionId: v1.id });
    const v2 = await registerTinyModel(h, { model: 'guarded', runId: 'guarded-run-2' });
    const activities = createRegistryActivities({
      db: h.db,
      store: h.store,
      log: h.deps.log,
      config: h.config,
      codeVersion: 'test',
    });
    const env = new MockActivityEnvironment({ workflowExecution: { workflowId: 'guarded-run-2', runId: 'r' } });
    const unsigned = {
      runId: 'guarded-run-2',
      versionId: v2.id,
      actor: 'alice',
      reason: 'timer said so',
      decidedAt: new Date().toISOString(),
      decision: { decision: 'approved', by: 'alice', reason: 'timer said so', at: 'x', source: 'human' },
    } as const;
    await expect(env.run(activities.promoteModelVersion, unsigned)).rejects.toMatchObject({
      type: 'DecisionNotAuthentic',
      message: expect.stringMatching(/not signed/),
    });
    const timeout = { ...unsigned, decision: { ...unsigned.decision, source: 'timeout' as const } };
    await expect(env.run(activities.promoteModelVersion, timeout)).rejects.toMatchObject({
      message: expect.stringMatching(/not a human approval/),
    });
    const deploy = {
      runId: 'guarded-run-2',
      modelName: 'guarded',
      versionId: v2.id,
      slot: 'production',
      actor: 'alice',
    };
    await expect(env.run(activities.deployModelVersion, deploy as never)).rejects.toMatchObject({
      message: expect.stringMatching(/no approval decision was given/),
    });
    const production = await h.db('deployments').where({ model_name: 'guarded', slot: 'production' }).first();
    expect(production.model_version_id).toBe(v1.id);
    expect((await h.db('model_versions').where({ id: v2.id }).first()).stage).not.toBe('production');
  });

  it('row 3: a spec whose approval approves itself on timeout cannot even be applied', async () => {
    const yaml = (await request(h.app).get('/v1/pipelines/churn').set(h.auth('viewer'))).body.sourceText as string;
    const res = await request(h.app)
      .post('/v1/pipelines')
      .set(h.auth('admin'))
      .send({ yaml: yaml.replace('onTimeout: reject', 'onTimeout: approve') });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/approval\.onTimeout: must be "reject": nothing reaches production/);
  });
});
