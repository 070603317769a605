import { Link } from '@tanstack/react-router';
import { useMemo, useState } from 'react';
import { enc, post } from '../data/client';
import { useAction, useDeployments, useMonitoring, useVersion, useVersions } from '../data/queries';
import type { Rollback, Version } from '../data/types';
import { useSession } from '../auth/session';
import { ConfirmDialog } from '../components/Dialog';
import { FlowGraph } from '../components/Graph';
import { fmtNumber, fmtTime } from '../components/format';
import { Badge, Empty, ErrorNotice, Loading, PageTitle, Panel } from '../components/ui';
import { CompareVersions } from './models/Compare';
import { lineageGraph } from './models/lineage';

function RollbackButton({ model, from, to }: { model: string; from: number; to: number | null }) {
  const [open, setOpen] = useState(false);
  const rollback = useAction(
    // The target is named: repeating the call (a double click, a retry) cannot flip production back and forth.
    (reason: string) => post<Rollback>(`/v1/models/${enc(model)}/rollback`, { version: to, reason }),
    [['models'], ['deployments']],
  );
  return (
    <>
      <button type="button" className="danger" disabled={to === null} onClick={() => setOpen(true)}>
        Roll back production
      </button>
      {open ? (
        <ConfirmDialog
          title={`Roll back ${model}`}
          confirmLabel={`Roll back to v${to}`}
          tone="danger"
          reason={{ label: 'Reason (recorded in the audit log)' }}
          busy={rollback.isPending}
          error={rollback.error}
          onClose={() => setOpen(false)}
          onConfirm={(reason) => rollback.mutate(reason, { onSuccess: () => setOpen(false) })}
        >
          <p>
            Production serves <strong>v{from}</strong> now. After the rollback it serves <strong>v{to}</strong>, the
            version v{from} replaced, and monitoring follows it.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function Lineage({ model, version }: { model: string; version: number }) {
  const info = useVersion(model, version);
  const monitoring = useMonitoring(model);
  const graph = useMemo(
    () => (info.data ? lineageGraph(info.data, monitoring.data?.alerts ?? []) : undefined),
    [info.data, monitoring.data],
  );
  if (info.error) return <ErrorNotice error={info.error} />;
  if (!graph) return <Loading what="lineage" />;
  return <FlowGraph nodes={graph.nodes} edges={graph.edges} label={`Lineage of ${model} v${version}`} />;
}

export function ModelPage({ name }: { name: string }) {
  const { can } = useSession();
  const versions = useVersions(name);
  const deployments = useDeployments();
  const [selected, setSelected] = useState<number[]>([]);
  const [focus, setFocus] = useState<number>();
  const items = versions.data?.items ?? [];
  const slots = (deployments.data?.items ?? []).filter((d) => d.model === name);
  const production = slots.find((d) => d.slot === 'production');
  const metrics = [...new Set(items.flatMap((v) => Object.keys(v.metrics)))].sort().slice(0, 6);
  const shown = focus ?? production?.version ?? items[0]?.version;
  const toggle = (v: Version) =>
    setSelected((s) => (s.includes(v.version) ? s.filter((x) => x !== v.version) : [...s, v.version].slice(-2)));
  return (
    <>
      <PageTitle
        title={name}
        sub={
          <>
            {slots.map((d) => (
              <span key={d.slot} className="slot" data-slot={d.slot}>
                {d.slot}: <strong>v{d.version}</strong> (by {d.deployedBy}, {fmtTime(d.deployedAt)}){' '}
              </span>
            ))}
            {slots.length === 0 ? 'Not deployed' : null}
          </>
        }
        actions={
          production && can('approver') ? (
            <RollbackButton model={name} from={production.version} to={production.previousVersion} />
          ) : null
        }
      />
      <ErrorNotice error={versions.error ?? deployments.error} />
      <Panel title="Versions" actions={<span className="muted">tick two versions to compare them</span>}>
        {versions.isLoading ? (
          <Loading what="versions" />
        ) : items.length === 0 ? (
          <Empty>No version yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table aria-label="Versions">
              <thead>
                <tr>
                  <th>Compare</th>
                  <th>Version</th>
                  <th>Stage</th>
                  <th>Candidate</th>
                  {metrics.map((m) => (
                    <th key={m}>{m}</th>
                  ))}
                  <th>Run</th>
                  <th>Registered</th>
                  <th>Lineage</th>
                </tr>
              </thead>
              <tbody>
                {items.map((v) => (
                  <tr key={v.version} data-row={`v${v.version}`}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`compare v${v.version}`}
                        checked={selected.includes(v.version)}
                        onChange={() => toggle(v)}
                      />
                    </td>
                    <td>v{v.version}</td>
                    <td>
                      <Badge value={v.stage} />
                    </td>
                    <td>{v.candidate}</td>
                    {metrics.map((m) => (
                      <td key={m} className="num">
                        {fmtNumber(v.metrics[m])}
                      </td>
                    ))}
                    <td>
                      <Link to="/runs/$runId" params={{ runId: v.runId }} className="mono">
                        {v.runId}
                      </Link>
                    </td>
                    <td>{fmtTime(v.createdAt)}</td>
                    <td>
                      <button type="button" className="link" onClick={() => setFocus(v.version)}>
                        {shown === v.version ? 'shown' : 'show'}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>
      {selected.length === 2 ? (
        <Panel title={`Compare v${selected[0]} and v${selected[1]}`} id="compare">
          <CompareVersions model={name} a={Math.min(...selected)} b={Math.max(...selected)} />
        </Panel>
      ) : null}
      {shown !== undefined ? (
        <Panel title={`Lineage of v${shown}`} id="lineage">
          <Lineage model={name} version={shown} />
        </Panel>
      ) : null}
    </>
  );
}
