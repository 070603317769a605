/** Small, fast candidates for tests: the same kinds as the example pipelines, few epochs. */
export const FAST_CHURN_CANDIDATES = [
  { name: 'logreg', kind: 'logistic_regression', hyperparameters: { epochs: 4, batchSize: 128, learningRate: 0.05 } },
  {
    name: 'mlp',
    kind: 'mlp_classifier',
    hyperparameters: { epochs: 4, batchSize: 128, hiddenUnits: [8], earlyStopping: false },
  },
];
