import type { ReactNode } from 'react';
import { ApiError } from '../data/client';

const TONE: Record<string, string> = {
  running: 'info',
  waiting_approval: 'warn',
  succeeded: 'ok',
  delivered: 'ok',
  production: 'ok',
  staging: 'info',
  approved: 'ok',
  failed: 'bad',
  rejected: 'bad',
  gate_failed: 'bad',
  rolled_back: 'bad',
  timed_out: 'bad',
  open: 'bad',
  cancelled: 'muted',
  archived: 'muted',
  none: 'muted',
  acknowledged: 'muted',
  cached: 'info',
  paused: 'warn',
};

export function Badge({ value, tone }: { value: string; tone?: string }) {
  return <span className={`badge badge-${tone ?? TONE[value] ?? 'muted'}`}>{value.replace(/_/g, ' ')}</span>;
}

export function Panel({
  title,
  actions,
  children,
  id,
}: {
  title: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  id?: string;
}) {
  return (
    <section className="panel" id={id}>
      <header className="panel-head">
        <h2>{title}</h2>
        {actions ? <div className="panel-actions">{actions}</div> : null}
      </header>
      <div className="panel-body">{children}</div>
    </section>
  );
}

export function ErrorNotice({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? `${error.status} ${error.code}: ` : '';
  return (
    <div className="notice notice-bad" role="alert">
      {code}
      {message}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <p className="muted">Loading {what}…</p>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** A part of a page the API cannot feed yet: said plainly instead of left blank. */
export function Unavailable({ children }: { children: ReactNode }) {
  return <div className="notice notice-muted">{children}</div>;
}

export function PageTitle({ title, sub, actions }: { title: ReactNode; sub?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page-title">
      <div>
        <h1>{title}</h1>
        {sub ? <p className="muted">{sub}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </div>
  );
}
