import request from 'supertest';
import { listAudit } from '../../../lib/audit';
import { eventually, startApiHarness, type ApiHarness } from '../api/harness';

// The approver's choice of delivery strategy through the API: signed by the API, verified by the workflow, carried
// in the decision to the production steps, and audited.

describe('choosing the delivery strategy when approving (real Temporal dev server, PostgreSQL)', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(() => h?.stop());

  const getRun = (runId: string) => request(h.app).get(`/v1/runs/${runId}`).set(h.auth('viewer'));

  it('signs the choice into the decision, the run follows it, and the audit row names it', async () => {
    const started = await request(h.app).post('/v1/pipelines/churn/runs').set(h.auth('operator')).send({});
    const { runId } = started.body as { runId: string };
    await eventually(
      async () => (await getRun(runId)).body.status === 'waiting_approval',
      30_000,
      'the run to wait for approval',
    );
    const invalid = await request(h.app)
      .post(`/v1/runs/${runId}/approve`)
      .set(h.auth('approver'))
      .send({ reason: 'canary please', strategy: 'blue-green' });
    expect(invalid.status).toBe(400);
    const res = await request(h.app)
      .post(`/v1/runs/${runId}/approve`)
      .set(h.auth('approver'))
      .send({ reason: 'canary please', strategy: 'canary' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ decision: 'approved', by: 'alice', strategy: 'canary' });
    const done = await eventually(
      async () => {
        const r = await getRun(runId);
        return r.body.status === 'succeeded' && r.body;
      },
      30_000,
      'the approved run to finish',
    );
    expect(done.approval.decision).toMatchObject({ decision: 'approved', by: 'alice', strategy: 'canary' });
    const audit = await listAudit(h.database.db, { target: `run:${runId}` });
    expect(audit).toEqual([
      expect.objectContaining({ action: 'approve', details: expect.objectContaining({ strategy: 'canary' }) }),
    ]);
  }, 90_000);
});
