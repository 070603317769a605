import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export type Phase = 'dev' | 'staging' | 'production';

export type RunOutcome = 'succeeded' | 'rejected' | 'gate_failed' | 'failed' | 'cancelled';

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
  /** 'timeout' when nobody decided in time and the spec's onTimeout applied. */
  source: 'human' | 'timeout';
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
    deadline?: string;
    decision?: ApprovalDecision;
  };
  artifacts: Record<string, string>;
  error?: string;
}

export interface ApprovalRequest {
  /** The approver's identity; the API fills it from the authenticated caller, never from the request body. */
  by: string;
  reason: string;
}

export interface ApprovalResult {
  decision: 'approved' | 'rejected';
  model: string;
  version: number;
}

export const statusQuery = defineQuery<PipelineStatus>('status');
export const trainingProgressSignal = defineSignal<[CandidateProgress]>('trainingProgress');
export const approveUpdate = defineUpdate<ApprovalResult, [ApprovalRequest]>('approve');
export const rejectUpdate = defineUpdate<ApprovalResult, [ApprovalRequest]>('reject');
