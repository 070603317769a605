import request from 'supertest';
import { listAudit } from '../../../lib/audit';
import { eventually, startApiHarness, type ApiHarness } from './harness';

describe('schedule routes on the real Temporal server', () => {
  let h: ApiHarness;
  const suffix = Date.now().toString(36);
  const created: string[] = [];
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => {
    for (const id of created)
      await h?.client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    await h?.stop();
  });

  const create = (body: Record<string, unknown>, holder: 'operator' | 'viewer' = 'operator') => {
    if (typeof body.scheduleId === 'string') created.push(body.scheduleId);
    return request(h.app).post('/v1/schedules').set(h.auth(holder)).send(body);
  };
  const describeSchedule = (id: string) => request(h.app).get(`/v1/schedules/${id}`).set(h.auth('viewer'));

  it('a short interval starts real runs; pause stops them; unpause resumes', async () => {
    const scheduleId = `churn-every-2s-${suffix}`;
    const res = await create({
      scheduleId,
      pipeline: 'churn',
      interval: '2s',
      overlap: 'ALLOW_ALL',
      params: { seed: 11 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      scheduleId,
      pipeline: 'churn',
      interval: '2s',
      cron: null,
      paused: false,
      overlap: 'ALLOW_ALL',
    });
    expect(res.body.nextRunTimes.length).toBeGreaterThan(0);

    const running = await eventually(
      async () => {
        const d = await describeSchedule(scheduleId);
        return d.body.recentRuns.length >= 2 && d.body;
      },
      30_000,
      'two scheduled runs',
    );
    for (const run of running.recentRuns as Array<{ runId: string }>) {
      h.track(run.runId);
      const described = await h.client.workflow.getHandle(run.runId).describe();
      expect(described.type).toBe('mlPipeline');
      expect(described.searchAttributes.MlopsTrigger).toEqual(['schedule']);
      expect(described.searchAttributes.MlopsPipeline).toEqual(['churn']);
    }
    // The scheduled runs are real runs: the workflow records them, with the schedule's params.
    const recorded = await eventually(
      () =>
        h.database
          .db('pipeline_runs')
          .where({ trigger: 'schedule' })
          .then((rows) => rows.length >= 2 && rows),
      30_000,
      'scheduled runs in pipeline_runs',
    );
    expect(recorded[0].params).toEqual({ seed: 11 });

    const paused = await request(h.app)
      .post(`/v1/schedules/${scheduleId}/pause`)
      .set(h.auth('operator'))
      .send({ note: 'holiday' });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ paused: true, note: 'holiday' });
    const taken = paused.body.actionsTaken as number;
    await new Promise((r) => setTimeout(r, 6_000));
    const still = await describeSchedule(scheduleId);
    expect(still.body.actionsTaken).toBe(taken);
    expect(still.body.paused).toBe(true);

    const resumed = await request(h.app).post(`/v1/schedules/${scheduleId}/unpause`).set(h.auth('operator')).send({});
    expect(resumed.body.paused).toBe(false);
    expect(resumed.body.note).toBe('unpaused by oscar (was paused: holiday)');
    await eventually(
      async () => (await describeSchedule(scheduleId)).body.actionsTaken > taken,
      20_000,
      'a run after unpausing',
    );
    await request(h.app).post(`/v1/schedules/${scheduleId}/pause`).set(h.auth('operator')).send({});
    const audit = await listAudit(h.database.db, { target: `schedule:${scheduleId}` });
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['schedule.create', 'schedule.pause', 'schedule.unpause']),
    );
    expect(audit.every((a) => a.actor === 'oscar')).toBe(true);
  });

  it('defaults to overlap SKIP, updates, triggers now, lists, and deletes', async () => {
    const scheduleId = `churn-nightly-${suffix}`;
    const res = await create({ scheduleId, pipeline: 'churn', cron: '0 3 * * *', paused: true });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      cron: '0 3 * * *',
      interval: null,
      overlap: 'SKIP',
      paused: true,
      catchupWindowMs: 3_600_000,
    });
    expect(new Date(res.body.nextRunTimes[0]).getUTCHours()).toBe(3);

    const updated = await request(h.app)
      .patch(`/v1/schedules/${scheduleId}`)
      .set(h.auth('operator'))
      .send({ interval: '12h', overlap: 'BUFFER_ONE', note: 'twice a day' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ interval: '12h', cron: null, overlap: 'BUFFER_ONE', note: 'twice a day' });

    const triggered = await request(h.app).post(`/v1/schedules/${scheduleId}/trigger`).set(h.auth('operator')).send({});
    expect(triggered.status).toBe(202);
    const withRun = await eventually(
      async () => {
        const d = await describeSchedule(scheduleId);
        return d.body.recentRuns.length === 1 && d.body;
      },
      20_000,
      'the triggered run',
    );
    h.track(withRun.recentRuns[0].runId);
    expect(withRun.recentRuns[0].runId).toMatch(new RegExp(`^${scheduleId}-`));

    const listed = await eventually(
      async () => {
        const l = await request(h.app).get('/v1/schedules').query({ pipeline: 'churn' }).set(h.auth('viewer'));
        return l.body.items.some((s: { scheduleId: string }) => s.scheduleId === scheduleId) && l.body;
      },
      20_000,
      'the schedule in the list',
    );
    expect(listed.items.every((s: { pipeline: string }) => s.pipeline === 'churn')).toBe(true);
    const other = await request(h.app).get('/v1/schedules').query({ pipeline: 'house-prices' }).set(h.auth('viewer'));
    expect(other.body.items.some((s: { scheduleId: string }) => s.scheduleId === scheduleId)).toBe(false);

    expect((await request(h.app).delete(`/v1/schedules/${scheduleId}`).set(h.auth('viewer'))).status).toBe(403);
    const deleted = await request(h.app).delete(`/v1/schedules/${scheduleId}`).set(h.auth('operator'));
    expect(deleted.status).toBe(204);
    expect((await describeSchedule(scheduleId)).status).toBe(404);
  });

  it("takes the timing from the spec's schedule section when none is given, and says so when there is none", async () => {
    // pipelines/churn.yaml has `schedule: { cron: '0 3 * * 1' }`; house-prices.yaml has no schedule section.
    const fromSpec = await create({ scheduleId: `churn-spec-${suffix}`, pipeline: 'churn' });
    expect(fromSpec.status).toBe(201);
    expect(fromSpec.body).toMatchObject({ cron: '0 3 * * 1', interval: null, paused: false });
    const none = await create({ scheduleId: `house-spec-${suffix}`, pipeline: 'house-prices' });
    expect(none.status).toBe(400);
    expect(none.body.details.issues[0].path).toBe('body.cron');
  });

  it('answers 400 for bad timing, 404 for unknown pipelines and schedules, 409 for a duplicate id, 401/403 by role', async () => {
    const both = await create({ pipeline: 'churn', cron: '0 3 * * *', interval: '1h' });
    expect(both.status).toBe(400);
    expect(both.body.details.issues[0].path).toBe('body.interval');
    const badInterval = await create({ pipeline: 'churn', interval: 'often' });
    expect(badInterval.body.details.issues[0].path).toBe('body.interval');
    const badCron = await create({ pipeline: 'churn', cron: 'every day' });
    expect(badCron.body.details.issues[0].path).toBe('body.cron');
    const unknown = await create({ pipeline: 'no-such-pipeline', interval: '1h' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('PIPELINE_NOT_FOUND');

    const scheduleId = `churn-dup-${suffix}`;
    expect((await create({ scheduleId, pipeline: 'churn', interval: '1d', paused: true })).status).toBe(201);
    const duplicate = await create({ scheduleId, pipeline: 'churn', interval: '1d', paused: true });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error).toBe('SCHEDULE_EXISTS');
    expect(duplicate.body.message).toContain(`Schedule "${scheduleId}" already exists`);

    expect((await create({ pipeline: 'churn', interval: '1d' }, 'viewer')).status).toBe(403);
    expect((await request(h.app).get('/v1/schedules')).status).toBe(401);
    const missing = await describeSchedule('no-such-schedule');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('SCHEDULE_NOT_FOUND');
    for (const action of ['pause', 'unpause', 'trigger']) {
      expect(
        (await request(h.app).post(`/v1/schedules/no-such-schedule/${action}`).set(h.auth('operator')).send({})).status,
      ).toBe(404);
    }
    const emptyPatch = await request(h.app).patch(`/v1/schedules/${scheduleId}`).set(h.auth('operator')).send({});
    expect(emptyPatch.status).toBe(400);
  });
});
