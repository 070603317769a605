import { createRootRoute, createRoute, createRouter, redirect } from '@tanstack/react-router';
import { Layout } from './components/Layout';
import { ApprovalsPage } from './pages/Approvals';
import { AuditPage } from './pages/Audit';
import { ModelPage } from './pages/Model';
import { ModelsPage } from './pages/Models';
import { MonitoringPage } from './pages/Monitoring';
import { NotificationsPage } from './pages/Notifications';
import { PipelinesPage } from './pages/Pipelines';
import { RunPage } from './pages/Run';
import { RunsPage, type RunsSearch } from './pages/Runs';
import { SchedulesPage } from './pages/Schedules';

const text = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length < 200 ? v : undefined);
const day = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : undefined);

const root = createRootRoute({ component: Layout });

const index = createRoute({
  getParentRoute: () => root,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/runs' });
  },
});

const runs = createRoute({
  getParentRoute: () => root,
  path: '/runs',
  validateSearch: (s: Record<string, unknown>): RunsSearch => ({
    pipeline: text(s.pipeline),
    status: text(s.status),
    trigger: text(s.trigger),
    from: day(s.from),
    to: day(s.to),
  }),
  component: function Runs() {
    return <RunsPage search={runs.useSearch()} />;
  },
});

const run = createRoute({
  getParentRoute: () => root,
  path: '/runs/$runId',
  component: function Run() {
    const { runId } = run.useParams();
    return <RunPage key={runId} runId={runId} />;
  },
});

const approvals = createRoute({ getParentRoute: () => root, path: '/approvals', component: ApprovalsPage });
const models = createRoute({ getParentRoute: () => root, path: '/models', component: ModelsPage });
const model = createRoute({
  getParentRoute: () => root,
  path: '/models/$name',
  component: function Model() {
    const { name } = model.useParams();
    return <ModelPage key={name} name={name} />;
  },
});
const monitoring = createRoute({
  getParentRoute: () => root,
  path: '/monitoring',
  validateSearch: (s: Record<string, unknown>): { model?: string } => ({ model: text(s.model) }),
  component: function Monitoring() {
    return <MonitoringPage model={monitoring.useSearch().model} />;
  },
});
const schedules = createRoute({ getParentRoute: () => root, path: '/schedules', component: SchedulesPage });
const pipelines = createRoute({
  getParentRoute: () => root,
  path: '/pipelines',
  validateSearch: (s: Record<string, unknown>): { name?: string } => ({ name: text(s.name) }),
  component: function Pipelines() {
    return <PipelinesPage name={pipelines.useSearch().name} />;
  },
});
const audit = createRoute({ getParentRoute: () => root, path: '/audit', component: AuditPage });
const notifications = createRoute({ getParentRoute: () => root, path: '/notifications', component: NotificationsPage });

const tree = root.addChildren([
  index,
  runs,
  run,
  approvals,
  models,
  model,
  monitoring,
  schedules,
  pipelines,
  audit,
  notifications,
]);

export const router = createRouter({ routeTree: tree, basepath: '/ui', defaultPreload: false });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
