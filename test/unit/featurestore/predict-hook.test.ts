import request from 'supertest';
import { OnlineLookupInputError, type OnlineFeatureService } from '../../../lib/featurestore/serving';
import { auth, unitApp } from '../api/fakes';

/** An online-feature service that "looks up" x from the entity id, as a model trained with a view would need. */
function fakeLookup(calls: unknown[]): OnlineFeatureService {
  return {
    async enrich({ model, slot, rows }) {
      calls.push({ model, slot, rows });
      if (rows.some((r) => !('id' in r))) {
        throw new OnlineLookupInputError('rows[0] has no id: send the entity key', { row: 0, key: 'id' });
      }
      return {
        rows: rows.map((r) => ({ ...r, x: r.id === 1 ? 5 : null })),
        model: { versionId: 3 },
        views: [{ name: 'iris_stats', version: 2 }],
        warnings: rows.flatMap((r, row) =>
          r.id === 1
            ? []
            : [{ row, view: 'iris_stats', kind: 'missing' as const, features: ['x'], entity: { id: String(r.id) } }],
        ),
        latencyMs: 1,
        record: async () => undefined,
      };
    },
    async lookup(_use, rows) {
      return { rows, warnings: [] };
    },
  };
}

describe('POST /v1/predict with online features (fake lookup, fake model server)', () => {
  const calls: unknown[] = [];
  const { app } = unitApp({ onlineFeatures: fakeLookup(calls) });

  it('predicts from the looked-up rows and reports the views and per-row warnings', async () => {
    const res = await request(app)
      .post('/v1/predict/iris?env=staging')
      .set(auth('predictor'))
      .send({ rows: [{ id: 1 }, { id: 2 }] });
    expect(res.status).toBe(200);
    expect(calls).toEqual([{ model: 'iris', slot: 'staging', rows: [{ id: 1 }, { id: 2 }] }]);
    // The fake model says yes when x > 0: x came from the lookup, not from the request.
    expect(res.body.predictions.map((p: { prediction: string }) => p.prediction)).toEqual(['yes', 'no']);
    expect(res.body.featureViews).toEqual([{ name: 'iris_stats', version: 2 }]);
    expect(res.body.featureWarnings).toEqual([
      { row: 1, view: 'iris_stats', kind: 'missing', features: ['x'], entity: { id: '2' } },
    ]);
  });

  it('answers 400 naming the row when an entity key is missing', async () => {
    const res = await request(app)
      .post('/v1/predict/iris')
      .set(auth('predictor'))
      .send({ rows: [{ x: 1 }] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'INVALID_INPUT', message: expect.stringContaining('rows[0] has no id') });
  });

  it('leaves the response as it was for models without feature views', async () => {
    const plain = unitApp();
    const res = await request(plain.app)
      .post('/v1/predict/iris')
      .set(auth('predictor'))
      .send({ rows: [{ x: 1 }] });
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('featureViews');
    expect(res.body).not.toHaveProperty('featureWarnings');
  });
});
