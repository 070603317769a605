import { Link, useNavigate } from '@tanstack/react-router';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { useRuns, type RunFilters } from '../data/queries';
import type { RunRow } from '../data/types';
import { DataTable } from '../components/DataTable';
import { between, fmtDuration, fmtNumber, fmtTime } from '../components/format';
import { Badge, ErrorNotice, Loading, PageTitle } from '../components/ui';

const STATUSES = [
  'running',
  'waiting_approval',
  'succeeded',
  'failed',
  'rejected',
  'gate_failed',
  'rolled_back',
  'cancelled',
  'timed_out',
];
const PREFERRED_METRICS = [
  'accuracy',
  'f1_macro',
  'roc_auc',
  'precision_macro',
  'recall_macro',
  'log_loss',
  'rmse',
  'mae',
  'r2',
];
const col = createColumnHelper<RunRow>();

/** Dates from <input type="date"> as the start of that local day. */
const dayStart = (d: string) => (d ? new Date(`${d}T00:00:00`).toISOString() : undefined);
const nextDay = (d: string) =>
  d ? new Date(new Date(`${d}T00:00:00`).getTime() + 86_400_000).toISOString() : undefined;

export interface RunsSearch {
  pipeline?: string;
  status?: string;
  trigger?: string;
  from?: string;
  to?: string;
}

function metricColumns(rows: RunRow[]): string[] {
  const names = new Set(rows.flatMap((r) => Object.keys(r.metrics)));
  return [
    ...PREFERRED_METRICS.filter((m) => names.has(m)),
    ...[...names].filter((m) => !PREFERRED_METRICS.includes(m)).sort(),
  ].slice(0, 4);
}

export function RunsPage({ search }: { search: RunsSearch }) {
  const navigate = useNavigate();
  const [cursors, setCursors] = useState<string[]>([]);
  const filters: RunFilters = {
    pipeline: search.pipeline,
    status: search.status,
    trigger: search.trigger,
    from: search.from ? dayStart(search.from) : undefined,
    to: search.to ? nextDay(search.to) : undefined,
    cursor: cursors.at(-1),
  };
  const { data, error, isLoading, isFetching } = useRuns(filters);
  const set = (patch: Partial<RunsSearch>) => {
    setCursors([]);
    void navigate({ to: '/runs', search: { ...search, ...patch } });
  };
  const metrics = useMemo(() => metricColumns(data?.items ?? []), [data]);
  const columns = useMemo(
    () => [
      col.accessor('runId', {
        header: 'Run',
        cell: (c) => (
          <Link to="/runs/$runId" params={{ runId: c.getValue() }} className="mono">
            {c.getValue()}
          </Link>
        ),
      }),
      col.accessor('pipeline', { header: 'Pipeline' }),
      col.accessor('status', { header: 'Status', cell: (c) => <Badge value={c.getValue()} /> }),
      col.accessor('phase', { header: 'Phase' }),
      col.accessor('trigger', { header: 'Trigger' }),
      col.accessor('startedAt', { header: 'Started', cell: (c) => fmtTime(c.getValue()) }),
      col.accessor((r) => between(r.startedAt, r.endedAt), {
        id: 'duration',
        header: 'Duration',
        cell: (c) => fmtDuration(c.getValue()),
      }),
      col.accessor('best', { header: 'Best', cell: (c) => c.getValue() ?? '—' }),
      ...metrics.map((m) =>
        col.accessor((r) => r.metrics[m] ?? null, {
          id: `metric:${m}`,
          header: m,
          cell: (c) => <span className="num">{fmtNumber(c.getValue())}</span>,
        }),
      ),
      col.accessor((r) => (r.modelVersion ? `${r.modelVersion.model} v${r.modelVersion.version}` : ''), {
        id: 'version',
        header: 'Version',
        cell: (c) => c.getValue() || '—',
      }),
    ],
    [metrics],
  );

  return (
    <>
      <PageTitle
        title="Runs"
        sub={`Every pipeline run, newest first; refreshes every few seconds${isFetching ? ' …' : ''}`}
      />
      <form className="filters" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <label>
          Pipeline
          <select value={search.pipeline ?? ''} onChange={(e) => set({ pipeline: e.target.value || undefined })}>
            <option value="">all</option>
            {data?.facets.pipelines.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={search.status ?? ''} onChange={(e) => set({ status: e.target.value || undefined })}>
            <option value="">all</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </label>
        <label>
          Trigger
          <select value={search.trigger ?? ''} onChange={(e) => set({ trigger: e.target.value || undefined })}>
            <option value="">all</option>
            {data?.facets.triggers.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" value={search.from ?? ''} onChange={(e) => set({ from: e.target.value || undefined })} />
        </label>
        <label>
          To
          <input type="date" value={search.to ?? ''} onChange={(e) => set({ to: e.target.value || undefined })} />
        </label>
      </form>
      <ErrorNotice error={error} />
      {isLoading ? (
        <Loading what="runs" />
      ) : (
        <DataTable
          label="Runs"
          data={data?.items ?? []}
          columns={columns}
          rowId={(r) => r.runId}
          empty="No runs match these filters."
        />
      )}
      <div className="pager">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Newer
        </button>
        <button
          type="button"
          disabled={!data?.nextCursor}
          onClick={() => data?.nextCursor && setCursors([...cursors, data.nextCursor])}
        >
          Older →
        </button>
      </div>
    </>
  );
}
