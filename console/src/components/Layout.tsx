import { Link, Outlet } from '@tanstack/react-router';
import { useApprovals } from '../data/queries';
import { useSession } from '../auth/session';

function ApprovalsCount() {
  const { data } = useApprovals();
  const mine = data?.items.filter((i) => i.mayDecide).length ?? 0;
  return mine > 0 ? (
    <span className="count" aria-label={`${mine} waiting for you`}>
      {mine}
    </span>
  ) : null;
}

export function Layout() {
  const { session, signOut, can } = useSession();
  const links: Array<[string, string, boolean]> = [
    ['/runs', 'Runs', true],
    ['/approvals', 'Approvals', true],
    ['/models', 'Models', true],
    ['/monitoring', 'Monitoring', true],
    ['/schedules', 'Schedules', true],
    ['/pipelines', 'Pipelines', true],
    ['/audit', 'Audit log', can('approver')],
    ['/notifications', 'Notifications', can('admin')],
  ];
  return (
    <div className="shell">
      <nav className="nav" aria-label="Main">
        <div className="brand">mlops</div>
        {links
          .filter(([, , shown]) => shown)
          .map(([to, label]) => (
            <Link key={to} to={to} className="nav-link" activeProps={{ className: 'nav-link active' }}>
              {label}
              {to === '/approvals' ? <ApprovalsCount /> : null}
            </Link>
          ))}
        <div className="nav-foot">
          <div className="who" data-testid="who">
            <strong>{session?.principal.id}</strong>
            <span className="muted">{session?.principal.role}</span>
          </div>
          <button type="button" className="link" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </nav>
      <main className="main">
        <Outlet />
      </main>
    </div>
  );
}
