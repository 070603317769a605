import { emptyHistogram } from '../../../lib/delivery/compare';
import { getCanaryRoute } from '../../../lib/delivery/canary';
import { getDeployment, listVersions } from '../../../lib/registry';
import { FAST_CHURN_CANDIDATES, startPipelineHarness, type PipelineHarness } from '../../helpers/pipeline-harness';

// A canary run end to end on the real stack (Temporal dev server, the real workers and activities, PostgreSQL, S3):
// a first run puts v1 in production directly; a second run's spec asks for a canary, which breaches its error-rate
// guardrail (the regression is injected as the API processes would record it in serving_stats) and rolls back.

describe('a canary run on the real stack', () => {
  let h: PipelineHarness;
  beforeAll(async () => {
    h = await startPipelineHarness();
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('rolls back on an injected regression (production unchanged, version archived with the reason, audited), and promotes a healthy canary', async () => {
    const db = h.deps.db;
    await h.variant('churn', { candidates: FAST_CHURN_CANDIDATES });
    const first = await h.start({ pipeline: 'churn', trigger: { kind: 'api', by: 'oscar' } });
    await h.waitForStatus(first, (s) => s.status === 'waiting_approval', 300_000);
    await h.decide(first, 'approved', 'alice', 'first version');
    expect((await first.result()).outcome).toBe('succeeded');
    const v1 = (await listVersions(db, 'churn-classifier'))[0];

    await h.variant('churn', {
      candidates: FAST_CHURN_CANDIDATES,
      deployment: {
        strategy: {
          kind: 'canary',
          steps: [20],
          // Short steps keep the suite quick; the stats are inserted right after the step opens.
          stepDuration: '20s',
          guardrails: { minRequests: 5 },
          onLowTraffic: 'rollback',
        },
      },
    });
    const second = await h.start({ pipeline: 'churn', trigger: { kind: 'api', by: 'oscar' } });
    await h.waitForStatus(second, (s) => s.status === 'waiting_approval', 300_000);
    await h.decide(second, 'approved', 'alice', 'try v2 as a canary');
    await h.waitForStatus(second, (s) => s.step === 'canary 20 %', 60_000);

    // The canary is live, and nothing was promoted yet.
    const route = await getCanaryRoute(db, 'churn-classifier');
    expect(route).toMatchObject({ share: 20, productionVersionId: Number(v1?.id), runId: second.workflowId });
    const v2 = (await listVersions(db, 'churn-classifier')).find((v) => Number(v.id) === route?.candidateVersionId);
    expect(v2?.stage).toBe('staging');
    expect((await getDeployment(db, 'churn-classifier', 'production'))?.model_version_id).toBe(Number(v1?.id));

    // The injected regression: 12 of the canary's 40 requests failed in this minute, production's 160 did not.
    const hist = (n: number) =>
      `{${emptyHistogram()
        .map((_, i) => (i === 2 ? n : 0))
        .join(',')}}`;
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    await db('serving_stats').insert([
      {
        model: 'churn-classifier',
        version_id: route?.candidateVersionId,
        arm: 'canary',
        window_start: minute,
        requests: 40,
        rows: 40,
        errors: 12,
        latency_ms_sum: 120,
        latency_hist: db.raw('?::bigint[]', [hist(40)]),
      },
      {
        model: 'churn-classifier',
        version_id: Number(v1?.id),
        arm: 'production',
        window_start: minute,
        requests: 160,
        rows: 160,
        errors: 0,
        latency_ms_sum: 480,
        latency_hist: db.raw('?::bigint[]', [hist(160)]),
      },
    ]);

    const ended = await second.result();
    expect(ended.outcome).toBe('rolled_back');
    const reason = 'error rate 30.0 % (12 of 40 requests) is above 2.0 %';
    expect(ended.message).toContain(`rolled back at 20 % (step 1): ${reason}`);

    expect(await getCanaryRoute(db, 'churn-classifier')).toBeUndefined();
    expect((await getDeployment(db, 'churn-classifier', 'production'))?.model_version_id).toBe(Number(v1?.id));
    const after = await db('model_versions').where({ id: route?.candidateVersionId }).first();
    expect(after.stage).toBe('archived');
    const transition = await db('model_stage_transitions')
      .where({ model_version_id: route?.candidateVersionId, to_stage: 'archived' })
      .first();
    expect(transition).toMatchObject({
      actor: `pipeline:${second.workflowId}`,
      reason: `canary rolled back: ${reason}`,
    });
    const audit = await db('audit_log').where({ action: 'canary.rollback' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: `pipeline:${second.workflowId}`,
      target: 'model:churn-classifier',
      reason,
    });
    expect(audit[0].details).toMatchObject({ step: 0, share: 20, canary: { requests: 40, errors: 12 } });
    const run = await db('pipeline_runs').where({ run_id: second.workflowId }).first();
    expect(run).toMatchObject({ status: 'rolled_back' });
    // The rollback notification was sent (no channel subscribes in this suite, so it reaches nobody).
    const history = await second.fetchHistory();
    const activities = (history.events ?? []).flatMap((e) =>
      e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : [],
    );
    expect(activities.slice(activities.indexOf('rollbackCanary'))).toEqual(
      expect.arrayContaining(['rollbackCanary', 'notify']),
    );
    expect(activities).not.toContain('promoteModelVersion');

    // A third run whose canary stays healthy is promoted after its step, and the route is removed.
    const third = await h.start({ pipeline: 'churn', trigger: { kind: 'api', by: 'oscar' } });
    await h.waitForStatus(third, (s) => s.status === 'waiting_approval', 300_000);
    await h.decide(third, 'approved', 'alice', 'v3 as a canary');
    await h.waitForStatus(third, (s) => s.step === 'canary 20 %', 60_000);
    const route3 = await getCanaryRoute(db, 'churn-classifier');
    const now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    await db('serving_stats')
      .insert([
        {
          model: 'churn-classifier',
          version_id: route3?.candidateVersionId,
          arm: 'canary',
          window_start: now,
          requests: 40,
          rows: 40,
          errors: 0,
          latency_ms_sum: 120,
          latency_hist: db.raw('?::bigint[]', [hist(40)]),
        },
        {
          model: 'churn-classifier',
          version_id: Number(v1?.id),
          arm: 'production',
          window_start: now,
          requests: 160,
          rows: 160,
          errors: 0,
          latency_ms_sum: 480,
          latency_hist: db.raw('?::bigint[]', [hist(160)]),
        },
      ])
      .onConflict(['model', 'version_id', 'arm', 'window_start'])
      .merge();
    expect((await third.result()).outcome).toBe('succeeded');
    expect(await getCanaryRoute(db, 'churn-classifier')).toBeUndefined();
    expect((await getDeployment(db, 'churn-classifier', 'production'))?.model_version_id).toBe(
      route3?.candidateVersionId,
    );
    const kinds = await db('deployment_events').where({ run_id: third.workflowId }).orderBy('id').pluck('kind');
    expect(kinds).toEqual(['canary_started', 'canary_promoted']);
    expect(await db('audit_log').where({ action: 'canary.promote' })).toHaveLength(1);
  }, 900_000);
});
