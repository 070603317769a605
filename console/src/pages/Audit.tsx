import { createColumnHelper } from '@tanstack/react-table';
import { useState } from 'react';
import { useAudit } from '../data/queries';
import type { Audit } from '../data/types';
import { DataTable } from '../components/DataTable';
import { fmtTime } from '../components/format';
import { ErrorNotice, Loading, PageTitle } from '../components/ui';

type Entry = Audit['items'][number];
const col = createColumnHelper<Entry>();
const columns = [
  col.accessor('at', { header: 'When', cell: (c) => fmtTime(c.getValue()) }),
  col.accessor('actor', { header: 'Who' }),
  col.accessor('action', { header: 'Action', cell: (c) => <span className="mono">{c.getValue()}</span> }),
  col.accessor('target', { header: 'Target', cell: (c) => <span className="mono">{c.getValue()}</span> }),
  col.accessor('reason', { header: 'Reason', cell: (c) => <span className="wrap-text">{c.getValue() ?? ''}</span> }),
  col.accessor((e) => JSON.stringify(e.details), {
    id: 'details',
    header: 'Details',
    enableSorting: false,
    cell: (c) => <span className="mono small wrap-text">{c.getValue() === '{}' ? '' : c.getValue()}</span>,
  }),
];

/** Target and action filter on the server; who and free text filter the rows loaded. */
export function AuditPage() {
  const [target, setTarget] = useState('');
  const [action, setAction] = useState('');
  const [actor, setActor] = useState('');
  const [text, setText] = useState('');
  const [limit, setLimit] = useState(100);
  const { data, error, isLoading } = useAudit({
    target: target.trim() || undefined,
    action: action.trim() || undefined,
    limit,
  });
  const needle = text.trim().toLowerCase();
  const rows = (data?.items ?? []).filter(
    (e) => (!actor.trim() || e.actor === actor.trim()) && (!needle || JSON.stringify(e).toLowerCase().includes(needle)),
  );
  return (
    <>
      <PageTitle
        title="Audit log"
        sub="Approvals, rejections, promotions, rollbacks, cancellations, schedule, key, channel and sign-in events"
      />
      <form className="filters" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
        <label>
          Target{' '}
          <input
            name="target"
            placeholder="run:<id>, model:<name>"
            value={target}
            onChange={(e) => setTarget(e.target.value)}
          />
        </label>
        <label>
          Action{' '}
          <input
            name="action"
            placeholder="approve, rollback, …"
            value={action}
            onChange={(e) => setAction(e.target.value)}
          />
        </label>
        <label>
          Who <input name="actor" value={actor} onChange={(e) => setActor(e.target.value)} />
        </label>
        <label>
          Contains <input name="text" value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <label>
          Rows
          <select value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
            {[50, 100, 200, 500].map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
      </form>
      <ErrorNotice error={error} />
      {isLoading ? (
        <Loading what="the audit log" />
      ) : (
        <DataTable
          label="Audit log"
          data={rows}
          columns={columns}
          rowId={(e) => String(e.id)}
          empty="No entry matches."
        />
      )}
    </>
  );
}
