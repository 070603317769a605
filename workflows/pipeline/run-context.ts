import { ApplicationFailure, condition, log, setHandler } from '@temporalio/workflow';
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
  params?: Record<string, unknown>;
  trigger?: RunTrigger;
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
 * callers (the API) can answer 409 / 403 / 400 without parsing messages.
 */
export function installHandlers(state: PipelineStatus): Pick<RunContext, 'awaitDecision'> {
  let decision: ApprovalDecision | undefined;
  setHandler(statusQuery, () => state);
  setHandler(trainingProgressSignal, (p) => {
    state.progress.training[p.candidate] = p;
  });
  const refuse = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });
  const validateDecision = ({ by, reason }: ApprovalRequest) => {
    if (state.status !== 'waiting_approval' || decision) {
      throw refuse(
        'NotWaitingForApproval',
        `Run ${state.runId} is not waiting for approval (status: ${state.status}, step: ${state.step})`,
      );
    }
    if (!by?.trim()) throw refuse('InvalidApprovalRequest', 'The approver identity ("by") is required');
    if (!reason?.trim()) throw refuse('InvalidApprovalRequest', 'A reason is required for the audit trail');
    if (state.approval.approvers.length > 0 && !state.approval.approvers.includes(by)) {
      throw refuse(
        'NotAnApprover',
        `${by} may not decide on this run; approvers are: ${state.approval.approvers.join(', ')}`,
      );
    }
  };
  const decide =
    (kind: 'approved' | 'rejected') =>
    async ({ by, reason }: ApprovalRequest) => {
      decision = { decision: kind, by, reason, at: new Date().toISOString(), source: 'human' };
      const v = state.modelVersion;
      return { decision: kind, model: v?.model ?? '', version: v?.version ?? 0 };
    };
  setHandler(approveUpdate, decide('approved'), { validator: validateDecision });
  setHandler(rejectUpdate, decide('rejected'), { validator: validateDecision });
  return {
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
