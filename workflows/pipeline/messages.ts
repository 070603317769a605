import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export type Phase = 'dev' | 'staging' | 'production';

export type RunOutcome = 'succeeded' | 'rejected' | 'gate_failed' | 'rolled_back' | 'failed' | 'cancelled';

export interface CandidateProgress {
  candidate: string;
  epochsDone: number;
  totalEpochs: number;
  loss?: number;
  valLoss?: number;
  resumedFromEpoch?: number;
  attempt?: number;
}

export interface ApprovalDecision {
  decision: 'approved' | 'rejected';
  by: string;
  reason: string;
  at: string;
  /** 'timeout' when nobody decided in time (the version is then rejected). */
  source: 'human' | 'timeout';
  /** The API key the approver used (absent for JWT callers and for decisions recorded before keys were tracked). */
  keyId?: string;
  /** The API's signature over the decision (see lib/governance/approval.ts); absent on timeout decisions. */
  signer?: string;
  signature?: string;
  /** The delivery strategy the approver chose (signed with the decision); absent: the spec's. */
  strategy?: 'direct' | 'canary';
}

export interface PipelineStatus {
  pipeline: string;
  runId: string;
  phase: Phase;
  status: 'running' | 'waiting_approval' | RunOutcome;
  step: string;
  stepsDone: string[];
  cacheHits: string[];
  progress: {
    rowsIngested?: number;
    rowsValidated?: number;
    abtRows?: number;
    training: Record<string, CandidateProgress>;
  };
  metrics: Record<string, Record<string, number>>;
  best?: string;
  modelVersion?: { model: string; version: number; versionId: number };
  approval: {
    required: boolean;
    approvers: string[];
    /** Four-eyes rule: `startedBy` may not approve (absent in runs started before the rule). */
    fourEyes?: boolean;
    startedBy?: string;
    deadline?: string;
    decision?: ApprovalDecision;
  };
  artifacts: Record<string, string>;
  error?: string;
}

/**
 * A decision as the API sends it: the authenticated approver, the reason, and the API's signature over them
 * (SignedDecision without the decision kind, which is the update's name). Unsigned requests are refused.
 */
export interface ApprovalRequest {
  /** The approver's identity; the API fills it from the authenticated caller, never from the request body. */
  by: string;
  reason: string;
  runId?: string;
  at?: string;
  keyId?: string;
  signer?: string;
  signature?: string;
  /** Approvals only: the delivery strategy the approver chose, inside the signed claims. */
  strategy?: 'direct' | 'canary';
}

export interface ApprovalResult {
  decision: 'approved' | 'rejected';
  model: string;
  version: number;
}

export const statusQuery = defineQuery<PipelineStatus>('status');
/**
 * Sent by training workers before progress moved to heartbeat details and the training_epochs table; still handled
 * so that histories holding these signals replay. Nothing sends it any more: a signal per epoch would grow a run's
 * history with its training time.
 */
export const trainingProgressSignal = defineSignal<[CandidateProgress]>('trainingProgress');
export const approveUpdate = defineUpdate<ApprovalResult, [ApprovalRequest]>('approve');
export const rejectUpdate = defineUpdate<ApprovalResult, [ApprovalRequest]>('reject');
