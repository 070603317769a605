import { createColumnHelper } from '@tanstack/react-table';
import type { Run } from '../../data/types';
import { DataTable } from '../../components/DataTable';
import { between, fmtDuration, fmtTime } from '../../components/format';
import { Badge } from '../../components/ui';
import { summarizeSteps, type StepSummary } from './phases';

const col = createColumnHelper<StepSummary>();
const columns = [
  col.accessor('phase', { header: 'Phase' }),
  col.accessor('step', { header: 'Step', cell: (c) => <span className="mono">{c.getValue()}</span> }),
  col.accessor('status', { header: 'Status', cell: (c) => <Badge value={c.getValue()} /> }),
  col.accessor((s) => between(s.startedAt, s.endedAt), {
    id: 'duration',
    header: 'Duration',
    cell: (c) => fmtDuration(c.getValue()),
  }),
  col.accessor('attempts', {
    header: 'Attempts',
    cell: (c) => <span className={c.getValue() > 1 ? 'warn-text' : undefined}>{c.getValue()}</span>,
  }),
  col.accessor('cached', { header: 'Cache hit', cell: (c) => (c.getValue() ? 'yes' : '—') }),
  col.accessor('startedAt', { header: 'Started', cell: (c) => fmtTime(c.getValue()) }),
  col.accessor('error', {
    header: 'Error',
    cell: (c) => <span className="error-text wrap-text">{c.getValue() ?? ''}</span>,
  }),
];

export function StepsTable({ run }: { run: Run }) {
  return (
    <DataTable
      label="Steps"
      data={summarizeSteps(run.steps)}
      columns={columns}
      rowId={(s) => s.step}
      empty="No step has started yet."
    />
  );
}
