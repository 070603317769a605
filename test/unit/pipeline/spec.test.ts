import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../lib/config/paths';
import {
  SpecError,
  mergeSpecOverrides,
  parseSpecDocument,
  readSpecFile,
  resolveSpec,
  specDocumentHash,
} from '../../../lib/pipeline/load';
import { ParameterError } from '../../../lib/pipeline/parameters';

const base = () => ({
  name: 'p',
  task: 'classification',
  data: { source: { kind: 'file', path: 'x.csv' } },
  features: { label: 'y', features: ['a', { column: 'c', transform: 'onehot' }] },
  candidates: [{ kind: 'logistic_regression' }],
});

const example = (name: string) => readSpecFile(join(PROJECT_ROOT, 'pipelines', `${name}.yaml`)).raw;

/** The document with `overrides` merged in (how tests derive variants: runs use declared parameters). */
function specError(raw: unknown, overrides: Record<string, unknown> = {}): SpecError {
  try {
    parseSpecDocument(mergeSpecOverrides(raw, overrides), 'test.yaml');
  } catch (err) {
    if (err instanceof SpecError) return err;
    throw err;
  }
  throw new Error('expected a SpecError');
}

describe('pipeline spec', () => {
  it('loads both example pipelines with their defaults; the document hash is stable', () => {
    const churn = parseSpecDocument(example('churn'), 'churn.yaml');
    expect(churn).toMatchObject({ name: 'churn', model: 'churn-classifier', task: 'classification' });
    expect(churn.candidates.map((c) => c.name)).toEqual(['logreg', 'mlp']);
    expect(churn.parameters.map((p) => p.name)).toEqual(['epochs', 'learning_rate', 'seed', 'max_attempts']);
    expect(specDocumentHash(example('churn'))).toMatch(/^[0-9a-f]{64}$/);
    expect(specDocumentHash(example('churn'))).toBe(specDocumentHash(example('churn')));
    expect(specDocumentHash(mergeSpecOverrides(example('churn'), { split: { seed: 8 } }))).not.toBe(
      specDocumentHash(example('churn')),
    );
    const house = parseSpecDocument(example('house-prices'), 'house-prices.yaml');
    expect(house).toMatchObject({ task: 'regression', evaluation: { primaryMetric: 'rmse' } });
    expect(house.approval).toEqual({ approvers: [], timeout: '3d', onTimeout: 'reject', fourEyes: true });
    const loans = parseSpecDocument(example('loan-default'), 'loan-default.yaml');
    expect(loans.candidates.map((c) => c.kind)).toEqual([
      'logistic_regression',
      'mlp_classifier',
      'random_forest',
      'gradient_boosting',
    ]);
    expect(loans.features.features).toContainEqual(expect.objectContaining({ column: 'zip3', transform: 'embedding' }));
  });

  it('fills defaults, and names candidates after their kind', () => {
    const spec = parseSpecDocument(base(), 'test.yaml');
    expect(spec.candidates[0]?.name).toBe('logistic_regression');
    expect(spec.approval).toEqual({ approvers: [], timeout: '7d', onTimeout: 'reject', fourEyes: true });
    expect(spec.training).toMatchObject({ maxAttempts: 20, heartbeatTimeout: '60s', checkpointEvery: 1 });
    expect(spec.parameters).toEqual([]);
  });

  it('derives variants for trusted code: objects merge by key, arrays replace', () => {
    expect(mergeSpecOverrides({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: 3 }, l: [9] })).toEqual({
      a: { b: 1, c: 3 },
      l: [9],
    });
  });

  it('replaces a union member of another kind instead of merging their fields', () => {
    const file = { data: { source: { kind: 'file', path: 'x.csv', format: 'csv' } } };
    expect(mergeSpecOverrides(file, { data: { source: { kind: 'postgres', table: 'sources.t' } } })).toEqual({
      data: { source: { kind: 'postgres', table: 'sources.t' } },
    });
    expect(mergeSpecOverrides(file, { data: { source: { path: 'y.csv' } } })).toEqual({
      data: { source: { kind: 'file', path: 'y.csv', format: 'csv' } },
    });
  });

  it('names the path of a bad field and what is wrong with it', () => {
    const err = specError(base(), { candidates: [{ kind: 'logistic_regression', hyperparameters: { epochs: -3 } }] });
    expect(err.message).toMatch(
      /^Invalid pipeline spec test\.yaml:\n {2}- candidates\[0\]\.hyperparameters\.epochs: .*>=\s?1/,
    );
    expect(err.message).toMatch(/Fix these fields and apply the spec again\.$/);
    expect(err.details.issues?.[0]?.path).toBe('candidates[0].hyperparameters.epochs');
  });

  it('refuses unknown fields at any depth, naming the path and the closest allowed field', () => {
    const err = specError(base(), {
      expectations: { columns: { a: { tpye: 'numeric' } } },
      training: { batchsize: 3 },
      data: { source: { kind: 'file', path: 'x.csv', fromat: 'csv' } },
      split: { ratios: { train: 0.8, validation: 0.1, test: 0.1, holdout: 0 } },
    });
    const byPath = Object.fromEntries((err.details.issues ?? []).map((i) => [i.path, i.message]));
    expect(byPath['expectations.columns.a.tpye']).toMatch(/unknown field "tpye".*Did you mean "type"\?/);
    expect(byPath['training.batchsize']).toMatch(/unknown field "batchsize"/);
    expect(byPath['training.batchsize']).toMatch(/Allowed here: taskQueue, timeout/);
    expect(byPath['data.source.fromat']).toMatch(/Did you mean "format"\?/);
    expect(byPath['split.ratios.holdout']).toMatch(/unknown field "holdout"/);
    // A misspelled top-level section and an unknown impute option are errors too.
    const top = specError(base(), { evaluaton: { primaryMetric: 'accuracy' } });
    expect(top.details.issues?.[0]).toMatchObject({
      path: 'evaluaton',
      message: expect.stringMatching(/"evaluation"/),
    });
    const impute = specError(base(), {
      features: { features: [{ column: 'a', transform: 'standardize', impute: { strategy: 'mean', vaule: 1 } }] },
    });
    expect(impute.message).toContain('features.features[0].impute.vaule');
    const query = specError({
      ...base(),
      data: { source: { kind: 'postgres', query: 'select 1', qurey: 'x' } },
    });
    expect(query.details.issues).toEqual([
      expect.objectContaining({ path: 'data.source.qurey', message: expect.stringMatching(/Did you mean "query"\?/) }),
    ]);
  });

  it('says which transform is unknown and which ones exist', () => {
    const err = specError(base(), { features: { features: ['a', { column: 'c', transform: 'hashing' }] } });
    expect(err.message).toContain(
      '- features.features[1]: "transform" must be one of auto, standardize, minmax, passthrough, bucketize, onehot, embedding, datetime (got "hashing")',
    );
  });

  it('validates each candidate with its own kind’s hyperparameters, from the model-kind registry', () => {
    const spec = parseSpecDocument(
      mergeSpecOverrides(base(), {
        candidates: [
          { name: 'forest', kind: 'random_forest', hyperparameters: { trees: 20 } },
          { name: 'gbdt', kind: 'gradient_boosting' },
        ],
      }),
      'test.yaml',
    );
    expect(spec.candidates[0]?.hyperparameters).toMatchObject({ trees: 20, maxFeatures: 'auto', seed: 42 });
    expect(spec.candidates[1]?.hyperparameters).toMatchObject({ rounds: 100, earlyStopping: { patience: 20 } });
    expect(specError(base(), { candidates: [{ kind: 'svm' }] }).message).toContain(
      '- candidates[0].kind: must be one of logistic_regression, mlp_classifier, linear_regression, mlp_regressor, random_forest, gradient_boosting (got "svm")',
    );
    // A dense hyperparameter on a tree kind is a typo, not silently ignored.
    expect(
      specError(base(), { candidates: [{ kind: 'random_forest', hyperparameters: { epochs: 5 } }] }).message,
    ).toMatch(/- candidates\[0\]\.hyperparameters\.epochs: unknown field "epochs".*Allowed here: trees, maxDepth/);
  });

  it('refuses fields that contradict each other', () => {
    expect(specError(base(), { features: { features: ['a', 'y'] } }).message).toMatch(
      /- features\.features\[1\]: "y" is the label: .*leakage/,
    );
    expect(specError(base(), { candidates: [{ kind: 'linear_regression' }] }).message).toMatch(
      /- candidates\[0\]\.kind: linear_regression is a regression model but the task is classification: use logistic_regression, mlp_classifier, random_forest or gradient_boosting/,
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

  it('never approves on timeout, and refuses zero or tiny durations', () => {
    expect(specError(base(), { approval: { onTimeout: 'approve' } }).message).toMatch(
      /approval\.onTimeout: must be "reject": nothing reaches production without a named human approver/,
    );
    expect(specError(base(), { training: { timeout: '0s' } }).message).toMatch(
      /training\.timeout: must be at least 1m/,
    );
    expect(specError(base(), { monitoring: { interval: '1ms' } }).message).toMatch(
      /monitoring\.interval: must be at least 1m/,
    );
    expect(specError(base(), { approval: { timeout: '1s' } }).message).toMatch(
      /approval\.timeout: must be at least 1m/,
    );
  });

  it('accepts a postgres source as a table name or a query, never both, and only MLOPS_SOURCE_ variables', () => {
    expect(() =>
      parseSpecDocument({ ...base(), data: { source: { kind: 'postgres', table: 'sources.customers' } } }, 't'),
    ).not.toThrow();
    expect(
      specError(base(), { data: { source: { kind: 'postgres', table: 't', query: 'select 1' } } }).message,
    ).toMatch(/exactly one of table and query/);
    expect(specError(base(), { data: { source: { kind: 'postgres', table: 't; drop table x' } } }).message).toMatch(
      /data\.source\.table: a table name/,
    );
    expect(
      specError(base(), { data: { source: { kind: 'postgres', table: 't', urlEnv: 'S3_SECRET_KEY' } } }).message,
    ).toMatch(/urlEnv: an environment variable name starting with MLOPS_SOURCE_/);
  });
});

describe('declared run parameters', () => {
  const withParams = (parameters: unknown[]) => ({ ...base(), parameters });
  const epochs = {
    name: 'epochs',
    type: 'integer',
    min: 1,
    max: 100,
    paths: ['candidates.*.hyperparameters.epochs'],
  };

  it('writes a value to every bound path, and only declared values', () => {
    const { spec, parameters } = resolveSpec(example('churn'), 'churn', { epochs: '12', seed: 5 });
    expect(parameters).toEqual({ epochs: 12, seed: 5 });
    expect(spec.candidates.map((c) => (c.hyperparameters as { epochs: number }).epochs)).toEqual([12, 12]);
    expect(spec.split.seed).toBe(5);
    const untouched = resolveSpec(example('churn'), 'churn', {});
    expect(untouched.spec).toEqual(parseSpecDocument(example('churn'), 'churn'));
  });

  it('refuses an undeclared key with a did-you-mean, and values out of bounds or of the wrong type', () => {
    const refuse = (params: Record<string, unknown>) => {
      try {
        resolveSpec(example('churn'), 'churn', params);
      } catch (err) {
        expect(err).toBeInstanceOf(ParameterError);
        return (err as ParameterError).issues;
      }
      throw new Error('expected a ParameterError');
    };
    expect(refuse({ epoch: 3 })[0]).toEqual({
      path: 'epoch',
      message: expect.stringMatching(/Did you mean "epochs"\?/),
    });
    expect(refuse({ epochs: 0 })[0]?.message).toMatch(/must be >= 1/);
    expect(refuse({ epochs: 2.5 })[0]?.message).toMatch(/must be an integer/);
    expect(refuse({ learning_rate: 'fast' })[0]?.message).toMatch(/finite number/);
    // The attacks from the audit: anything that is not a declared parameter is refused, whatever its shape.
    expect(refuse({ data: { source: { kind: 'file', path: '/etc/passwd' } } })[0]?.path).toBe('data');
    expect(refuse({ approval: { approvers: ['me'] } })[0]?.path).toBe('approval');
    expect(refuse({ 'training.maxAtempts': 3 })[0]?.path).toBe('training.maxAtempts');
  });

  it('fills declared defaults, and checks enums and durations', () => {
    const raw = withParams([
      { ...epochs, default: 7 },
      { name: 'bs', type: 'integer', enum: [16, 32], paths: ['candidates.*.hyperparameters.batchSize'] },
      { name: 'budget', type: 'duration', min: '1m', max: '4h', paths: ['training.timeout'] },
    ]);
    const { spec, parameters } = resolveSpec(raw, 't', { bs: 32, budget: '30m' });
    expect(parameters).toEqual({ epochs: 7, bs: 32, budget: '30m' });
    expect(spec.training.timeout).toBe('30m');
    expect(() => resolveSpec(raw, 't', { bs: 17 })).toThrow(/must be one of 16, 32/);
    expect(() => resolveSpec(raw, 't', { budget: '5h' })).toThrow(/must be <= 4h/);
  });

  it('refuses declarations that bind policy fields or paths that do not exist', () => {
    for (const path of [
      'data.source.path',
      'approval.onTimeout',
      'evaluation.thresholds',
      'model',
      'training.taskQueue',
    ]) {
      const err = specError(withParams([{ name: 'x', type: 'string', paths: [path] }]));
      expect(err.message).toMatch(/a policy field that runs may never change/);
    }
    expect(specError(withParams([{ ...epochs, paths: ['candidates.nope.hyperparameters.epochs'] }])).message).toMatch(
      /"candidates\.nope" does not exist in the spec/,
    );
    expect(specError(withParams([epochs, epochs])).message).toMatch(/parameter "epochs" is declared twice/);
  });

  it('reports a value the spec schema refuses against the parameter that set it', () => {
    const raw = withParams([{ name: 'ratio', type: 'number', paths: ['split.ratios.train'] }]);
    expect(() => resolveSpec(raw, 't', { ratio: 5 })).toThrow(/set by parameter "ratio"/);
  });
});
