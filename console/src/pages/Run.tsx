import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { enc, post } from '../data/client';
import { useAction, useRun } from '../data/queries';
import { useSession } from '../auth/session';
import { ConfirmDialog } from '../components/Dialog';
import { between, fmtDuration, fmtTime } from '../components/format';
import { Badge, ErrorNotice, Loading, PageTitle, Panel } from '../components/ui';
import { GatePanel, ValidationPanel } from './run/ChecksPanel';
import { ApprovalPanel } from './run/Decide';
import { PhaseStepper } from './run/PhaseStepper';
import { StepsTable } from './run/StepsTable';
import { CandidateMetrics, TrainingCurves } from './run/TrainingCurves';

function CancelButton({ runId }: { runId: string }) {
  const [open, setOpen] = useState(false);
  const cancel = useAction(
    (reason: string) => post(`/v1/runs/${enc(runId)}/cancel`, { reason: reason || undefined }),
    [['run', runId], ['runs']],
  );
  return (
    <>
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        Cancel run
      </button>
      {open ? (
        <ConfirmDialog
          title={`Cancel ${runId}`}
          confirmLabel="Cancel the run"
          tone="danger"
          reason={{ label: 'Reason (optional)', optional: true }}
          busy={cancel.isPending}
          error={cancel.error}
          onClose={() => setOpen(false)}
          onConfirm={(reason) => cancel.mutate(reason, { onSuccess: () => setOpen(false) })}
        >
          <p>The run stops after its current step and records itself as cancelled.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

export function RunPage({ runId }: { runId: string }) {
  const { can } = useSession();
  const { data: run, error, isLoading } = useRun(runId);
  if (isLoading) return <Loading what="the run" />;
  if (!run) return <ErrorNotice error={error} />;
  const base = `/v1/runs/${enc(run.runId)}`;
  const hasReport = run.artifacts.some((a) => a.step === 'report');
  const open = run.status === 'running' || run.status === 'waiting_approval';
  return (
    <>
      <PageTitle
        title={
          <>
            <span className="mono">{run.runId}</span> <Badge value={run.status} />
          </>
        }
        sub={
          <>
            {run.pipeline} · trigger {run.trigger} · started {fmtTime(run.startedAt)} · {open ? 'running for' : 'took'}{' '}
            {fmtDuration(between(run.startedAt, run.endedAt))}
            {run.live ? ' · live' : ''}
          </>
        }
        actions={
          <>
            {run.temporal ? (
              <a className="button" href={run.temporal.uiUrl} target="_blank" rel="noreferrer">
                Temporal UI
              </a>
            ) : null}
            {hasReport ? (
              <>
                <a className="button" href={`${base}/report.html`} target="_blank" rel="noreferrer">
                  Report
                </a>
                <a className="button" href={`${base}/report.xlsx`}>
                  XLSX
                </a>
                <a className="button" href={`${base}/report.csv`}>
                  CSV
                </a>
              </>
            ) : null}
            {open && can('operator') ? <CancelButton runId={run.runId} /> : null}
          </>
        }
      />
      <ErrorNotice error={error} />
      {run.error ? <div className="notice notice-bad">{run.error}</div> : null}
      <PhaseStepper run={run} />
      <div className="grid-2">
        <Panel title="Approval" id="approval">
          <ApprovalPanel run={run} />
        </Panel>
        <Panel title="Evaluation gate">
          <GatePanel run={run} />
          {run.modelVersion ? (
            <p>
              Registered as{' '}
              <Link to="/models/$name" params={{ name: run.modelVersion.model }}>
                {run.modelVersion.model} v{run.modelVersion.version}
              </Link>
            </p>
          ) : null}
        </Panel>
      </div>
      <Panel title="Steps">
        <StepsTable run={run} />
      </Panel>
      <Panel title="Training">
        <TrainingCurves run={run} />
        <h3>Test metrics</h3>
        <CandidateMetrics run={run} />
      </Panel>
      <Panel title="Data validation">
        <ValidationPanel run={run} />
      </Panel>
      <div className="grid-2">
        <Panel title="Parameters">
          <pre className="code">{JSON.stringify(run.params, null, 2)}</pre>
        </Panel>
        <Panel title="Artifacts">
          <ul className="plain">
            {run.artifacts.map((a) => (
              <li key={`${a.step}/${a.name}`}>
                <span className="mono">{a.step}</span> · {a.name} <span className="muted">({a.kind})</span>
              </li>
            ))}
          </ul>
        </Panel>
      </div>
    </>
  );
}
