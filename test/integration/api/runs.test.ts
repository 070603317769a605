import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import request from 'supertest';
import { runCli } from '../../../cli/program';
import { listAudit } from '../../../lib/audit';
import { eventually, startApiHarness, type ApiHarness } from './harness';

describe('run routes on the real stack (Temporal dev server, PostgreSQL)', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(() => h?.stop());

  const start = (body: object = {}, headers: Record<string, string> = {}) =>
    request(h.app).post('/v1/pipelines/churn/runs').set(h.auth('operator')).set(headers).send(body);
  const getRun = (runId: string) => request(h.app).get(`/v1/runs/${runId}`).set(h.auth('viewer'));
  const waitingApproval = (runId: string) =>
    eventually(
      async () => {
        const res = await getRun(runId);
        if (!['running', 'waiting_approval'].includes(res.body.status))
          throw new Error(`run ended: ${JSON.stringify(res.body)}`);
        return res.body.status === 'waiting_approval' && res.body;
      },
      30_000,
      `run ${runId} to wait for approval`,
    );

  describe('POST /v1/pipelines/{name}/runs', () => {
    it('starts a run: 201, Location, a workflow with the run id and the MlopsPipeline search attribute', async () => {
      const res = await start({ params: { max_attempts: 2 } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ pipeline: 'churn', status: 'running', deduplicated: false });
      expect(res.headers.location).toBe(`/v1/runs/${res.body.runId}`);
      const described = await h.client.workflow.getHandle(res.body.runId).describe();
      expect(described.type).toBe('mlPipeline');
      expect(described.taskQueue).toBe(h.taskQueue);
      expect(described.searchAttributes.MlopsPipeline).toEqual(['churn']);
      expect(described.searchAttributes.MlopsTrigger).toEqual(['api']);
      await waitingApproval(res.body.runId);
    });

    it('with the same Idempotency-Key returns the same run (200), with other params refuses (409)', async () => {
      const key = `retry-${Date.now()}`;
      const first = await start({}, { 'Idempotency-Key': key });
      const second = await start({}, { 'Idempotency-Key': key });
      expect(first.status).toBe(201);
      expect(second.status).toBe(200);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body).toMatchObject({ runId: first.body.runId, deduplicated: true });
      const conflict = await start({ params: { max_attempts: 3 } }, { 'Idempotency-Key': key });
      expect(conflict.status).toBe(409);
      expect(conflict.body).toMatchObject({ error: 'IDEMPOTENCY_KEY_REUSED', details: { runId: first.body.runId } });
    });

    it('answers 404 for an unknown pipeline and 400 naming each parameter the spec refuses', async () => {
      const unknown = await request(h.app).post('/v1/pipelines/no-such-pipeline/runs').set(h.auth('operator')).send({});
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toBe('PIPELINE_NOT_FOUND');
      const invalid = await start({ params: { max_attempts: 0, batchsize: 3 } });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error).toBe('INVALID_PARAMETERS');
      expect(invalid.body.details.issues).toEqual([
        { path: 'body.params.max_attempts', message: 'must be >= 1 (got 0)' },
        { path: 'body.params.batchsize', message: expect.stringMatching(/not a parameter of this pipeline/) },
      ]);
      const nothingStarted = await h.database.db('pipeline_runs').count({ n: '*' }).first();
      const before = Number(nothingStarted?.n);
      expect((await start({ params: { seed: 'x' } })).status).toBe(400);
      expect(Number((await h.database.db('pipeline_runs').count({ n: '*' }).first())?.n)).toBe(before);
      const badBody = await start({ params: 'fast' });
      expect(badBody.status).toBe(400);
      expect(badBody.body.details.issues[0].path).toBe('body.params');
    });

    it('answers 401 without a key and 403 for a viewer', async () => {
      expect((await request(h.app).post('/v1/pipelines/churn/runs').send({})).status).toBe(401);
      const viewer = await request(h.app).post('/v1/pipelines/churn/runs').set(h.auth('viewer')).send({});
      expect(viewer.status).toBe(403);
    });
  });

  describe('GET /v1/runs and /v1/runs/{id}', () => {
    it('pages newest first with a cursor and filters by pipeline and status', async () => {
      for (let i = 0; i < 3; i += 1) expect((await start()).status).toBe(201);
      const all: string[] = [];
      let cursor: string | null = null;
      do {
        const page: request.Response = await request(h.app)
          .get('/v1/runs')
          .query({ limit: 2, pipeline: 'churn', ...(cursor ? { cursor } : {}) })
          .set(h.auth('viewer'));
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        all.push(...page.body.items.map((r: { runId: string }) => r.runId));
        cursor = page.body.nextCursor;
      } while (cursor);
      const { rows } = await h.database.db.raw(
        'select run_id from pipeline_runs order by started_at desc, run_id desc',
      );
      expect(all).toEqual(rows.map((r: { run_id: string }) => r.run_id));
      expect(new Set(all).size).toBe(all.length);
      const none = await request(h.app).get('/v1/runs').query({ pipeline: 'house-prices' }).set(h.auth('viewer'));
      expect(none.body).toEqual({ items: [], nextCursor: null });
      const badStatus = await request(h.app).get('/v1/runs').query({ status: 'sleeping' }).set(h.auth('viewer'));
      expect(badStatus.status).toBe(400);
      expect(badStatus.body.details.issues[0].path).toBe('query.status');
      const badCursor = await request(h.app).get('/v1/runs').query({ cursor: 'garbage' }).set(h.auth('viewer'));
      expect(badCursor.body.error).toBe('INVALID_CURSOR');
      expect((await request(h.app).get('/v1/runs')).status).toBe(401);
    });

    it('shows a run with live step, metrics, approval state and its Temporal UI link; 404 for an unknown id', async () => {
      const { runId } = (await start()).body;
      const detail = await waitingApproval(runId);
      expect(detail).toMatchObject({
        runId,
        pipeline: 'churn',
        phase: 'staging',
        step: 'approval',
        live: true,
        best: expect.any(String),
        modelVersion: { model: 'churn-classifier', version: 3 },
        approval: { required: true, approvers: ['alice'], decision: null },
        temporal: { workflowId: runId, status: 'RUNNING' },
      });
      expect(detail.temporal.uiUrl).toBe(
        `${h.config.temporal.uiUrl}/namespaces/${h.config.temporal.namespace}/workflows/${runId}`,
      );
      expect(Object.keys(detail.metrics)).toEqual(expect.arrayContaining(['logreg', 'mlp']));
      const missing = await getRun('no-such-run');
      expect(missing.status).toBe(404);
      expect(missing.body.error).toBe('RUN_NOT_FOUND');
    });
  });

  describe('approve, reject, cancel', () => {
    it('approves as the authenticated approver, with an audit row; the body cannot choose the approver', async () => {
      const { runId } = (await start()).body;
      await waitingApproval(runId);
      const res = await request(h.app)
        .post(`/v1/runs/${runId}/approve`)
        .set(h.auth('approver'))
        .send({ reason: 'metrics look right', by: 'mallory' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        runId,
        decision: 'approved',
        model: 'churn-classifier',
        version: 3,
        by: 'alice',
        reason: 'metrics look right',
      });
      const audit = await listAudit(h.database.db, { target: `run:${runId}` });
      expect(audit).toEqual([
        expect.objectContaining({ actor: 'alice', action: 'approve', reason: 'metrics look right' }),
      ]);
      const done = await eventually(
        async () => {
          const r = await getRun(runId);
          return r.body.status === 'succeeded' && r.body;
        },
        30_000,
        'the approved run to finish',
      );
      expect(done.approval.decision).toMatchObject({ decision: 'approved', by: 'alice' });
      // After the run ended, the approvers still show (from its spec), and it has a gate and a reason.
      expect(done.approval.approvers).toContain('alice');
      expect(done.gate).toMatchObject({ passed: true });
      expect(done.reason).toMatch(/is in production \(approved by alice\)$/);
      const again = await request(h.app)
        .post(`/v1/runs/${runId}/approve`)
        .set(h.auth('approver'))
        .send({ reason: 'twice' });
      expect(again.status).toBe(409);
      expect(again.body.error).toBe('RUN_NOT_WAITING');
    });

    it('refuses deciders by role (401/403), by approvers list (403) and without a reason (400)', async () => {
      const { runId } = (await start()).body;
      await waitingApproval(runId);
      const path = `/v1/runs/${runId}/reject`;
      expect((await request(h.app).post(path).send({ reason: 'x' })).status).toBe(401);
      expect((await request(h.app).post(path).set(h.auth('operator')).send({ reason: 'x' })).status).toBe(403);
      const outsider = await request(h.app).post(path).set(h.auth('outsider')).send({ reason: 'x' });
      expect(outsider.status).toBe(403);
      expect(outsider.body).toMatchObject({ error: 'NOT_AN_APPROVER', details: { approvers: ['alice'] } });
      const noReason = await request(h.app).post(path).set(h.auth('approver')).send({});
      expect(noReason.status).toBe(400);
      expect(noReason.body.details.issues[0].path).toBe('body.reason');
      const rejected = await request(h.app).post(path).set(h.auth('approver')).send({ reason: 'drift in region' });
      expect(rejected.status).toBe(200);
      expect(rejected.body).toMatchObject({ decision: 'rejected', by: 'alice' });
      await eventually(async () => (await getRun(runId)).body.status === 'rejected', 30_000, 'the run to end rejected');
      const audit = await listAudit(h.database.db, { target: `run:${runId}`, action: 'reject' });
      expect(audit[0]).toMatchObject({ actor: 'alice', reason: 'drift in region' });
    });

    it('answers 409 for a run that no longer waits and 404 for an unknown run', async () => {
      const missing = await request(h.app).post('/v1/runs/nope/approve').set(h.auth('approver')).send({ reason: 'x' });
      expect(missing.status).toBe(404);
      const { runId } = (await start()).body;
      await waitingApproval(runId);
      await request(h.app).post(`/v1/runs/${runId}/cancel`).set(h.auth('operator')).send({ reason: 'superseded' });
      await eventually(
        async () => (await getRun(runId)).body.status === 'cancelled',
        30_000,
        'the run to be cancelled',
      );
      const late = await request(h.app)
        .post(`/v1/runs/${runId}/approve`)
        .set(h.auth('approver'))
        .send({ reason: 'late' });
      expect(late.status).toBe(409);
    });

    it('cancels a running run (202, audited), then answers 409; 403 for a viewer, 404 for an unknown run', async () => {
      const { runId } = (await start()).body;
      expect((await request(h.app).post(`/v1/runs/${runId}/cancel`).set(h.auth('viewer')).send({})).status).toBe(403);
      const res = await request(h.app)
        .post(`/v1/runs/${runId}/cancel`)
        .set(h.auth('operator'))
        .send({ reason: 'wrong data' });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ runId, status: 'cancelling' });
      const cancelled = await eventually(
        async () => {
          const r = await getRun(runId);
          return r.body.temporal?.status === 'CANCELLED' && r.body;
        },
        30_000,
        'the workflow to close as cancelled',
      );
      expect(cancelled.status).toBe('cancelled');
      const again = await request(h.app).post(`/v1/runs/${runId}/cancel`).set(h.auth('operator')).send({});
      expect(again.status).toBe(409);
      expect(again.body.error).toBe('RUN_NOT_RUNNING');
      expect((await request(h.app).post('/v1/runs/nope/cancel').set(h.auth('operator')).send({})).status).toBe(404);
      expect((await listAudit(h.database.db, { target: `run:${runId}`, action: 'cancel' }))[0]).toMatchObject({
        actor: 'oscar',
      });
    });
  });

  it('the mlops CLI runs a pipeline up to approval, is refused for a non-approver, approves and lists it', async () => {
    const server = h.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const cli = async (args: string[], key: string) => {
      let out = '';
      let err = '';
      const sink = (append: (s: string) => void) =>
        new Writable({
          write(chunk: Buffer, _enc, done) {
            append(chunk.toString());
            done();
          },
        });
      const code = await runCli(args, {
        io: { out: sink((s) => (out += s)), err: sink((s) => (err += s)), interactive: false },
        env: { MLOPS_API_URL: url, MLOPS_API_KEY: key },
        pollMs: 200,
        exitCode: 0,
      });
      return { code, out, err };
    };
    try {
      const started = await cli(['--json', 'run', 'churn', '-p', 'max_attempts=2'], h.keys.operator);
      expect(started.code).toBe(0);
      const run = JSON.parse(started.out) as { runId: string; status: string; params: unknown };
      expect(run).toMatchObject({ status: 'waiting_approval', params: { max_attempts: 2 } });
      const refused = await cli(['approve', run.runId, '--reason', 'lgtm'], h.keys.outsider);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('NOT_AN_APPROVER (HTTP 403)');
      const approved = await cli(['approve', run.runId, '--reason', 'lgtm'], h.keys.approver);
      expect(approved).toMatchObject({ code: 0, out: 'churn-classifier v3: approved by alice\n' });
      await eventually(
        async () => (await getRun(run.runId)).body.status === 'succeeded',
        30_000,
        'the approved run to finish',
      );
      const status = await cli(['status', run.runId], h.keys.viewer);
      expect(status.out).toMatch(/status\s+succeeded/);
      const listed = await cli(['list', '--pipeline', 'churn', '--limit', '100'], h.keys.viewer);
      expect(listed.out).toContain(run.runId);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
