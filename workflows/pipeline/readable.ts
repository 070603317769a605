import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { PipelineStatus } from './messages';

// What the Temporal UI shows of a run: search attributes to filter the workflow list ("waiting for approval",
// "rejected"), and the run's current details (phase, status, who it waits for, until when). Registered on the dev
// server by infra/stack and on other servers by the orchestration worker at start (workers/search-attributes.ts).

export const MLOPS_PIPELINE = defineSearchAttributeKey('MlopsPipeline', SearchAttributeType.KEYWORD);
export const MLOPS_MODEL = defineSearchAttributeKey('MlopsModel', SearchAttributeType.KEYWORD);
export const MLOPS_TRIGGER = defineSearchAttributeKey('MlopsTrigger', SearchAttributeType.KEYWORD);
/** dev | staging | production, updated as the run moves. */
export const MLOPS_PHASE = defineSearchAttributeKey('MlopsPhase', SearchAttributeType.KEYWORD);
/** running | waiting_approval | succeeded | rejected | gate_failed | rolled_back | failed | cancelled. */
export const MLOPS_STATUS = defineSearchAttributeKey('MlopsStatus', SearchAttributeType.KEYWORD);
/** The final outcome, set once when the run ends (empty while it runs). */
export const MLOPS_OUTCOME = defineSearchAttributeKey('MlopsOutcome', SearchAttributeType.KEYWORD);

/** Every key with its type, as `temporal server start-dev --search-attribute` and the operator API want them. */
export const SEARCH_ATTRIBUTE_KEYS = [
  MLOPS_PIPELINE,
  MLOPS_MODEL,
  MLOPS_TRIGGER,
  MLOPS_PHASE,
  MLOPS_STATUS,
  MLOPS_OUTCOME,
];

const STATUS_WORDS: Record<PipelineStatus['status'], string> = {
  running: 'running',
  waiting_approval: 'waiting for approval',
  succeeded: 'in production',
  rejected: 'rejected',
  gate_failed: 'stopped at the evaluation gate',
  rolled_back: 'canary rolled back',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** One-line, Temporal-markdown details of where the run stands. */
export function currentDetailsOf(state: PipelineStatus): string {
  const parts = [`**${state.phase}** · ${STATUS_WORDS[state.status]} · step \`${state.step}\``];
  if (state.status === 'waiting_approval') {
    const who = state.approval.approvers.length ? state.approval.approvers.join(', ') : 'any approver';
    const notStarter = state.approval.fourEyes && state.approval.startedBy ? ` (not ${state.approval.startedBy})` : '';
    parts.push(`waiting for **${who}**${notStarter} until ${state.approval.deadline ?? '?'}`);
  }
  if (state.best) {
    const metrics = state.metrics[state.best] ?? {};
    const shown = Object.entries(metrics)
      .slice(0, 2)
      .map(([name, value]) => `${name} ${typeof value === 'number' ? Number(value.toPrecision(4)) : String(value)}`)
      .join(', ');
    parts.push(`best **${state.best}**${shown ? ` (${shown})` : ''}`);
  }
  if (state.modelVersion) parts.push(`${state.modelVersion.model} v${state.modelVersion.version}`);
  if (state.approval.decision) {
    parts.push(`${state.approval.decision.decision} by ${state.approval.decision.by}`);
  }
  if (state.error) parts.push(`error: ${state.error.split('\n')[0]?.slice(0, 200)}`);
  return parts.join(' · ');
}

/**
 * Publishes the run's state to the Temporal UI: current details always, search attributes when the phase or the
 * status changed since the last call (each upsert is a command in the history, so only on change).
 */
export function publisher(state: PipelineStatus): () => void {
  let phase: string | undefined;
  let status: string | undefined;
  return () => {
    try {
      setCurrentDetails(currentDetailsOf(state));
    } catch {
      // Details are a courtesy: a state shape from older activity outputs must never fail the run.
      setCurrentDetails(`**${state.phase}** · ${state.status}`);
    }
    if (state.phase === phase && state.status === status) return;
    phase = state.phase;
    status = state.status;
    const ended = !['running', 'waiting_approval'].includes(state.status);
    upsertSearchAttributes([
      // Runs started outside the API (Temporal CLI, another client) are filterable by pipeline too.
      { key: MLOPS_PIPELINE, value: state.pipeline },
      { key: MLOPS_PHASE, value: state.phase },
      { key: MLOPS_STATUS, value: state.status },
      ...(ended ? [{ key: MLOPS_OUTCOME, value: state.status }] : []),
    ]);
  };
}
