import { Link, useNavigate } from '@tanstack/react-router';
import { usePipeline, usePipelines } from '../data/queries';
import { useSession } from '../auth/session';
import { Empty, ErrorNotice, Loading, PageTitle, Panel } from '../components/ui';
import { StartRunForm } from './StartRunForm';

export function PipelinesPage({ name }: { name?: string }) {
  const navigate = useNavigate();
  const { can } = useSession();
  const list = usePipelines();
  const chosen = name ?? list.data?.items[0]?.name;
  const detail = usePipeline(chosen);
  return (
    <>
      <PageTitle title="Pipelines" sub="The specs the runs are made from" />
      <ErrorNotice error={list.error ?? detail.error} />
      <div className="tabs" role="tablist">
        {list.data?.items.map((p) => (
          <Link
            key={p.name}
            to="/pipelines"
            search={{ name: p.name }}
            role="tab"
            className={p.name === chosen ? 'tab active' : 'tab'}
            aria-selected={p.name === chosen}
          >
            {p.name}
          </Link>
        ))}
      </div>
      {list.data && list.data.items.length === 0 ? <Empty>No pipeline spec in pipelines/.</Empty> : null}
      {detail.isLoading ? <Loading what="the pipeline" /> : null}
      {detail.data ? (
        <div className="grid-2 wide-right">
          <Panel title="Start a run" id="start-run">
            <p>
              {detail.data.description}{' '}
              <span className="muted">
                Task: {detail.data.task}; registers {detail.data.model}.
              </span>
            </p>
            {can('operator') ? (
              <StartRunForm
                key={detail.data.name}
                pipeline={detail.data}
                onStarted={(runId) => void navigate({ to: '/runs/$runId', params: { runId } })}
              />
            ) : (
              <p className="muted">Starting runs needs the operator role.</p>
            )}
          </Panel>
          <Panel title="Spec (validated, defaults filled in)">
            <pre className="code" aria-label="Pipeline spec">
              {JSON.stringify(detail.data.spec, null, 2)}
            </pre>
          </Panel>
        </div>
      ) : null}
    </>
  );
}
