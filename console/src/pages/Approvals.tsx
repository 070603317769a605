import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useApprovals } from '../data/queries';
import type { PendingApproval } from '../data/types';
import { useSession } from '../auth/session';
import { fmtNumber, fmtTime, fromNow } from '../components/format';
import { useNow } from '../components/useNow';
import { Badge, Empty, ErrorNotice, Loading, PageTitle } from '../components/ui';
import { DecideButtons } from './run/Decide';

function Row({ item, now }: { item: PendingApproval; now: number }) {
  const version = item.modelVersion ? `${item.modelVersion.model} v${item.modelVersion.version}` : item.runId;
  const overdue = item.deadline !== null && new Date(item.deadline).getTime() < now;
  return (
    <tr data-row={item.runId} className={item.mayDecide ? 'mine' : undefined}>
      <td>
        <strong>{version}</strong>
        <div>
          <Link to="/runs/$runId" params={{ runId: item.runId }} className="mono small">
            {item.runId}
          </Link>
        </div>
        <div className="muted small">
          {item.pipeline}
          {item.best ? ` · best: ${item.best}` : ''}
        </div>
      </td>
      <td className="mono small">
        {Object.entries(item.metrics)
          .slice(0, 3)
          .map(([k, v]) => (
            <div key={k}>
              {k} {fmtNumber(v)}
            </div>
          ))}
      </td>
      <td>
        {fmtTime(item.waitingSince ?? item.startedAt)}
        <div className="muted">{fromNow(item.waitingSince ?? item.startedAt, now)}</div>
      </td>
      <td className={overdue ? 'error-text' : undefined}>
        {item.deadline ? fmtTime(item.deadline) : item.live ? '—' : 'unknown (worker not answering)'}
        {item.deadline ? <div className="muted">{fromNow(item.deadline, now)}</div> : null}
      </td>
      <td className="small">
        {item.approvers.length ? item.approvers.map((a) => <div key={a}>{a}</div>) : 'any approver'}
      </td>
      <td>
        {item.mayDecide ? (
          <DecideButtons runId={item.runId} label={version} />
        ) : (
          <Badge value="view only" tone="muted" />
        )}
      </td>
    </tr>
  );
}

export function ApprovalsPage() {
  const { session } = useSession();
  const { data, error, isLoading } = useApprovals();
  const [onlyMine, setOnlyMine] = useState(false);
  const now = useNow();
  const items = (data?.items ?? []).filter((i) => !onlyMine || i.mayDecide);
  return (
    <>
      <PageTitle
        title="Approvals"
        sub={`Runs waiting for a decision, oldest first. Highlighted: runs ${session?.principal.id} may decide.`}
        actions={
          <label className="inline">
            <input type="checkbox" checked={onlyMine} onChange={(e) => setOnlyMine(e.target.checked)} /> Only mine
          </label>
        }
      />
      <ErrorNotice error={error} />
      {isLoading ? (
        <Loading what="approvals" />
      ) : items.length === 0 ? (
        <Empty>Nothing waits for approval{onlyMine ? ' from you' : ''}.</Empty>
      ) : (
        <div className="table-wrap">
          <table aria-label="Runs waiting for approval">
            <thead>
              <tr>
                <th>Version and run</th>
                <th>Metrics</th>
                <th>Waiting since</th>
                <th>Deadline</th>
                <th>Approvers</th>
                <th>Decision</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <Row key={item.runId} item={item} now={now} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
