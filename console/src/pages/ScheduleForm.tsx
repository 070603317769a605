import { useState } from 'react';
import type { Schedule } from '../data/types';
import { ErrorNotice } from '../components/ui';

const OVERLAPS = ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL'];

export interface ScheduleFields {
  scheduleId?: string;
  pipeline: string;
  cron?: string;
  interval?: string;
  overlap: string;
  catchupWindow: string;
  paused?: boolean;
  note?: string;
}

/** Create (pipeline and id) or edit (when `existing` is given) a schedule: cron or interval, overlap, catch-up, note. */
export function ScheduleForm({
  pipelines,
  existing,
  busy,
  error,
  onSubmit,
  onCancel,
}: {
  pipelines: string[];
  existing?: Schedule;
  busy: boolean;
  error: unknown;
  onSubmit(fields: ScheduleFields): void;
  onCancel(): void;
}) {
  const [pipeline, setPipeline] = useState(existing?.pipeline ?? pipelines[0] ?? '');
  const [scheduleId, setScheduleId] = useState('');
  const [mode, setMode] = useState<'cron' | 'interval'>(existing?.interval ? 'interval' : 'cron');
  const [cron, setCron] = useState(existing?.cron ?? '0 3 * * 1');
  const [interval, setInterval] = useState(existing?.interval ?? '24h');
  const [overlap, setOverlap] = useState<string>(existing?.overlap ?? 'SKIP');
  const [catchupWindow, setCatchup] = useState(existing ? `${Math.round(existing.catchupWindowMs / 60_000)}m` : '1h');
  const [paused, setPaused] = useState(false);
  const [note, setNote] = useState(existing?.note ?? '');
  return (
    <form
      className="form-grid"
      aria-label={existing ? `Edit schedule ${existing.scheduleId}` : 'New schedule'}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit({
          scheduleId: scheduleId.trim() || undefined,
          pipeline,
          cron: mode === 'cron' ? cron.trim() : undefined,
          interval: mode === 'interval' ? interval.trim() : undefined,
          overlap,
          catchupWindow,
          paused,
          note: note.trim() || undefined,
        });
      }}
    >
      {existing ? null : (
        <>
          <label className="field">
            <span>Pipeline</span>
            <select name="pipeline" value={pipeline} onChange={(e) => setPipeline(e.target.value)}>
              {pipelines.map((p) => (
                <option key={p}>{p}</option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Schedule id (default: {pipeline}-retrain)</span>
            <input name="scheduleId" value={scheduleId} onChange={(e) => setScheduleId(e.target.value)} />
          </label>
        </>
      )}
      <fieldset className="field">
        <legend>When</legend>
        <label className="inline">
          <input type="radio" checked={mode === 'cron'} onChange={() => setMode('cron')} /> cron (UTC)
        </label>
        <label className="inline">
          <input type="radio" checked={mode === 'interval'} onChange={() => setMode('interval')} /> every
        </label>
        {mode === 'cron' ? (
          <input name="cron" aria-label="cron" value={cron} onChange={(e) => setCron(e.target.value)} />
        ) : (
          <input name="interval" aria-label="interval" value={interval} onChange={(e) => setInterval(e.target.value)} />
        )}
      </fieldset>
      <label className="field">
        <span>When a run is due while the last one still runs</span>
        <select name="overlap" value={overlap} onChange={(e) => setOverlap(e.target.value)}>
          {OVERLAPS.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Catch-up window after an outage</span>
        <input name="catchupWindow" value={catchupWindow} onChange={(e) => setCatchup(e.target.value)} />
      </label>
      {existing ? null : (
        <label className="inline">
          <input type="checkbox" checked={paused} onChange={(e) => setPaused(e.target.checked)} /> create paused
        </label>
      )}
      <label className="field">
        <span>Note</span>
        <input name="note" value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      <ErrorNotice error={error} />
      <div className="button-row">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy || !pipeline}>
          {existing ? 'Save' : 'Create schedule'}
        </button>
      </div>
    </form>
  );
}
