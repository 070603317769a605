import type { Run } from '../../data/types';

export type Phase = 'dev' | 'staging' | 'production';
export type PhaseState = 'done' | 'current' | 'waiting' | 'failed' | 'pending' | 'skipped';

export const PHASES: Array<{ phase: Phase; title: string; what: string }> = [
  { phase: 'dev', title: 'Dev', what: 'ingest → validate → features → ABT → train → evaluate → report' },
  { phase: 'staging', title: 'Staging', what: 'gate → register → deploy to staging → smoke test → approval' },
  { phase: 'production', title: 'Production', what: 'promote → deploy to production → monitoring' },
];

/** Which phase a recorded step belongs to (step names as the activities record them). */
export function phaseOfStep(step: string): Phase {
  if (step === 'promote' || step === 'deploy-production') return 'production';
  if (['register', 'deploy-staging', 'archive', 'evaluate:production'].includes(step) || step.startsWith('smoke-test'))
    return 'staging';
  return 'dev';
}

const FAILED: Record<string, string> = {
  failed: 'failed',
  cancelled: 'cancelled',
  timed_out: 'timed out',
  rejected: 'rejected',
  gate_failed: 'gate failed',
  rolled_back: 'canary rolled back',
};

export function phaseStates(run: Pick<Run, 'phase' | 'status'>): Array<{ state: PhaseState; note?: string }> {
  const current = PHASES.findIndex((p) => p.phase === run.phase);
  return PHASES.map((_, i) => {
    if (run.status === 'succeeded') return { state: 'done' };
    if (i < current) return { state: 'done' };
    if (i > current) return { state: FAILED[run.status] ? 'skipped' : 'pending' };
    if (FAILED[run.status]) return { state: 'failed', note: FAILED[run.status] };
    if (run.status === 'waiting_approval') return { state: 'waiting', note: 'waiting for approval' };
    return { state: 'current', note: 'running' };
  });
}

export interface StepSummary {
  step: string;
  phase: Phase;
  status: string;
  attempts: number;
  startedAt: string;
  endedAt: string | null;
  cached: boolean;
  error: string | null;
}

/** One line per step: its latest attempt, how many attempts it took, whether the cache answered. */
export function summarizeSteps(steps: Run['steps']): StepSummary[] {
  const byStep = new Map<string, Run['steps']>();
  for (const s of steps) byStep.set(s.step, [...(byStep.get(s.step) ?? []), s]);
  return [...byStep.entries()].map(([step, attempts]) => {
    const last = attempts.reduce((a, b) => (b.attempt > a.attempt ? b : a));
    return {
      step,
      phase: phaseOfStep(step),
      status: last.status,
      attempts: Math.max(...attempts.map((a) => a.attempt)),
      startedAt: last.startedAt,
      endedAt: last.endedAt,
      cached: last.status === 'cached',
      error: last.error ?? attempts.find((a) => a.error)?.error ?? null,
    };
  });
}
