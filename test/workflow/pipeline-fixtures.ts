import type {
  AbtOutput,
  EvaluateOutput,
  FeaturesOutput,
  IngestOutput,
  LoadSpecOutput,
  StoredObject,
  TrainOutput,
  ValidateOutput,
} from '../../activities/pipeline-io';
import { publicKeyOf } from '../../lib/governance/approval';
import type { PipelineSpec } from '../../lib/pipeline/spec';

export const obj = (key: string, artifactId = 1): StoredObject => ({
  key,
  uri: `s3://mlops/${key}`,
  sha256: 'a'.repeat(64),
  size: 100,
  artifactId,
});

/** The parts of a validated spec the workflow reads; the loader (tested elsewhere) fills the rest. */
export function testSpec(overrides: Partial<Record<keyof PipelineSpec, unknown>> = {}): PipelineSpec {
  return {
    name: 'churn',
    model: 'churn',
    task: 'classification',
    data: { source: { kind: 'file', path: 'x.csv', format: 'csv' } },
    candidates: [{ name: 'logreg' }, { name: 'mlp' }],
    training: { timeout: '1h', heartbeatTimeout: '30s', maxAttempts: 3, checkpointEvery: 1 },
    evaluation: { primaryMetric: 'f1_macro', thresholds: { accuracy: { min: 0.7 } }, minImprovement: 0 },
    deployment: { smokeTestRows: 5 },
    approval: { approvers: ['alice'], timeout: '2d', onTimeout: 'reject' },
    monitoring: { enabled: true, interval: '1h', minSamples: 50, drift: {}, onDrift: 'notify', minLabelled: 30 },
    ...overrides,
  } as unknown as PipelineSpec;
}

export const ingestOut: IngestOutput = { raw: obj('lake/raw/sha256/aa/x.csv', 1), format: 'csv', alreadyInLake: false };
export const validateOut: ValidateOutput = {
  passed: true,
  summary: 'all checks passed',
  rowCount: 1000,
  quarantinedRows: 0,
  schema: { columns: [{ name: 'a', type: 'numeric' }] },
  report: obj('runs/r/validation/report.json', 2),
  cached: false,
};
export const featuresOut: FeaturesOutput = {
  transform: obj('derived/t.json', 3),
  split: obj('derived/s.json', 4),
  referenceProfile: obj('derived/p.json', 5),
  servingSample: obj('derived/sample.json', 7),
  featureNames: ['a', 'b'],
  classes: ['no', 'yes'],
  counts: { train: 700, validation: 150, test: 150 },
  fitRows: 700,
  cached: false,
};
export const abtOut: AbtOutput = { table: 'abt.churn_x', rows: 1000, artifactId: 6, cached: false, method: 'copy' };

export function trainOut(candidate: string): TrainOutput {
  return {
    candidate,
    model: obj(`runs/r/models/${candidate}.bin`, 10),
    epochsRun: 5,
    stoppedEarly: false,
    resumedFromEpoch: 0,
    attempt: 1,
    backend: 'wasm',
    history: [{ epoch: 1, loss: 0.5 }],
    trainSeconds: 1,
  };
}

export function evaluateOut(candidate: string, f1: number): EvaluateOutput {
  return {
    candidate,
    metrics: { f1_macro: f1, accuracy: f1 + 0.05 },
    evaluation: obj(`runs/r/eval/${candidate}.json`, 11),
    testRows: 150,
  };
}

export function loadOut(spec: PipelineSpec, trainingTaskQueue: string): LoadSpecOutput {
  return { spec, specHash: 'h'.repeat(64), file: 'pipelines/churn.yaml', codeVersion: 'test', trainingTaskQueue };
}

/** Wraps a stub result so that each call is recorded in `calls`. */
export type Track = <T>(name: string, result: (input: never) => T | Promise<T>) => (input: never) => Promise<T>;

/** Calls made to the stub activities, in order; `at` is the workflow clock when `now` is given (time-skipping). */
export type Calls = Array<{ name: string; input: unknown; at?: number }>;

/**
 * Stub activities for every step of the pipeline workflow, recording each call: a churn run whose mlp candidate wins
 * (F1 0.85 against 0.8), registered as version 3 and smoke-tested green. `overrides` replaces any of them.
 */
export function fakeActivities(args: {
  spec: PipelineSpec;
  queue: string;
  calls: Calls;
  signer: { id: string; privateKeyHex: string };
  /** Replacements or extra activities; as a function, it gets the recorder to record their calls too. */
  overrides?: Record<string, unknown> | ((track: Track) => Record<string, unknown>);
  now?: () => Promise<number>;
}) {
  const { spec, queue, calls, signer, now } = args;
  const track: Track = (name, result) => async (input) => {
    calls.push(now ? { name, input, at: await now() } : { name, input });
    return result(input);
  };
  const overrides = typeof args.overrides === 'function' ? args.overrides(track) : args.overrides;
  const f1 = { logreg: 0.8, mlp: 0.85 } as Record<string, number>;
  return {
    loadPipelineSpec: track('loadPipelineSpec', () => loadOut(spec, queue)),
    approvalVerificationKeys: track('approvalVerificationKeys', () => ({
      [signer.id]: publicKeyOf(signer.privateKeyHex),
    })),
    recordRunStatus: track('recordRunStatus', () => undefined),
    ingestRawData: track('ingestRawData', () => ingestOut),
    validateDataset: track('validateDataset', () => validateOut),
    fitFeatures: track('fitFeatures', () => featuresOut),
    buildAnalyticBaseTable: track('buildAnalyticBaseTable', () => abtOut),
    trainCandidate: track('trainCandidate', (i: { candidate: string }) => trainOut(i.candidate)),
    evaluateCandidate: track('evaluateCandidate', (i: { candidate: string }) =>
      evaluateOut(i.candidate, f1[i.candidate] ?? 0),
    ),
    writeRunReport: track('writeRunReport', () => ({ json: obj('r.json'), csv: obj('r.csv') })),
    evaluateProductionModel: track('evaluateProductionModel', () => ({ note: 'no production model' })),
    registerModelVersion: track('registerModelVersion', () => ({
      modelName: 'churn',
      versionId: 42,
      version: 3,
      created: true,
    })),
    deployModelVersion: track('deployModelVersion', () => undefined),
    smokeTestDeployment: track('smokeTestDeployment', () => ({
      passed: true,
      checkedRows: 5,
      mismatches: 0,
      servedVersion: 3,
      message: 'ok',
    })),
    promoteModelVersion: track('promoteModelVersion', () => undefined),
    archiveModelVersion: track('archiveModelVersion', () => undefined),
    notify: track('notify', () => ({ channels: [] })),
    ...overrides,
  };
}
