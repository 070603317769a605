import type { Run } from '../../data/types';
import { PHASES, phaseStates } from './phases';

export function PhaseStepper({ run }: { run: Run }) {
  const states = phaseStates(run);
  return (
    <ol className="stepper" aria-label="Phases">
      {PHASES.map((p, i) => {
        const { state, note } = states[i] ?? { state: 'pending' };
        return (
          <li key={p.phase} className={`phase phase-${state}`} data-phase={p.phase} data-state={state}>
            <div className="phase-dot" aria-hidden="true">
              {state === 'done' ? '✓' : state === 'failed' ? '✕' : i + 1}
            </div>
            <div>
              <div className="phase-title">
                {p.title}
                {note ? <span className="phase-note"> · {note}</span> : null}
                {state === 'current' && run.step ? <span className="phase-note"> · {run.step}</span> : null}
              </div>
              <div className="phase-what">{p.what}</div>
            </div>
          </li>
        );
      })}
    </ol>
  );
}
