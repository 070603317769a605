import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../../api/app';
import { evaluateCanary, rollbackCanary, setCanaryShare, startCanary } from '../../../lib/delivery/canary';
import { createCanaryRouter, type CanaryRouter } from '../../../lib/delivery/canary-serving';
import { CanaryGuardrailsSpec } from '../../../lib/delivery/strategy';
import { startApiHarness, type ApiHarness } from '../api/harness';
import { promoteAndDeploy, registerTinyModel, tinyRows } from '../api/model-fixture';

// Canary routing through the API on the real stack (PostgreSQL, S3): shares within tolerance, sticky per caller
// key across API processes, per-arm serving stats for the guardrails, and a rollback on an injected regression.

/** A seeded PRNG for the requests without a caller key (reproducible shares). */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GUARDRAILS = CanaryGuardrailsSpec.parse({});

describe('canary rollout through the API on the real stack', () => {
  let h: ApiHarness;
  let production: { id: number; version: number };
  let candidate: { id: number; version: number };
  let broken: { id: number; version: number };
  const routers: CanaryRouter[] = [];
  const appWith = (seed: number): { app: Express; router: CanaryRouter } => {
    const router = createCanaryRouter({
      db: h.db,
      store: h.store,
      log: h.deps.log,
      random: mulberry32(seed),
      routeTtlMs: 0,
      flushMs: 3_600_000,
    });
    routers.push(router);
    return { app: createApp({ ...h.deps, canary: router }), router };
  };
  const row = tinyRows(1).map(({ x, colour }) => ({ x, colour }));

  beforeAll(async () => {
    h = await startApiHarness({ worker: false });
    production = await registerTinyModel(h, { model: 'tiny', runId: 'canary-run-1', epochs: 1 });
    candidate = await registerTinyModel(h, { model: 'tiny', runId: 'canary-run-2', epochs: 8 });
    broken = await registerTinyModel(h, { model: 'tiny', runId: 'canary-run-3', epochs: 2 });
    await promoteAndDeploy(h, { model: 'tiny', versionId: production.id });
  }, 180_000);
  afterAll(async () => {
    for (const r of routers) await r.close();
    await h?.stop();
  });

  it('answers 10 % of callers from the canary, sticky per caller key in every API process, and counts each arm', async () => {
    const started = await startCanary(h.db, {
      runId: 'canary-run-2',
      versionId: candidate.id,
      share: 10,
      actor: 'alice',
      reason: 'canary it',
      plan: { steps: [10, 50] },
    });
    expect(started).toMatchObject({ started: true, model: 'tiny', productionVersionId: production.id });
    if (!started.started) return;
    const one = appWith(1);
    const other = appWith(2); // a second API process: its own router and route cache

    const arms = new Map<string, string>();
    for (let i = 0; i < 1000; i++) {
      const key = `customer-${i}`;
      const res = await request(one.app)
        .post('/v1/predict/tiny')
        .set(h.auth('predictor'))
        .set('X-Caller-Key', key)
        .send({ rows: row });
      expect(res.status).toBe(200);
      expect(res.body.version).toBe(res.body.arm === 'canary' ? candidate.version : production.version);
      arms.set(key, res.body.arm as string);
    }
    const canaryShare = [...arms.values()].filter((a) => a === 'canary').length / 1000;
    // 1,000 callers at 10 %: the binomial standard deviation is 0.95 points; 3 points is over 3 sigma.
    expect(canaryShare).toBeGreaterThan(0.07);
    expect(canaryShare).toBeLessThan(0.13);

    // Sticky: the same key gets the same arm again, from either process.
    for (let i = 0; i < 100; i++) {
      const key = `customer-${i}`;
      for (const app of [one.app, other.app]) {
        const res = await request(app)
          .post('/v1/predict/tiny')
          .set(h.auth('predictor'))
          .set('X-Caller-Key', key)
          .send({ rows: row });
        expect(res.body.arm).toBe(arms.get(key));
      }
    }

    // Without a key: per request at random, still about 10 %.
    let unkeyed = 0;
    for (let i = 0; i < 1000; i++) {
      const res = await request(other.app).post('/v1/predict/tiny').set(h.auth('predictor')).send({ rows: row });
      if (res.body.arm === 'canary') unkeyed += 1;
    }
    expect(unkeyed / 1000).toBeGreaterThan(0.07);
    expect(unkeyed / 1000).toBeLessThan(0.13);

    const live = await request(one.app).get('/v1/models/tiny/canary').set(h.auth('viewer'));
    expect(live.body.canary).toMatchObject({
      version: candidate.version,
      productionVersion: production.version,
      share: 10,
    });

    // The next step: 50 %. Callers already on the canary stay there.
    await setCanaryShare(h.db, { runId: 'canary-run-2', model: 'tiny', step: 1, share: 50, actor: 'pipeline:x' });
    let half = 0;
    for (let i = 0; i < 400; i++) {
      const key = `customer-${i}`;
      const res = await request(one.app)
        .post('/v1/predict/tiny')
        .set(h.auth('predictor'))
        .set('X-Caller-Key', key)
        .send({ rows: row });
      if (arms.get(key) === 'canary') expect(res.body.arm).toBe('canary');
      if (res.body.arm === 'canary') half += 1;
    }
    expect(half / 400).toBeGreaterThan(0.42);
    expect(half / 400).toBeLessThan(0.58);

    // Per-arm counters for the guardrails (both processes add to the same rows).
    for (const r of routers) await r.flush();
    const verdict = await evaluateCanary(h.db, {
      model: 'tiny',
      candidateVersionId: candidate.id,
      productionVersionId: production.id,
      task: 'classification',
      since: started.since,
      guardrails: GUARDRAILS,
    });
    const expectedCanary =
      Math.round(canaryShare * 1000) +
      2 * [...arms.entries()].slice(0, 100).filter(([, a]) => a === 'canary').length +
      unkeyed +
      half;
    expect(verdict.canary.requests).toBe(expectedCanary);
    expect(verdict.canary.requests + verdict.production.requests).toBe(1000 + 200 + 1000 + 400);
    expect(verdict.canary.errors).toBe(0);
    expect(verdict).toMatchObject({ verdict: 'pass', reasons: [] });

    await rollbackCanary(h.db, {
      runId: 'canary-run-2',
      model: 'tiny',
      versionId: candidate.id,
      reason: 'test cleanup',
      details: {},
    });
  }, 300_000);

  it('rolls back on an injected regression: route gone, version archived with the reason, audit row', async () => {
    // The regression: the canary's artefact no longer matches the registry's SHA-256, so every canary request fails.
    const version = await h.db('model_versions').where({ id: broken.id }).first();
    await h
      .db('artifacts')
      .where({ id: version.model_artifact_id })
      .update({ sha256: 'f'.repeat(64) });
    const started = await startCanary(h.db, {
      runId: 'canary-run-3',
      versionId: broken.id,
      share: 50,
      actor: 'alice',
      reason: 'canary it',
      plan: {},
    });
    if (!started.started) throw new Error('canary did not start');
    const { app, router } = appWith(3);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 200; i++) {
      const res = await request(app)
        .post('/v1/predict/tiny')
        .set(h.auth('predictor'))
        .set('X-Caller-Key', `user-${i}`)
        .send({ rows: row });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    expect(statuses.get(503)).toBeGreaterThan(60);
    await router.flush();
    const verdict = await evaluateCanary(h.db, {
      model: 'tiny',
      candidateVersionId: broken.id,
      productionVersionId: production.id,
      task: 'classification',
      since: started.since,
      guardrails: GUARDRAILS,
    });
    expect(verdict.verdict).toBe('breach');
    expect(verdict.canary.errorRate).toBe(1);
    expect(verdict.reasons[0]).toMatch(/^error rate 100\.0 % \(\d+ of \d+ requests\) is above 2\.0 %$/);

    const reason = verdict.reasons.join('; ');
    await rollbackCanary(h.db, {
      runId: 'canary-run-3',
      model: 'tiny',
      versionId: broken.id,
      reason,
      details: { step: 0, share: 50 },
    });
    // Idempotent: an activity retry writes nothing twice.
    await rollbackCanary(h.db, { runId: 'canary-run-3', model: 'tiny', versionId: broken.id, reason, details: {} });
    expect(await h.db('deployment_routes').where({ model: 'tiny' })).toHaveLength(0);
    expect((await h.db('model_versions').where({ id: broken.id }).first()).stage).toBe('archived');
    const transition = await h
      .db('model_stage_transitions')
      .where({ model_version_id: broken.id, to_stage: 'archived' })
      .first();
    expect(transition.reason).toBe(`canary rolled back: ${reason}`);
    const audit = await h.db('audit_log').where({ action: 'canary.rollback' });
    expect(audit).toHaveLength(2); // the cleanup of the first test and this one
    const row3 = audit.find((a) => (a.details as { runId: string }).runId === 'canary-run-3');
    expect(row3).toMatchObject({ actor: 'pipeline:canary-run-3', target: 'model:tiny', reason });
    expect(row3.details).toMatchObject({ version: broken.version, step: 0, share: 50 });
    const events = await h.db('deployment_events').where({ run_id: 'canary-run-3' }).orderBy('id');
    expect(events.map((e) => e.kind)).toEqual(['canary_started', 'canary_rolled_back']);
    const state = await request(app).get('/v1/models/tiny/canary').set(h.auth('viewer'));
    expect(state.status).toBe(200);
    expect(state.body.canary).toBeNull();
    expect(state.body.events[0]).toMatchObject({
      kind: 'canary_rolled_back',
      version: broken.version,
      reason,
      runId: 'canary-run-3',
      details: { step: 0, share: 50 },
    });
    // All traffic is back on production.
    const res = await request(app)
      .post('/v1/predict/tiny')
      .set(h.auth('predictor'))
      .set('X-Caller-Key', 'user-1')
      .send({ rows: row });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(production.version);
    expect(res.body.arm).toBeUndefined();
  }, 120_000);

  it('breaches on live quality and prediction drift against production, and skips them without evidence', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const log = async (versionId: number, version: number, rows: Array<{ prediction: string; label?: string }>) => {
      const requestId = randomUUID();
      const ids = (await h
        .db('prediction_log')
        .insert(
          rows.map((r, i) => ({
            model: 'tiny',
            slot: 'production',
            version,
            version_id: versionId,
            request_id: requestId,
            row_index: i,
            inputs: JSON.stringify({ x: 0 }),
            outputs: JSON.stringify({ prediction: r.prediction }),
          })),
        )
        .returning('id')) as Array<{ id: number }>;
      const labelled = rows.flatMap((r, i) => (r.label ? [{ id: ids[i]?.id, label: r.label }] : []));
      if (labelled.length > 0) {
        await h
          .db('feedback')
          .insert(labelled.map((l) => ({ prediction_id: l.id, label: JSON.stringify(l.label), submitted_by: 'test' })));
      }
    };
    const check = () =>
      evaluateCanary(h.db, {
        model: 'tiny',
        candidateVersionId: candidate.id,
        productionVersionId: production.id,
        task: 'classification',
        since,
        guardrails: GUARDRAILS,
      });
    // Too little evidence: nothing logged in this window yet for quality or drift.
    await log(candidate.id, candidate.version, [{ prediction: 'yes', label: 'yes' }]);
    const thin = await check();
    expect(thin.skipped).toEqual(
      expect.arrayContaining([
        'live quality: fewer than 30 labelled predictions per arm',
        'prediction drift: fewer than 100 logged predictions per arm',
      ]),
    );
    // Production: half yes, half no, 90 % right. Canary: mostly "yes", 60 % right.
    await log(
      production.id,
      production.version,
      Array.from({ length: 200 }, (_, i) => ({
        prediction: i % 2 ? 'yes' : 'no',
        label: i % 10 === 0 ? (i % 2 ? 'no' : 'yes') : i % 2 ? 'yes' : 'no',
      })),
    );
    await log(
      candidate.id,
      candidate.version,
      Array.from({ length: 199 }, (_, i) => ({
        prediction: i % 10 < 9 ? 'yes' : 'no',
        label: i % 5 < 3 ? 'yes' : 'no',
      })),
    );
    const verdict = await check();
    expect(verdict.verdict).toBe('breach');
    expect(verdict.production.accuracy).toBeCloseTo(0.9, 6);
    expect(verdict.canary.labelled).toBe(200);
    expect(verdict.reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^live accuracy \d+\.\d % is more than 5\.0 % below production's 90\.0 % \(200 labelled rows\)$/,
        ),
        expect.stringMatching(/^prediction drift against production: PSI \d+\.\d{3} is above 0\.2$/),
      ]),
    );
    expect(verdict.predictionPsi).toBeGreaterThan(0.2);
  }, 60_000);
});
