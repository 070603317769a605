import { ApplicationFailure, condition, log, setHandler } from '@temporalio/workflow';
import {
  approvalRefusal,
  decisionSignatureProblem,
  type ApprovalPolicy,
  type VerificationKeys,
} from '../../lib/governance/approval';
import type { LoadSpecOutput, RunStatusInput, RunTrigger } from '../../activities/pipeline-io';
import { light } from './activities';
import {
  approveUpdate,
  rejectUpdate,
  statusQuery,
  trainingProgressSignal,
  type ApprovalDecision,
  type ApprovalRequest,
  type PipelineStatus,
} from './messages';

export interface PipelineInput {
  pipeline: string;
  /** Values of the spec's declared parameters, by name. */
  params?: Record<string, unknown>;
  trigger?: RunTrigger;
  /** The stored spec version to run (content hash); absent: the pipeline's current version. */
  specHash?: string;
}

/**
 * What the approve/reject validators check, filled in as the run learns it: the spec's policy once the spec is
 * loaded, the verification keys when the approval step starts (runs recorded before signed decisions keep
 * `requireSignature` false, so their histories replay as they ran).
 */
export interface ApprovalGuard {
  policy: ApprovalPolicy;
  requireSignature: boolean;
  keys: VerificationKeys;
}

/** What every phase of a run shares: its live state (queried), and how it records steps and status. */
export interface RunContext {
  runId: string;
  input: PipelineInput;
  loaded: LoadSpecOutput;
  state: PipelineStatus;
  enter(step: string): void;
  record(update: Omit<RunStatusInput, 'runId'>): Promise<void>;
  /** Resolves with the human decision, or undefined when the timeout passes first. */
  awaitDecision(timeoutMs: number): Promise<ApprovalDecision | undefined>;
  guard: ApprovalGuard;
}

export function initialState(pipeline: string, runId: string): PipelineStatus {
  return {
    pipeline,
    runId,
    phase: 'dev',
    status: 'running',
    step: 'load spec',
    stepsDone: [],
    cacheHits: [],
    progress: { training: {} },
    metrics: {},
    approval: { required: true, approvers: [] },
    artifacts: {},
  };
}

/**
 * Registers the run's query, signal and updates. The approve/reject validators refuse with typed failures, so that
 * callers (the API) can answer 409 / 403 / 400 without parsing messages; they apply the same approval rule as the
 * API (lib/governance/approval.ts) and, for runs that reached the approval step on this code, accept only
 * decisions the API signed.
 */
export function installHandlers(state: PipelineStatus): Pick<RunContext, 'awaitDecision' | 'guard'> {
  let decision: ApprovalDecision | undefined;
  const guard: ApprovalGuard = { policy: { approvers: [], fourEyes: false }, requireSignature: false, keys: {} };
  setHandler(statusQuery, () => state);
  setHandler(trainingProgressSignal, (p) => {
    state.progress.training[p.candidate] = p;
  });
  const refuse = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });
  const validateDecision = (kind: 'approved' | 'rejected') => (request: ApprovalRequest) => {
    if (state.status !== 'waiting_approval' || decision) {
      throw refuse(
        'NotWaitingForApproval',
        `Run ${state.runId} is not waiting for approval (status: ${state.status}, step: ${state.step})`,
      );
    }
    if (!request.by?.trim()) throw refuse('InvalidApprovalRequest', 'The approver identity ("by") is required');
    if (!request.reason?.trim()) throw refuse('InvalidApprovalRequest', 'A reason is required for the audit trail');
    const refusal = approvalRefusal(guard.policy, { by: request.by, decision: kind }, state.runId);
    if (refusal) throw refuse(refusal.type, refusal.message);
    if (guard.requireSignature) {
      const problem = decisionSignatureProblem({ ...request, decision: kind }, { runId: state.runId }, guard.keys);
      if (problem) throw refuse('UnsignedDecision', `Decision refused: ${problem}`);
    }
  };
  const decide =
    (kind: 'approved' | 'rejected') =>
    async ({ by, reason, at, keyId, signer, signature }: ApprovalRequest) => {
      decision = { decision: kind, by, reason, at: at ?? new Date().toISOString(), source: 'human' };
      if (keyId) decision.keyId = keyId;
      if (signer && signature) Object.assign(decision, { signer, signature });
      const v = state.modelVersion;
      return { decision: kind, model: v?.model ?? '', version: v?.version ?? 0 };
    };
  setHandler(approveUpdate, decide('approved'), { validator: validateDecision('approved') });
  setHandler(rejectUpdate, decide('rejected'), { validator: validateDecision('rejected') });
  return {
    guard,
    async awaitDecision(timeoutMs) {
      await condition(() => decision !== undefined, timeoutMs);
      return decision;
    },
  };
}

export function stepRecorder(state: PipelineStatus, runId: string): Pick<RunContext, 'enter' | 'record'> {
  return {
    enter(step) {
      if (state.step && state.step !== step && !state.stepsDone.includes(state.step)) state.stepsDone.push(state.step);
      state.step = step;
      // The SDK adds workflowId, runId and workflowType to every workflow log line (and drops them on replay).
      log.info('pipeline step', { runId, phase: state.phase, step });
    },
    record: (update) => light.recordRunStatus({ runId, ...update }),
  };
}
