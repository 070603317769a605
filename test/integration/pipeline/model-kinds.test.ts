import { runKey } from '../../../activities/artifacts';
import { chooseBest } from '../../../workflows/pipeline/policy';
import { listVersions } from '../../../lib/registry';
import { createModelServer } from '../../../lib/serving/model-server';
import { startPipelineHarness, type PipelineHarness } from '../../helpers/pipeline-harness';

/** The loan-default spec's four kinds, with fewer epochs, trees and rounds so the run takes seconds. */
const FAST_LOAN_CANDIDATES = [
  { name: 'logreg', kind: 'logistic_regression', hyperparameters: { epochs: 4, learningRate: 0.03 } },
  {
    name: 'mlp-embedding',
    kind: 'mlp_classifier',
    hyperparameters: { epochs: 4, learningRate: 0.005, hiddenUnits: [16], earlyStopping: false },
  },
  { name: 'forest', kind: 'random_forest', hyperparameters: { trees: 40, minSamplesLeaf: 5, treesPerEpoch: 10 } },
  {
    name: 'gbdt',
    kind: 'gradient_boosting',
    hyperparameters: { rounds: 120, learningRate: 0.1, maxDepth: 3, roundsPerEpoch: 30 },
  },
];

const KIND_OF: Record<string, string> = Object.fromEntries(FAST_LOAN_CANDIDATES.map((c) => [c.name, c.kind]));

describe('model kinds through the real stack', () => {
  let h: PipelineHarness;
  beforeAll(async () => {
    h = await startPipelineHarness();
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  const readJson = async (key: string) => JSON.parse((await h.deps.store.getBytes(key)).toString('utf8'));

  it('a spec mixing dense (with a zip embedding), forest and boosting candidates: the gate takes the best', async () => {
    await h.variant('loan-default', { candidates: FAST_LOAN_CANDIDATES }, 'loan-default');
    const handle = await h.start({ pipeline: 'loan-default' });
    const waiting = await h.waitForStatus(handle, (s) => s.status === 'waiting_approval', 240_000);
    expect(Object.keys(waiting.metrics).sort()).toEqual(['forest', 'gbdt', 'logreg', 'mlp-embedding']);
    const scores = Object.entries(waiting.metrics).map(([candidate, metrics]) => ({ candidate, metrics }));
    const best = chooseBest(scores, 'roc_auc', 'max').candidate;
    expect(waiting.best).toBe(best);
    // Progress per epoch (trees: per group of trees or rounds) is recorded in training_epochs, not signalled.
    const epochsOf = (candidate: string) =>
      h.deps.db('training_epochs').where({ run_id: handle.workflowId, candidate }).orderBy('epoch');
    const forest = await epochsOf('forest');
    expect(forest.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3, 4]);
    // Boosting may stop early; it planned 4 groups of rounds.
    expect((await epochsOf('gbdt'))[0].metrics.totalEpochs).toBe(4);

    // The registered version is the best candidate, with its kind and hyperparameters in the lineage.
    const [version] = await listVersions(h.deps.db, 'loan-default-classifier');
    expect(version).toMatchObject({ candidate: best, stage: 'staging' });
    expect(version?.lineage).toMatchObject({
      candidate: { name: best, kind: KIND_OF[best], capabilities: { checkpointing: true } },
    });

    // Tree kinds record their native importance; dense kinds have none.
    const evaluation = (name: string) => readJson(runKey(handle.workflowId, 'evaluation', `${name}.json`));
    for (const tree of ['forest', 'gbdt']) {
      const { featureImportance } = await evaluation(tree);
      expect(featureImportance.type).toBe('gain');
      expect(featureImportance.features[0].feature).toBe('credit_score');
    }
    expect((await evaluation('mlp-embedding')).featureImportance).toBeUndefined();

    // The staged version serves complete raw rows (the signature refuses missing fields), an unseen zip prefix
    // included (the embedding's unknown index).
    const server = createModelServer({ db: h.deps.db, store: h.deps.store, log: h.deps.log });
    try {
      const answer = await server.predict({
        model: 'loan-default-classifier',
        slot: 'staging',
        rows: [
          {
            income: 30000,
            loan_amount: 30000,
            term_months: 60,
            credit_score: 580,
            employment_years: 0,
            home_ownership: 'rent',
            purpose: 'other',
            zip3: '999',
            application_date: '2022-06-01',
          },
          {
            income: 150000,
            loan_amount: 5000,
            term_months: 36,
            credit_score: 800,
            employment_years: 12,
            home_ownership: 'own',
            purpose: 'car',
            zip3: '104',
            application_date: '2022-06-01',
          },
        ],
      });
      const risk = answer.predictions.map((p) => p.probabilities?.yes ?? NaN);
      expect(risk[0]).toBeGreaterThan(risk[1] as number);
    } finally {
      await server.close();
    }
    await h.decide(handle, 'rejected', 'alice', 'kept for the comparison only');
    expect((await handle.result()).outcome).toBe('rejected');
  }, 300_000);

  it('regression with both tree kinds: trained, gated on r², approved and served from production', async () => {
    const candidates = [
      { name: 'forest', kind: 'random_forest', hyperparameters: { trees: 30, treesPerEpoch: 10 } },
      {
        name: 'gbdt',
        kind: 'gradient_boosting',
        hyperparameters: { rounds: 150, learningRate: 0.1, roundsPerEpoch: 50 },
      },
    ];
    await h.variant('house-prices', { candidates, parameters: [] }, 'house-prices');
    const handle = await h.start({ pipeline: 'house-prices' });
    const waiting = await h.waitForStatus(handle, (s) => s.status === 'waiting_approval', 240_000);
    expect(Object.keys(waiting.metrics).sort()).toEqual(['forest', 'gbdt']);
    for (const metrics of Object.values(waiting.metrics)) expect(metrics.r2).toBeGreaterThan(0.8);
    const scores = Object.entries(waiting.metrics).map(([candidate, metrics]) => ({ candidate, metrics }));
    expect(waiting.best).toBe(chooseBest(scores, 'rmse', 'min').candidate);

    await h.decide(handle, 'approved', 'alice', 'trees beat the gate');
    expect((await handle.result()).outcome).toBe('succeeded');
    const server = createModelServer({ db: h.deps.db, store: h.deps.store, log: h.deps.log });
    try {
      const answer = await server.predict({
        model: 'house-prices',
        slot: 'production',
        rows: [
          {
            sqft: 900,
            bedrooms: 2,
            bathrooms: 1,
            year_built: 1950,
            neighborhood: 'industrial',
            has_garage: false,
            lot_size: 2000,
          },
          {
            sqft: 3200,
            bedrooms: 5,
            bathrooms: 3,
            year_built: 2015,
            neighborhood: 'lakeside',
            has_garage: true,
            lot_size: 9000,
          },
        ],
      });
      const [small, large] = answer.predictions.map((p) => Number(p.prediction));
      expect(large).toBeGreaterThan((small as number) + 100_000);
    } finally {
      await server.close();
    }
  }, 300_000);
});
