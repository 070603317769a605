import { useState } from 'react';
import { del, enc, patch, post } from '../data/client';
import { useAction, usePipelines, useSchedule, useSchedules } from '../data/queries';
import type { ScheduleRow } from '../data/types';
import { useSession } from '../auth/session';
import { ConfirmDialog } from '../components/Dialog';
import { fmtTime } from '../components/format';
import { Badge, Empty, ErrorNotice, Loading, PageTitle, Panel } from '../components/ui';
import { ScheduleForm, type ScheduleFields } from './ScheduleForm';

type Pending = { kind: 'pause' | 'delete' | 'trigger'; schedule: ScheduleRow };

function EditSchedule({ id, pipelines, onDone }: { id: string; pipelines: string[]; onDone(): void }) {
  const { data } = useSchedule(id);
  const save = useAction(
    (f: ScheduleFields) => {
      const { scheduleId: _id, pipeline: _p, paused: _paused, ...change } = f;
      return patch(`/v1/schedules/${enc(id)}`, change);
    },
    [['schedules']],
  );
  if (!data) return <Loading what="the schedule" />;
  return (
    <Panel title={`Edit ${id}`}>
      <ScheduleForm
        pipelines={pipelines}
        existing={data}
        busy={save.isPending}
        error={save.error}
        onCancel={onDone}
        onSubmit={(f) => save.mutate(f, { onSuccess: onDone })}
      />
    </Panel>
  );
}

export function SchedulesPage() {
  const { can } = useSession();
  const { data, error, isLoading } = useSchedules();
  const pipelines = (usePipelines().data?.items ?? []).map((p) => p.name);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<string>();
  const [pending, setPending] = useState<Pending>();
  const create = useAction((f: ScheduleFields) => post('/v1/schedules', { ...f, params: {} }), [['schedules']]);
  const resume = useAction((id: string) => post(`/v1/schedules/${enc(id)}/unpause`, {}), [['schedules']]);
  const act = useAction(
    ({ kind, schedule, note }: Pending & { note: string }) => {
      const path = `/v1/schedules/${enc(schedule.scheduleId)}`;
      if (kind === 'delete') return del(path);
      if (kind === 'trigger') return post(`${path}/trigger`, {});
      return post(`${path}/pause`, note ? { note } : {});
    },
    [['schedules'], ['runs']],
  );
  const operate = can('operator');
  return (
    <>
      <PageTitle
        title="Schedules"
        sub="Recurring retraining runs (Temporal Schedules)"
        actions={
          operate && !creating ? (
            <button type="button" className="primary" onClick={() => setCreating(true)}>
              New schedule
            </button>
          ) : null
        }
      />
      <ErrorNotice error={error ?? resume.error} />
      {creating ? (
        <Panel title="New schedule">
          <ScheduleForm
            pipelines={pipelines}
            busy={create.isPending}
            error={create.error}
            onCancel={() => setCreating(false)}
            onSubmit={(f) => create.mutate(f, { onSuccess: () => setCreating(false) })}
          />
        </Panel>
      ) : null}
      {editing ? <EditSchedule id={editing} pipelines={pipelines} onDone={() => setEditing(undefined)} /> : null}
      {isLoading ? (
        <Loading what="schedules" />
      ) : (data?.items.length ?? 0) === 0 ? (
        <Empty>No schedule yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table aria-label="Schedules">
            <thead>
              <tr>
                <th>Schedule</th>
                <th>Pipeline</th>
                <th>When</th>
                <th>State</th>
                <th>Next runs</th>
                <th>Recent runs</th>
                {operate ? <th>Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {data?.items.map((s) => (
                <tr key={s.scheduleId} data-row={s.scheduleId}>
                  <td className="mono">{s.scheduleId}</td>
                  <td>{s.pipeline}</td>
                  <td className="mono">{s.cron ?? `every ${s.interval}`}</td>
                  <td>
                    <Badge value={s.paused ? 'paused' : 'active'} tone={s.paused ? 'warn' : 'ok'} />
                    {s.note ? <div className="muted small">{s.note}</div> : null}
                  </td>
                  <td className="small">{s.nextRunTimes.slice(0, 2).map(fmtTime).join(', ') || '—'}</td>
                  <td className="small mono">
                    {s.recentRuns
                      .slice(-2)
                      .map((r) => r.runId)
                      .join(', ') || '—'}
                  </td>
                  {operate ? (
                    <td>
                      <div className="button-row">
                        <button type="button" onClick={() => setEditing(s.scheduleId)}>
                          Edit
                        </button>
                        {s.paused ? (
                          <button type="button" onClick={() => resume.mutate(s.scheduleId)}>
                            Resume
                          </button>
                        ) : (
                          <button type="button" onClick={() => setPending({ kind: 'pause', schedule: s })}>
                            Pause
                          </button>
                        )}
                        <button type="button" onClick={() => setPending({ kind: 'trigger', schedule: s })}>
                          Run now
                        </button>
                        <button
                          type="button"
                          className="danger"
                          onClick={() => setPending({ kind: 'delete', schedule: s })}
                        >
                          Delete
                        </button>
                      </div>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pending ? (
        <ConfirmDialog
          title={`${pending.kind === 'pause' ? 'Pause' : pending.kind === 'delete' ? 'Delete' : 'Trigger'} ${pending.schedule.scheduleId}`}
          confirmLabel={pending.kind === 'pause' ? 'Pause' : pending.kind === 'delete' ? 'Delete' : 'Start a run now'}
          tone={pending.kind === 'delete' ? 'danger' : 'primary'}
          reason={pending.kind === 'pause' ? { label: 'Note (why it is paused)', optional: true } : undefined}
          busy={act.isPending}
          error={act.error}
          onClose={() => setPending(undefined)}
          onConfirm={(note) => act.mutate({ ...pending, note }, { onSuccess: () => setPending(undefined) })}
        >
          {pending.kind === 'delete' ? <p>The schedule stops for good; runs it started keep their history.</p> : null}
          {pending.kind === 'trigger' ? <p>Starts a run now, with the schedule&apos;s overlap policy.</p> : null}
        </ConfirmDialog>
      ) : null}
    </>
  );
}
