import { SpecError, deepMerge, loadPipelineSpec, parseSpec } from '../../../lib/pipeline/load';

const base = () => ({
  name: 'p',
  task: 'classification',
  data: { source: { kind: 'file', path: 'x.csv' } },
  features: { label: 'y', features: ['a', { column: 'c', transform: 'onehot' }] },
  candidates: [{ kind: 'logistic_regression' }],
});

function specError(raw: unknown, params: Record<string, unknown> = {}): SpecError {
  try {
    parseSpec(raw, 'test.yaml', params);
  } catch (err) {
    if (err instanceof SpecError) return err;
    throw err;
  }
  throw new Error('expected a SpecError');
}

describe('pipeline spec', () => {
  it('loads both example pipelines with their defaults and a stable hash', () => {
    const churn = loadPipelineSpec('churn');
    expect(churn.spec).toMatchObject({ name: 'churn', model: 'churn-classifier', task: 'classification' });
    expect(churn.spec.candidates.map((c) => c.name)).toEqual(['logreg', 'mlp']);
    expect(churn.specHash).toMatch(/^[0-9a-f]{64}$/);
    expect(loadPipelineSpec('churn').specHash).toBe(churn.specHash);
    expect(loadPipelineSpec('churn', { split: { seed: 8 } }).specHash).not.toBe(churn.specHash);
    const house = loadPipelineSpec('house-prices');
    expect(house.spec).toMatchObject({ task: 'regression', evaluation: { primaryMetric: 'rmse' } });
    expect(house.spec.approval).toEqual({ approvers: [], timeout: '3d', onTimeout: 'reject' });
  });

  it('fills defaults, and names candidates after their kind', () => {
    const spec = parseSpec(base(), 'test.yaml');
    expect(spec.candidates[0]?.name).toBe('logistic_regression');
    expect(spec.approval).toEqual({ approvers: [], timeout: '7d', onTimeout: 'reject' });
    expect(spec.training).toMatchObject({ maxAttempts: 20, heartbeatTimeout: '60s', checkpointEvery: 1 });
  });

  it('merges params over the spec: objects by key, arrays replaced', () => {
    expect(deepMerge({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: 3 }, l: [9] })).toEqual({ a: { b: 1, c: 3 }, l: [9] });
    const spec = parseSpec(base(), 'test.yaml', {
      training: { maxAttempts: 3 },
      candidates: [{ kind: 'mlp_classifier' }],
    });
    expect(spec.training.maxAttempts).toBe(3);
    expect(spec.candidates.map((c) => c.kind)).toEqual(['mlp_classifier']);
  });

  it('names the path of a bad field and what is wrong with it', () => {
    const err = specError(base(), { candidates: [{ kind: 'logistic_regression', hyperparameters: { epochs: -3 } }] });
    expect(err.message).toMatch(
      /^Invalid pipeline spec test\.yaml:\n {2}- candidates\[0\]\.hyperparameters\.epochs: .*>=\s?1/,
    );
    expect(err.message).toMatch(/Fix these fields and start the run again\.$/);
    expect(err.details.issues?.[0]?.path).toBe('candidates[0].hyperparameters.epochs');
  });

  it('says which transform is unknown and which ones exist', () => {
    const err = specError(base(), { features: { features: ['a', { column: 'c', transform: 'embedding' }] } });
    expect(err.message).toContain(
      '- features.features[1]: "transform" must be one of auto, standardize, minmax, passthrough, bucketize, onehot, datetime (got "embedding")',
    );
  });

  it('refuses fields that contradict each other', () => {
    expect(specError(base(), { features: { features: ['a', 'y'] } }).message).toMatch(
      /- features\.features\[1\]: "y" is the label: .*leakage/,
    );
    expect(specError(base(), { candidates: [{ kind: 'linear_regression' }] }).message).toMatch(
      /- candidates\[0\]\.kind: linear_regression is a regression model but the task is classification: use logistic_regression or mlp_classifier/,
    );
    expect(
      specError(base(), {
        candidates: [
          { name: 'm', kind: 'mlp_classifier' },
          { name: 'm', kind: 'logistic_regression' },
        ],
      }).message,
    ).toMatch(/- candidates\[1\]\.name: candidate name "m" is used twice/);
  });

  it('refuses an unknown pipeline, listing the known ones', () => {
    expect(() => loadPipelineSpec('nope')).toThrow(
      /No pipeline named "nope" .*known: churn, churn-features, house-prices/,
    );
    expect(() => loadPipelineSpec('Bad Name')).toThrow(/invalid: use lower-case letters/);
  });
});
