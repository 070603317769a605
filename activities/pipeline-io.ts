// Inputs and outputs of the pipeline's activities: plain JSON, object keys only (never data or weights), so that
// workflow histories stay small. Pure types: the workflow bundle imports this file.
import type { PipelineSpec } from '../lib/pipeline/spec';

export interface StoredObject {
  key: string;
  uri: string;
  sha256: string;
  size: number;
  artifactId: number;
}

export interface LoadSpecInput {
  pipeline: string;
  /** The run's declared parameters by name (histories from before declared parameters may hold other shapes). */
  params: Record<string, unknown>;
  /** The spec version the run was started with; absent: the pipeline's current version. */
  specHash?: string;
}

export interface LoadSpecOutput {
  spec: PipelineSpec;
  /** Content hash of the stored spec version. */
  specHash: string;
  /** Absent in results recorded before specs were versioned. */
  specVersion?: number;
  /** The run's parameter values with declared defaults (absent in older recorded results). */
  parameters?: Record<string, string | number | boolean>;
  file: string;
  codeVersion: string;
  /** spec.training.taskQueue, else the worker's configured training queue. */
  trainingTaskQueue: string;
}

export interface IngestInput {
  runId: string;
  pipeline: string;
  source: PipelineSpec['data']['source'];
}

export interface IngestOutput {
  raw: StoredObject;
  format: 'csv' | 'jsonl';
  /** The same bytes were already in the lake (content addressing): nothing was uploaded. */
  alreadyInLake: boolean;
}

export interface ValidateInput {
  runId: string;
  spec: PipelineSpec;
  raw: IngestOutput;
}

export interface ValidateOutput {
  passed: boolean;
  summary: string;
  rowCount: number;
  quarantinedRows: number;
  /** Column names and types as read; later steps read the raw data with exactly this schema. */
  schema: {
    columns: Array<{ name: string; type: 'numeric' | 'integer' | 'boolean' | 'categorical' | 'datetime' | 'text' }>;
  };
  report: StoredObject;
  quarantine?: StoredObject;
  /**
   * Classification: the label of every accepted row as a class code (lib/ml LabelCodes), so that the features step
   * splits without reading the data again. Absent from results of earlier versions (the features step then reads it).
   */
  labelCodes?: StoredObject;
  cached: boolean;
}

export interface FeaturesInput {
  runId: string;
  spec: PipelineSpec;
  raw: IngestOutput;
  validation: ValidateOutput;
}

export interface FeaturesOutput {
  transform: StoredObject;
  split: StoredObject;
  referenceProfile: StoredObject;
  /** A few raw test rows (label removed) with their ABT row ids, for the deployment smoke test. */
  servingSample: StoredObject;
  featureNames: string[];
  classes: string[];
  counts: { train: number; validation: number; test: number };
  /** Training rows the transforms were fitted on (all of them up to the fit sample size). */
  fitRows: number;
  cached: boolean;
}

export interface AbtInput {
  runId: string;
  spec: PipelineSpec;
  raw: IngestOutput;
  validation: ValidateOutput;
  features: FeaturesOutput;
}

export interface AbtOutput {
  table: string;
  rows: number;
  artifactId: number;
  cached: boolean;
  method: 'copy' | 'insert';
}

export interface TrainInput {
  runId: string;
  spec: PipelineSpec;
  candidate: string;
  abt: AbtOutput;
  features: FeaturesOutput;
}

export interface EpochMetrics {
  epoch: number;
  loss: number;
  valLoss?: number;
  [metric: string]: number | undefined;
}

export interface TrainOutput {
  candidate: string;
  model: StoredObject;
  epochsRun: number;
  stoppedEarly: boolean;
  /** The epoch this attempt resumed after (0 when it started from scratch). */
  resumedFromEpoch: number;
  attempt: number;
  backend: string;
  history: EpochMetrics[];
  trainSeconds: number;
}

export interface EvaluateInput {
  runId: string;
  spec: PipelineSpec;
  candidate: string;
  model: StoredObject;
  abt: AbtOutput;
  features: FeaturesOutput;
}

export interface EvaluateOutput {
  candidate: string;
  /** On the test split. */
  metrics: Record<string, number>;
  /** On the validation split (absent without one, and in results of earlier versions). */
  validationMetrics?: Record<string, number>;
  evaluation: StoredObject;
  testRows: number;
}

export interface BaselineInput {
  runId: string;
  spec: PipelineSpec;
  raw: IngestOutput;
  validation: ValidateOutput;
  features: FeaturesOutput;
}

export interface BaselineOutput {
  /** Absent when the model has no production version yet. */
  version?: number;
  versionId?: number;
  /** The run that produced the production version (its monitor is named after it). */
  runId?: string;
  metrics?: Record<string, number>;
  note: string;
}

export interface ReportInput {
  runId: string;
  spec: PipelineSpec;
  specHash: string;
  raw: IngestOutput;
  validation: ValidateOutput;
  features: FeaturesOutput;
  abt: AbtOutput;
  trained: TrainOutput[];
  evaluations: EvaluateOutput[];
  best: string;
}

export interface ReportOutput {
  json: StoredObject;
  csv: StoredObject;
  /** Absent in results recorded before HTML/XLSX reports existed. */
  html?: StoredObject;
  xlsx?: StoredObject;
}

export interface RunTrigger {
  kind: 'manual' | 'schedule' | 'drift' | 'api' | 'rerun';
  /** Who (or what) started the run: a principal id for API starts, `schedule:<id>`, `monitor:<id>`. */
  by?: string;
  /** The principal behind a schedule (its creator): the four-eyes rule treats them as the run's starter. */
  requestedBy?: string;
  /** For drift-triggered runs: the alert that started the run (lineage: alert → run → version). */
  alertId?: number;
  /** For re-runs: the run repeated (same spec version, data version and parameters unless overridden). */
  rerunOf?: string;
}

export interface RegisterInput {
  runId: string;
  trigger: RunTrigger;
  spec: PipelineSpec;
  specHash: string;
  codeVersion: string;
  raw: IngestOutput;
  features: FeaturesOutput;
  abt: AbtOutput;
  trained: TrainOutput;
  evaluation: EvaluateOutput;
}

export interface RegisterOutput {
  modelName: string;
  versionId: number;
  version: number;
  created: boolean;
}

/** A human decision as the workflow holds it (see workflows/pipeline/messages.ts ApprovalDecision). */
export interface DecisionRecord {
  decision: 'approved' | 'rejected';
  by: string;
  reason: string;
  at: string;
  source: 'human' | 'timeout';
  keyId?: string;
  signer?: string;
  signature?: string;
  /** The delivery strategy the approver chose (part of the signed claims). */
  strategy?: 'direct' | 'canary';
}

export interface DeployInput {
  runId: string;
  modelName: string;
  versionId: number;
  slot: 'staging' | 'production';
  actor: string;
  /** Required for the production slot: the approval, verified again by the worker before anything is written. */
  decision?: DecisionRecord;
}

export interface SmokeTestInput {
  runId: string;
  modelName: string;
  versionId: number;
  slot: 'staging' | 'production';
  evaluation: StoredObject;
  servingSample: StoredObject;
  rows: number;
}

export interface SmokeTestOutput {
  passed: boolean;
  checkedRows: number;
  mismatches: number;
  servedVersion: number;
  message: string;
}

export interface StageChangeInput {
  runId: string;
  versionId: number;
  actor: string;
  reason: string;
  decidedAt: string;
  /** Required to promote: the signed approval, verified by the worker. */
  decision?: DecisionRecord;
}

export interface RunStatusInput {
  runId: string;
  pipeline?: string;
  specHash?: string;
  specVersion?: number;
  startedBy?: string;
  trigger?: string;
  params?: Record<string, unknown>;
  status?:
    'running' | 'waiting_approval' | 'succeeded' | 'failed' | 'rejected' | 'gate_failed' | 'rolled_back' | 'cancelled';
  phase?: string;
  summary?: Record<string, unknown>;
  error?: string | null;
  ended?: boolean;
}
