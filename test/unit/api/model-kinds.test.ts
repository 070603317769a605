import request from 'supertest';
import { MODEL_KIND_REGISTRY } from '../../../lib/ml';
import { auth, unitApp } from './fakes';

describe('GET /v1/model-kinds', () => {
  const { app } = unitApp();

  it('lists every registered kind with its tasks, capabilities and hyperparameter JSON Schema', async () => {
    const res = await request(app).get('/v1/model-kinds').set(auth('viewer'));
    expect(res.status).toBe(200);
    expect(res.body.items.map((k: { name: string }) => k.name)).toEqual(MODEL_KIND_REGISTRY.map((k) => k.name));
    const forest = res.body.items.find((k: { name: string }) => k.name === 'random_forest');
    expect(forest).toMatchObject({
      tasks: ['classification', 'regression'],
      capabilities: { checkpointing: true, featureImportance: true, gpu: false, embeddings: false, outOfCore: false },
      hyperparameters: {
        type: 'object',
        additionalProperties: false,
        properties: { trees: { type: 'integer', default: 100 } },
      },
    });
    const mlp = res.body.items.find((k: { name: string }) => k.name === 'mlp_classifier');
    expect(mlp).toMatchObject({
      tasks: ['classification'],
      capabilities: { gpu: true, embeddings: true, outOfCore: true },
    });
  });

  it('needs a caller', async () => {
    expect((await request(app).get('/v1/model-kinds')).status).toBe(401);
  });
});
