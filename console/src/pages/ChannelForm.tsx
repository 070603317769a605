import { useState } from 'react';
import { ErrorNotice } from '../components/ui';

type Kind = 'webhook' | 'slack' | 'email';

const list = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/** A new channel: the kind's destination fields, the events it receives, optionally only some pipelines. */
export function ChannelForm({
  events,
  busy,
  error,
  onSubmit,
  onCancel,
}: {
  events: string[];
  busy: boolean;
  error: unknown;
  onSubmit(body: Record<string, unknown>): void;
  onCancel(): void;
}) {
  const [kind, setKind] = useState<Kind>('webhook');
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string[]>(events);
  const [pipelines, setPipelines] = useState('');
  const [f, setF] = useState<Record<string, string>>({ port: '587', tls: 'starttls' });
  const set = (k: string) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const config = (): Record<string, unknown> => {
    if (kind === 'slack') return { url: f.url };
    if (kind === 'webhook') return { url: f.url, ...(f.secret ? { secret: f.secret } : {}) };
    return {
      host: f.host,
      port: Number(f.port),
      tls: f.tls,
      ...(f.user ? { user: f.user, password: f.password } : {}),
      from: f.from,
      to: list(f.to ?? ''),
    };
  };
  return (
    <form
      className="form-grid"
      aria-label="New notification channel"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit({ name, kind, config: config(), events: chosen, pipelines: list(pipelines) });
      }}
    >
      <label className="field">
        <span>Name</span>
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      <label className="field">
        <span>Kind</span>
        <select name="kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
          <option value="webhook">JSON webhook</option>
          <option value="slack">Slack-compatible incoming webhook</option>
          <option value="email">E-mail (SMTP)</option>
        </select>
      </label>
      {kind !== 'email' ? (
        <label className="field">
          <span>URL</span>
          <input name="url" type="url" value={f.url ?? ''} onChange={set('url')} required />
        </label>
      ) : null}
      {kind === 'webhook' ? (
        <label className="field">
          <span>Signing secret (optional, 16+ characters)</span>
          <input name="secret" type="password" value={f.secret ?? ''} onChange={set('secret')} />
        </label>
      ) : null}
      {kind === 'email'
        ? (
            [
              ['host', 'SMTP host', 'text'],
              ['port', 'Port', 'number'],
              ['user', 'User (optional)', 'text'],
              ['password', 'Password', 'password'],
              ['from', 'From', 'email'],
              ['to', 'To (comma-separated)', 'text'],
            ] as const
          ).map(([k, label, type]) => (
            <label key={k} className="field">
              <span>{label}</span>
              <input name={k} type={type} value={f[k] ?? ''} onChange={set(k)} />
            </label>
          ))
        : null}
      {kind === 'email' ? (
        <label className="field">
          <span>TLS</span>
          <select name="tls" value={f.tls} onChange={set('tls')}>
            <option value="starttls">STARTTLS (required)</option>
            <option value="implicit">TLS from the start (465)</option>
            <option value="none">none (clear text)</option>
          </select>
        </label>
      ) : null}
      <fieldset className="field">
        <legend>Events</legend>
        {events.map((ev) => (
          <label key={ev} className="inline">
            <input
              type="checkbox"
              checked={chosen.includes(ev)}
              onChange={(e) => setChosen(e.target.checked ? [...chosen, ev] : chosen.filter((x) => x !== ev))}
            />{' '}
            {ev.replace(/_/g, ' ')}
          </label>
        ))}
      </fieldset>
      <label className="field">
        <span>Only these pipelines (empty: all)</span>
        <input name="pipelines" value={pipelines} onChange={(e) => setPipelines(e.target.value)} />
      </label>
      <ErrorNotice error={error} />
      <div className="button-row">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy || chosen.length === 0}>
          Add channel
        </button>
      </div>
    </form>
  );
}
