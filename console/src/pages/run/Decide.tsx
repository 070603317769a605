import { useState } from 'react';
import { enc, post } from '../../data/client';
import { useAction } from '../../data/queries';
import type { Decision, Run } from '../../data/types';
import { useSession } from '../../auth/session';
import { ConfirmDialog } from '../../components/Dialog';
import { fmtTime, fromNow } from '../../components/format';
import { Badge } from '../../components/ui';

type Verb = 'approve' | 'reject';

/** Approve and reject, each asking for the reason that goes to the audit log. */
export function DecideButtons({ runId, label }: { runId: string; label: string }) {
  const [verb, setVerb] = useState<Verb>();
  const action = useAction(
    ({ v, reason }: { v: Verb; reason: string }) => post<Decision>(`/v1/runs/${enc(runId)}/${v}`, { reason }),
    [['run', runId], ['runs'], ['approvals'], ['models'], ['deployments']],
  );
  return (
    <>
      <div className="button-row">
        <button type="button" className="primary" onClick={() => setVerb('approve')}>
          Approve
        </button>
        <button type="button" className="danger" onClick={() => setVerb('reject')}>
          Reject
        </button>
      </div>
      {verb ? (
        <ConfirmDialog
          title={`${verb === 'approve' ? 'Approve' : 'Reject'} ${label}`}
          confirmLabel={verb === 'approve' ? 'Approve' : 'Reject'}
          tone={verb === 'approve' ? 'primary' : 'danger'}
          reason={{ label: 'Reason (recorded in the audit log)' }}
          busy={action.isPending}
          error={action.error}
          onClose={() => {
            action.reset();
            setVerb(undefined);
          }}
          onConfirm={(reason) => action.mutate({ v: verb, reason }, { onSuccess: () => setVerb(undefined) })}
        >
          <p>
            {verb === 'approve'
              ? 'The version is promoted and deployed to production as soon as you confirm.'
              : 'The version is archived and the run ends as rejected.'}
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

export function ApprovalPanel({ run }: { run: Run }) {
  const { session, can } = useSession();
  const approval = run.approval;
  if (!approval) return <p className="muted">This run has not asked for an approval.</p>;
  const me = session?.principal.id ?? '';
  const listed = approval.approvers.length === 0 || approval.approvers.includes(me);
  const waiting = run.status === 'waiting_approval' && !approval.decision;
  const version = run.modelVersion ? `${run.modelVersion.model} v${run.modelVersion.version}` : 'this version';
  return (
    <div data-testid="approval">
      {approval.decision ? (
        <p>
          <Badge value={approval.decision.decision} /> by <strong>{approval.decision.by}</strong> at{' '}
          {fmtTime(approval.decision.at)}: {approval.decision.reason}
        </p>
      ) : null}
      {waiting ? (
        <>
          <p>
            {version} waits for a decision
            {approval.deadline ? (
              <>
                {' '}
                until <strong>{fmtTime(approval.deadline)}</strong> ({fromNow(approval.deadline)})
              </>
            ) : null}
            . Approvers: {approval.approvers.length ? approval.approvers.join(', ') : 'anyone with the approver role'}.
          </p>
          {can('approver') && listed ? (
            <DecideButtons runId={run.runId} label={version} />
          ) : (
            <p className="muted" data-testid="no-decision-rights">
              {can('approver')
                ? `You (${me}) are not among this run's approvers.`
                : `Your role (${session?.principal.role}) cannot approve or reject.`}
            </p>
          )}
        </>
      ) : null}
      {!waiting && !approval.decision ? <p className="muted">Not waiting for approval yet.</p> : null}
    </div>
  );
}
