import { Link } from '@tanstack/react-router';
import { createColumnHelper } from '@tanstack/react-table';
import { useModels } from '../data/queries';
import type { Models } from '../data/types';
import { DataTable } from '../components/DataTable';
import { fmtTime } from '../components/format';
import { ErrorNotice, Loading, PageTitle } from '../components/ui';

type Model = Models['items'][number];
const col = createColumnHelper<Model>();
const columns = [
  col.accessor('name', {
    header: 'Model',
    cell: (c) => (
      <Link to="/models/$name" params={{ name: c.getValue() }}>
        {c.getValue()}
      </Link>
    ),
  }),
  col.accessor('task', { header: 'Task' }),
  col.accessor('productionVersion', {
    header: 'In production',
    cell: (c) => (c.getValue() === null ? '—' : `v${c.getValue()}`),
  }),
  col.accessor('description', { header: 'Description', cell: (c) => c.getValue() ?? '' }),
  col.accessor('createdAt', { header: 'Registered', cell: (c) => fmtTime(c.getValue()) }),
];

export function ModelsPage() {
  const { data, error, isLoading } = useModels();
  return (
    <>
      <PageTitle title="Models" sub="Every model in the registry and the version it serves in production" />
      <ErrorNotice error={error} />
      {isLoading ? (
        <Loading what="models" />
      ) : (
        <DataTable
          label="Models"
          data={data?.items ?? []}
          columns={columns}
          rowId={(m) => m.name}
          empty="No model is registered yet: a run registers one when it passes its gate."
        />
      )}
    </>
  );
}
