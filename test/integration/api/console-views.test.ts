import request from 'supertest';
import { recordArtifact } from '../../../lib/metadata/artifacts';
import { recordRunStart, updateRun } from '../../../lib/metadata/runs';
import { eventually, startApiHarness, type ApiHarness } from './harness';

/** The read-only views the console needs: runs with metrics and filters, the approvals inbox, curves and checks. */
describe('console views on the real stack', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(() => h?.stop());

  async function seedRun(runId: string, fields: { trigger: string; startedAt: string; f1?: number; status?: string }) {
    await recordRunStart(h.db, {
      runId,
      pipeline: 'churn',
      specHash: 'f'.repeat(64),
      trigger: fields.trigger,
      params: {},
    });
    await h
      .db('pipeline_runs')
      .where({ run_id: runId })
      .update({ started_at: new Date(fields.startedAt) });
    await updateRun(h.db, {
      runId,
      status: (fields.status ?? 'succeeded') as never,
      summary:
        fields.f1 === undefined
          ? {}
          : { best: 'mlp', metrics: { mlp: { f1_macro: fields.f1 }, logreg: { f1_macro: 0.1 } } },
    });
  }

  it('lists runs with the chosen candidate’s metrics, filtered by trigger and start time, page by page', async () => {
    await seedRun('seed-a', { trigger: 'schedule', startedAt: '2030-01-01T10:00:00Z', f1: 0.81 });
    await seedRun('seed-b', { trigger: 'schedule', startedAt: '2030-01-02T10:00:00Z', f1: 0.84 });
    await seedRun('seed-c', { trigger: 'drift', startedAt: '2030-01-03T10:00:00Z' });
    const all = await request(h.app)
      .get('/v1/console/runs')
      .query({ from: '2030-01-01T00:00:00Z', to: '2030-01-04T00:00:00Z' })
      .set(h.auth('viewer'));
    expect(all.body.items.map((r: { runId: string }) => r.runId)).toEqual(['seed-c', 'seed-b', 'seed-a']);
    expect(all.body.items[1]).toMatchObject({ best: 'mlp', metrics: { f1_macro: 0.84 }, trigger: 'schedule' });
    expect(all.body.items[0]).toMatchObject({ best: null, metrics: {} });
    expect(all.body.facets.triggers).toEqual(expect.arrayContaining(['schedule', 'drift']));

    const page1 = await request(h.app)
      .get('/v1/console/runs')
      .query({ trigger: 'schedule', limit: 1, from: '2030-01-01T00:00:00Z' })
      .set(h.auth('viewer'));
    expect(page1.body.items.map((r: { runId: string }) => r.runId)).toEqual(['seed-b']);
    const page2 = await request(h.app)
      .get('/v1/console/runs')
      .query({ trigger: 'schedule', limit: 1, from: '2030-01-01T00:00:00Z', cursor: page1.body.nextCursor })
      .set(h.auth('viewer'));
    expect(page2.body).toMatchObject({ items: [{ runId: 'seed-a' }], nextCursor: null });
    const window = await request(h.app)
      .get('/v1/console/runs')
      .query({ from: '2030-01-02T00:00:00Z', to: '2030-01-03T00:00:00Z' })
      .set(h.auth('viewer'));
    expect(window.body.items.map((r: { runId: string }) => r.runId)).toEqual(['seed-b']);
    const bad = await request(h.app).get('/v1/console/runs').query({ cursor: 'nonsense' }).set(h.auth('viewer'));
    expect(bad.status).toBe(400);
  });

  it('lists runs waiting for approval oldest first, with deadline, approvers and who may decide', async () => {
    const start = async () =>
      (await request(h.app).post('/v1/pipelines/churn/runs').set(h.auth('operator')).send({})).body.runId as string;
    const first = await start();
    const second = await start();
    const inbox = async (holder: 'approver' | 'outsider' | 'viewer') =>
      (await request(h.app).get('/v1/console/approvals').set(h.auth(holder))).body.items as Array<{
        runId: string;
        mayDecide: boolean;
        approvers: string[];
        deadline: string | null;
        live: boolean;
      }>;
    const items = await eventually(async () => {
      const found = (await inbox('approver')).filter((i) => [first, second].includes(i.runId));
      return found.length === 2 ? found : undefined;
    }, 30_000);
    expect(items.map((i) => i.runId)).toEqual([first, second]);
    expect(items[0]).toMatchObject({ mayDecide: true, approvers: ['alice'], live: true });
    expect(Date.parse(items[0]?.deadline ?? '')).toBeGreaterThan(Date.now());
    expect((await inbox('outsider')).find((i) => i.runId === first)?.mayDecide).toBe(false);
    expect((await inbox('viewer')).find((i) => i.runId === first)?.mayDecide).toBe(false);

    await request(h.app).post(`/v1/runs/${first}/approve`).set(h.auth('approver')).send({ reason: 'ok' });
    await eventually(async () => !(await inbox('approver')).some((i) => i.runId === first), 30_000);
  });

  it('serves training curves with the latest attempt of each epoch', async () => {
    await seedRun('curves', { trigger: 'api', startedAt: '2030-02-01T00:00:00Z' });
    const rows = [
      { epoch: 1, attempt: 1, loss: 0.9 },
      { epoch: 2, attempt: 1, loss: 0.8 },
      { epoch: 2, attempt: 2, loss: 0.7 },
      { epoch: 3, attempt: 2, loss: 0.6 },
    ];
    await h.db('training_epochs').insert(
      rows.map((r) => ({
        run_id: 'curves',
        candidate: 'mlp',
        ...r,
        val_loss: r.loss + 0.05,
        metrics: JSON.stringify({ loss: r.loss }),
      })),
    );
    const res = await request(h.app).get('/v1/runs/curves/training').set(h.auth('viewer'));
    expect(res.body.candidates).toEqual([
      {
        candidate: 'mlp',
        points: [
          expect.objectContaining({ epoch: 1, attempt: 1, loss: 0.9 }),
          expect.objectContaining({ epoch: 2, attempt: 2, loss: 0.7, valLoss: 0.75 }),
          expect.objectContaining({ epoch: 3, attempt: 2, loss: 0.6 }),
        ],
      },
    ]);
    expect((await request(h.app).get('/v1/runs/nope/training').set(h.auth('viewer'))).status).toBe(404);
  });

  it('shows every failed validation check, a quarantine sample and the gate of a run', async () => {
    await seedRun('checked', { trigger: 'api', startedAt: '2030-03-01T00:00:00Z', status: 'failed' });
    await updateRun(h.db, {
      runId: 'checked',
      summary: {
        gate: {
          passed: false,
          summary: 'accuracy too low',
          checks: [{ check: 'threshold:accuracy', passed: false, detail: 'accuracy=0.5 (needs >= 0.7)' }],
        },
      },
    });
    const report = {
      passed: false,
      summary: 'Validation FAILED',
      rowsRead: 10,
      rowsAccepted: 8,
      rowsQuarantined: 2,
      schema: {},
      checks: [
        {
          id: 'range:age',
          kind: 'range',
          column: 'age',
          severity: 'error',
          passed: false,
          failedCount: 2,
          expected: { min: 0 },
          observed: { min: -3 },
          samples: [{ line: 4, value: -3 }],
          message: '2 values below 0',
        },
        {
          id: 'type:age',
          kind: 'type',
          column: 'age',
          severity: 'error',
          passed: true,
          failedCount: 0,
          expected: 'integer',
          observed: 'integer',
          samples: [],
          message: 'ok',
        },
      ],
    };
    const quarantine = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify({ line: i + 2, row: { age: -i }, reasons: [{ check: 'range:age', message: 'below 0' }] }),
    ).join('\n');
    for (const [name, kind, body] of [
      ['report.json', 'validation_report', JSON.stringify(report)],
      ['quarantine.jsonl', 'quarantine', `${quarantine}\n`],
    ] as const) {
      const key = `test/console/checked/${name}`;
      const info = await h.store.put(key, body);
      await recordArtifact(h.db, {
        runId: 'checked',
        step: 'validate',
        name,
        kind,
        uri: h.store.uri(key),
        storeKey: key,
        sha256: info.sha256,
        sizeBytes: info.size,
      });
    }
    const res = await request(h.app).get('/v1/runs/checked/checks').set(h.auth('viewer'));
    expect(res.status).toBe(200);
    expect(res.body.gate).toMatchObject({ passed: false, summary: 'accuracy too low' });
    expect(res.body.validation).toMatchObject({ passed: false, rowsQuarantined: 2, passedChecks: 1 });
    expect(res.body.validation.failedChecks).toEqual([
      expect.objectContaining({ id: 'range:age', samples: [{ line: 4, value: -3 }] }),
    ]);
    expect(res.body.validation.quarantineSample).toHaveLength(20);
    expect(res.body.validation.quarantineSample[0]).toEqual({
      line: 2,
      row: { age: 0 },
      reasons: [{ check: 'range:age', message: 'below 0' }],
    });
    expect((await request(h.app).get('/v1/runs/nope/checks').set(h.auth('viewer'))).status).toBe(404);
  });

  it('describes a pipeline: its validated spec and declared parameters', async () => {
    const res = await request(h.app).get('/v1/pipelines/churn').set(h.auth('viewer'));
    expect(res.body).toMatchObject({
      name: 'churn',
      task: 'classification',
      model: 'churn-classifier',
    });
    expect(res.body.parameters.map((p: { name: string }) => p.name)).toEqual([
      'epochs',
      'learning_rate',
      'seed',
      'max_attempts',
    ]);
    expect(res.body.spec.evaluation.primaryMetric).toBe('f1_macro');
    expect((await request(h.app).get('/v1/pipelines/nope').set(h.auth('viewer'))).status).toBe(404);
  });
});
