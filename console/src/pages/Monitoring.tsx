import { useNavigate } from '@tanstack/react-router';
import { useMemo, useState } from 'react';
import { enc, post } from '../data/client';
import { useAction, useModels, useMonitoring } from '../data/queries';
import type { AlertView, Window } from '../data/types';
import { useSession } from '../auth/session';
import { ConfirmDialog } from '../components/Dialog';
import { LineChart, type Series } from '../components/LineChart';
import { fmtNumber, fmtTime } from '../components/format';
import { Badge, Empty, ErrorNotice, Loading, PageTitle, Panel } from '../components/ui';

const level = (psi: number) => (psi >= 0.2 ? 'high' : psi >= 0.1 ? 'mid' : 'low');

function DriftHeatmap({ windows }: { windows: Window[] }) {
  const features = [...new Set(windows.flatMap((w) => w.features.map((f) => f.feature)))];
  return (
    <div className="table-wrap">
      <table className="heatmap" aria-label="PSI per feature and window">
        <thead>
          <tr>
            <th>feature</th>
            {windows.map((w) => (
              <th key={w.reportId} title={`${fmtTime(w.windowStart)} – ${fmtTime(w.windowEnd)}`}>
                #{w.windowIndex}
                <div className="muted small">v{w.version}</div>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {features.map((feature) => (
            <tr key={feature}>
              <th className="mono">{feature}</th>
              {windows.map((w) => {
                const f = w.features.find((x) => x.feature === feature);
                if (!f) return <td key={w.reportId}>—</td>;
                const why = f.reasons.join('; ') || (f.insufficientData ? 'too few samples' : 'no drift');
                return (
                  <td
                    key={w.reportId}
                    className={`heat heat-${level(f.psi)}${f.drifted ? ' drifted' : ''}`}
                    title={why}
                  >
                    {fmtNumber(f.psi)}
                    {f.drifted ? ' ⚑' : ''}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AckButton({ alert, model }: { alert: AlertView; model: string }) {
  const [open, setOpen] = useState(false);
  const ack = useAction(
    (reason: string) => post(`/v1/alerts/${alert.alertId}/acknowledge`, { reason }),
    [['monitoring', model]],
  );
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Acknowledge
      </button>
      {open ? (
        <ConfirmDialog
          title={`Acknowledge alert #${alert.alertId}`}
          confirmLabel="Acknowledge"
          reason={{ label: 'What is being done about it' }}
          busy={ack.isPending}
          error={ack.error}
          onClose={() => setOpen(false)}
          onConfirm={(reason) => ack.mutate(reason, { onSuccess: () => setOpen(false) })}
        >
          <p>{alert.message}</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

export function MonitoringPage({ model }: { model?: string }) {
  const navigate = useNavigate();
  const { can } = useSession();
  const models = useModels();
  const chosen = model ?? models.data?.items.find((m) => m.productionVersion !== null)?.name;
  const { data, error, isLoading } = useMonitoring(chosen);
  const windows = useMemo(() => [...(data?.windows ?? [])].reverse(), [data]);
  const charts = useMemo(() => {
    const x = windows.map((w) => new Date(w.windowEnd).getTime() / 1000);
    const features = [...new Set(windows.flatMap((w) => w.features.map((f) => f.feature)))];
    const psi: Series[] = features.map((feature) => ({
      label: feature,
      values: windows.map((w) => w.features.find((f) => f.feature === feature)?.psi ?? null),
    }));
    const quality: Series[] = [
      {
        label: windows.find((w) => w.liveQuality)?.liveQuality?.metric ?? 'live quality',
        values: windows.map((w) => w.liveQuality?.value ?? null),
      },
      { label: 'prediction PSI', values: windows.map((w) => w.prediction?.psi ?? null), dashed: true },
    ];
    return { x, psi, quality };
  }, [windows]);
  const base = chosen ? `/v1/models/${enc(chosen)}/monitoring` : '';
  return (
    <>
      <PageTitle
        title="Monitoring"
        sub="Drift of every feature per window, live quality from feedback labels, alerts"
        actions={
          <>
            <label className="inline">
              Model{' '}
              <select
                value={chosen ?? ''}
                onChange={(e) => void navigate({ to: '/monitoring', search: { model: e.target.value } })}
              >
                {models.data?.items.map((m) => (
                  <option key={m.name}>{m.name}</option>
                ))}
              </select>
            </label>
            {data && data.windows.length > 0 ? (
              <a className="button" href={`${base}/report.html`} target="_blank" rel="noreferrer">
                Report
              </a>
            ) : null}
          </>
        }
      />
      <ErrorNotice error={error ?? models.error} />
      {!chosen ? <Empty>No model in production yet.</Empty> : null}
      {isLoading ? <Loading what="monitoring" /> : null}
      {data ? (
        <>
          <Panel title="Drift per feature (PSI; ⚑ drifted)">
            {windows.length === 0 ? (
              <Empty>No monitoring window yet: a production version gets one every monitoring interval.</Empty>
            ) : (
              <DriftHeatmap windows={windows} />
            )}
          </Panel>
          {windows.length > 0 ? (
            <div className="grid-2">
              <Panel title="PSI across windows">
                <LineChart
                  title="PSI per feature"
                  x={charts.x}
                  series={charts.psi}
                  xLabel="window end"
                  yLabel="PSI"
                  time
                />
              </Panel>
              <Panel title="Live quality and prediction drift">
                <LineChart title="Live quality" x={charts.x} series={charts.quality} xLabel="window end" time />
              </Panel>
            </div>
          ) : null}
          <Panel title="Alerts">
            {data.alerts.length === 0 ? (
              <Empty>No alert.</Empty>
            ) : (
              <div className="table-wrap">
                <table aria-label="Alerts">
                  <thead>
                    <tr>
                      <th>#</th>
                      <th>Kind</th>
                      <th>Status</th>
                      <th>Message</th>
                      <th>Action</th>
                      <th>Raised</th>
                      <th>Acknowledged</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {data.alerts.map((a) => (
                      <tr key={a.alertId} data-row={`alert-${a.alertId}`}>
                        <td>{a.alertId}</td>
                        <td>{a.kind}</td>
                        <td>
                          <Badge value={a.status} />
                        </td>
                        <td className="wrap">{a.message}</td>
                        <td>
                          {a.action}
                          {a.retrainingRunId ? <div className="mono small">{a.retrainingRunId}</div> : null}
                        </td>
                        <td>{fmtTime(a.createdAt)}</td>
                        <td>{a.acknowledgedBy ? `${a.acknowledgedBy}, ${fmtTime(a.acknowledgedAt)}` : '—'}</td>
                        <td>
                          {a.status === 'open' && can('operator') && chosen ? (
                            <AckButton alert={a} model={chosen} />
                          ) : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Panel>
        </>
      ) : null}
    </>
  );
}
