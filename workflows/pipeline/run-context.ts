import { ApplicationFailure, condition, log, setHandler } from '@temporalio/workflow';
import {
  approvalRefusal,
  decisionSignatureProblem,
  type ApprovalPolicy,
  type VerificationKeys,
} from '../../lib/governance/approval';
import type { LoadSpecOutput, RunStatusInput, RunTrigger } from '../../activities/pipeline-io';
import { light, notifyAs, recordLocally, type NotifyInput } from './activities';
import { publisher } from './readable';
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
  awaitDecision(timeoutMs: number, summary?: string): Promise<ApprovalDecision | undefined>;
  guard: ApprovalGuard;
  /**
   * Runs started on this code show themselves in the Temporal UI (summaries on every activity, current details,
   * phase/status search attributes) and keep their bookkeeping in local activities; recorded histories replay as
   * they ran (patch 'readable-runs').
   */
  readable: boolean;
  /**
   * A one-line summary for the activity about to run, or undefined on histories from before readable runs. Built
   * lazily and never throws: outputs recorded by older activity code may lack a field the text would name.
   */
  summary(text: () => string): string | undefined;
  /** Publishes the state to the Temporal UI (current details; search attributes when phase or status changed). */
  publish(): void;
  /** Sends a notification in the background (readable runs only); `settle()` waits for those in flight. */
  notify(input: NotifyInput): void;
  settleNotifications(): Promise<void>;
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
    async ({ by, reason, at, keyId, signer, signature, strategy }: ApprovalRequest) => {
      decision = { decision: kind, by, reason, at: at ?? new Date().toISOString(), source: 'human' };
      if (keyId) decision.keyId = keyId;
      // The approver's signed choice of delivery strategy (checked with the signature by the validator).
      if (kind === 'approved' && strategy) decision.strategy = strategy;
      if (signer && signature) Object.assign(decision, { signer, signature });
      const v = state.modelVersion;
      return { decision: kind, model: v?.model ?? '', version: v?.version ?? 0 };
    };
  setHandler(approveUpdate, decide('approved'), { validator: validateDecision('approved') });
  setHandler(rejectUpdate, decide('rejected'), { validator: validateDecision('rejected') });
  return {
    guard,
    async awaitDecision(timeoutMs, summary) {
      if (summary) await condition(() => decision !== undefined, timeoutMs, { summary });
      else await condition(() => decision !== undefined, timeoutMs);
      return decision;
    },
  };
}

const STATUS_SUMMARY: Record<string, string> = {
  running: 'running',
  waiting_approval: 'waiting for approval',
};

function recordSummary(update: Omit<RunStatusInput, 'runId'>): string {
  const what = update.ended ? `ended ${update.status}` : (STATUS_SUMMARY[update.status ?? ''] ?? update.status);
  const phase = update.phase ? `phase ${update.phase}` : undefined;
  return `run status: ${[what, phase].filter(Boolean).join(', ') || 'summary'}`;
}

export function stepRecorder(
  state: PipelineStatus,
  runId: string,
  readable: boolean,
): Pick<RunContext, 'enter' | 'record' | 'publish' | 'summary' | 'notify' | 'settleNotifications'> {
  const publish = readable ? publisher(state) : () => undefined;
  const inFlight: Array<Promise<unknown>> = [];
  return {
    notify(input) {
      if (!readable) return;
      const sent = notifyAs(`notify ${input.event.replace(/_/g, ' ')}`)({ runId, pipeline: state.pipeline, ...input });
      // A channel that stays down must not fail or block the run: the activity's own retries are the effort made.
      inFlight.push(sent.catch((err: unknown) => log.warn('notification not delivered', { err: String(err) })));
    },
    async settleNotifications() {
      await Promise.all(inFlight);
    },
    enter(step) {
      if (state.step && state.step !== step && !state.stepsDone.includes(state.step)) state.stepsDone.push(state.step);
      state.step = step;
      // The SDK adds workflowId, runId and workflowType to every workflow log line (and drops them on replay).
      log.info('pipeline step', { runId, phase: state.phase, step });
      publish();
    },
    record: (update) =>
      readable
        ? recordLocally(recordSummary(update))({ runId, ...update })
        : light.recordRunStatus({ runId, ...update }),
    publish,
    summary(text) {
      if (!readable) return undefined;
      try {
        return text().slice(0, 300);
      } catch {
        return undefined;
      }
    },
  };
}
