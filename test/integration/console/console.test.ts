import './fast-pipelines';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { listAudit } from '../../../lib/audit';
import { getDeployment } from '../../../lib/registry';
import { startHttpReceiver } from '../../helpers/receivers';
import { seedMonitoring } from './seed';
import { shoot, signIn, startConsoleHarness, type ConsoleHarness } from './console-harness';

interface RunView {
  runId: string;
  status: string;
  modelVersion: { version: number; versionId: number } | null;
}

const WAIT_MS = 120_000;

/**
 * The web console in headless Chromium against the real product: sign in, start a run from the form, watch it reach
 * approval, approve it from the inbox, see the new production version, roll back; a viewer sees no approve button
 * and the API refuses forged requests. Every page is photographed into docs/screenshots/.
 */
describe('web console in headless Chromium', () => {
  let h: ConsoleHarness;
  let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;
  const problems: string[] = [];
  let firstRun = '';

  async function waitForRun(runId: string, done: (r: RunView) => boolean): Promise<RunView> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const { body } = await h.api<RunView>('operator', 'GET', `/v1/runs/${runId}`);
      if (done(body)) return body;
      if (Date.now() > deadline) throw new Error(`run ${runId} stuck at ${JSON.stringify(body).slice(0, 300)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  beforeAll(async () => {
    h = await startConsoleHarness();
    receiver = await startHttpReceiver();
    // v1 in production (started and approved through the API), with monitoring windows and an alert.
    const started = await h.api<{ runId: string }>('operator', 'POST', '/v1/pipelines/churn/runs', { params: {} });
    firstRun = started.body.runId;
    await waitForRun(firstRun, (r) => r.status === 'waiting_approval');
    await h.api('approver', 'POST', `/v1/runs/${firstRun}/approve`, {
      reason: 'first version, metrics above the gate',
    });
    const v1 = await waitForRun(firstRun, (r) => r.status === 'succeeded');
    await seedMonitoring(h.pipeline.database.db, {
      model: 'churn-classifier',
      versionId: v1.modelVersion?.versionId as number,
      version: 1,
    });
    await h.api('operator', 'POST', '/v1/schedules', {
      scheduleId: `churn-weekly-${firstRun.slice(-6)}`,
      pipeline: 'churn',
      cron: '0 3 * * 1',
      paused: false,
      note: 'weekly retraining',
    });
    await h.api('admin', 'POST', '/v1/notifications/channels', {
      name: 'release webhook',
      kind: 'webhook',
      config: { url: receiver.url('/hook'), secret: 'a-long-enough-secret' },
      events: ['approval_pending', 'approval_decided', 'run_failed'],
    });
  }, 240_000);

  afterAll(async () => {
    const { body } = (await h?.api<{ items: Array<{ scheduleId: string }> }>('operator', 'GET', '/v1/schedules')) ?? {
      body: { items: [] },
    };
    for (const s of body.items.filter((i) => i.scheduleId.endsWith(firstRun.slice(-6)))) {
      await h.api('operator', 'DELETE', `/v1/schedules/${s.scheduleId}`);
    }
    await receiver?.close();
    await h?.stop();
  });

  async function viewAsViewer(runId: string): Promise<void> {
    const { page, problems: seen } = await h.context();
    await signIn(page, h.keys.viewer);
    await page.goto(`/ui/runs/${runId}`);
    await page.getByTestId('no-decision-rights').waitFor({ timeout: WAIT_MS });
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    await shoot(page, 'run-as-viewer');
    await page.goto('/ui/approvals');
    await page.locator(`tr[data-row="${runId}"]`).waitFor();
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await page.goto('/ui/models/churn-classifier');
    await page.locator('[data-slot="production"]').waitFor();
    expect(await page.getByRole('button', { name: 'Roll back production' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    await page.goto('/ui/pipelines');
    await page.getByText('Starting runs needs the operator role.').waitFor();
    problems.push(...seen);
  }

  /** How many approve requests the API answered 401 (from its Prometheus metrics). */
  async function refusedApprovals(): Promise<number> {
    const metrics = await fetch(`${h.origin}/metrics`, { headers: { Authorization: `Bearer ${h.keys.viewer}` } });
    const text = await metrics.text();
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('mlops_http_request_duration_seconds_count{') &&
          l.includes('route="/v1/runs/:runId/approve"') &&
          l.includes('status="401"'),
      );
    return line ? Number(line.split(' ').pop()) : 0;
  }

  /** A page on another site (localhost vs 127.0.0.1) posting to the API, and a same-site post without the token. */
  async function forge(page: Page, runId: string): Promise<void> {
    const evil: Server = createServer((_req, res) => res.end('<!doctype html><title>evil</title>'));
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const evilOrigin = `http://localhost:${(evil.address() as AddressInfo).port}`;
    try {
      const target = `${h.origin}/v1/runs/${runId}/approve`;
      const before = await refusedApprovals();
      const evilPage = await page.context().newPage();
      const seen: string[] = [];
      evilPage.on('response', (r) => seen.push(`${r.status()} ${r.url()}`));
      evilPage.on('requestfailed', (r) => seen.push(`failed ${r.url()} ${r.failure()?.errorText ?? ''}`));
      await evilPage.goto(`${evilOrigin}/`);
      await evilPage.evaluate(async (url) => {
        await fetch(url, {
          method: 'POST',
          mode: 'no-cors',
          credentials: 'include',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ reason: 'forged' }),
        }).catch(() => undefined);
      }, target);
      await evilPage.waitForTimeout(300);
      // The browser may not even show the answer to the other site (Cross-Origin-Resource-Policy); the API's own
      // count says what it answered: SameSite=Strict kept the session cookie off, so the request had no credentials.
      expect(seen[0]).toBe(`200 ${evilOrigin}/`);
      expect(await refusedApprovals()).toBe(before + 1);
      await evilPage.close();
    } finally {
      await new Promise((resolve) => evil.close(resolve));
    }
    const noToken = await page.evaluate(async (url) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'forged without the CSRF token' }),
      });
      return { status: res.status, body: (await res.json()) as { error: string } };
    }, `/v1/runs/${runId}/approve`);
    expect(noToken).toEqual({ status: 403, body: expect.objectContaining({ error: 'CSRF_REJECTED' }) });
    const audit = await listAudit(h.pipeline.database.db, { target: `run:${runId}` });
    expect(audit).toEqual([]);
  }

  it('signs in, starts a run from the form, approves it from the inbox, shows production and rolls back', async () => {
    // An operator starts the run: its approver must be someone else (four-eyes).
    const operator = await h.context();
    await operator.page.goto('/ui/');
    await operator.page.getByLabel('API key or token').waitFor();
    await shoot(operator.page, 'sign-in');
    await signIn(operator.page, h.keys.operator);
    await operator.page.locator(`tr[data-row="${firstRun}"]`).waitFor();
    await shoot(operator.page, 'runs');

    // The form is generated from the parameters pipelines/churn.yaml declares (GET /v1/pipelines/{name}).
    await operator.page.getByRole('link', { name: 'Pipelines' }).click();
    expect(await operator.page.getByLabel(/epochs/).inputValue()).toBe('4');
    await operator.page.getByLabel(/max_attempts/).fill('500');
    await operator.page.getByRole('button', { name: 'Start a churn run' }).click();
    await operator.page.getByText('must be at most 100').waitFor();
    await operator.page.getByLabel(/max_attempts/).fill('3');
    await shoot(operator.page, 'pipelines');
    await operator.page.getByRole('button', { name: 'Start a churn run' }).click();
    await operator.page.waitForURL(/\/ui\/runs\/churn-/);
    const runId = decodeURIComponent(new URL(operator.page.url()).pathname.split('/').pop() as string);
    expect(runId).not.toBe(firstRun);
    expect(operator.problems).toEqual([]);
    const started = await h.api<{ params: Record<string, unknown> }>('viewer', 'GET', `/v1/runs/${runId}`);
    expect(started.body.params).toMatchObject({ max_attempts: 3, epochs: 4 });

    const { page, problems: seen } = await h.context();
    await page.goto('/ui/');
    await signIn(page, h.keys.approver);
    await page.goto(`/ui/runs/${runId}`);

    // Watch it reach approval on its page (live refresh), with steps and training curves.
    await page.locator('[data-phase="staging"][data-state="waiting"]').waitFor({ timeout: WAIT_MS });
    await page
      .getByRole('img', { name: /loss per epoch/ })
      .first()
      .waitFor();
    await page.getByTestId('gate').waitFor();
    expect(await page.locator('[data-phase="dev"]').getAttribute('data-state')).toBe('done');
    await shoot(page, 'run-waiting-for-approval');

    await viewAsViewer(runId);
    await forge(page, runId);

    await page.getByRole('link', { name: /Approvals/ }).click();
    const row = page.locator(`tr[data-row="${runId}"]`);
    await row.waitFor();
    expect(await row.getAttribute('class')).toBe('mine');
    await shoot(page, 'approvals');
    await row.getByRole('button', { name: 'Approve' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/Reason/).fill('f1 above the gate, checked in the console');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await row.waitFor({ state: 'detached', timeout: WAIT_MS });

    await page.goto(`/ui/runs/${runId}`);
    await page.locator('[data-phase="production"][data-state="done"]').waitFor({ timeout: WAIT_MS });
    await page.getByText('f1 above the gate, checked in the console').waitFor();
    await shoot(page, 'run-succeeded');

    await page.getByRole('link', { name: 'Models' }).click();
    await page.locator('tr', { hasText: 'churn-classifier' }).waitFor();
    await shoot(page, 'models');
    await page.getByRole('link', { name: 'churn-classifier' }).click();
    await page.locator('[data-slot="production"]', { hasText: 'v2' }).waitFor();
    await page.getByLabel('compare v1').check();
    await page.getByLabel('compare v2').check();
    await page.locator('#compare table').waitFor();
    await page.locator('#lineage .react-flow__node').nth(4).waitFor();
    expect(await page.locator('#lineage .react-flow__node').count()).toBeGreaterThanOrEqual(5);
    await shoot(page, 'model');

    await page.getByRole('button', { name: 'Roll back production' }).click();
    await dialog.getByLabel(/Reason/).fill('v2 mislabels the new region');
    await dialog.getByRole('button', { name: 'Roll back to v1' }).click();
    await page.locator('[data-slot="production"]', { hasText: 'v1' }).waitFor({ timeout: 30_000 });
    const production = await getDeployment(h.pipeline.database.db, 'churn-classifier', 'production');
    const v1 = await h.pipeline.database
      .db('model_versions')
      .where({ model_name: 'churn-classifier', version: 1 })
      .first();
    expect(production?.model_version_id).toBe(v1.id);
    const rollback = await listAudit(h.pipeline.database.db, { action: 'rollback' });
    expect(rollback[0]).toMatchObject({ actor: 'alice', reason: 'v2 mislabels the new region' });

    await page.getByRole('link', { name: 'Monitoring' }).click();
    const alert = page.locator('tr[data-row^="alert-"]');
    await alert.waitFor();
    await page.locator('table.heatmap td.drifted').first().waitFor();
    await shoot(page, 'monitoring');
    await alert.getByRole('button', { name: 'Acknowledge' }).click();
    await dialog.getByLabel(/What is being done/).fill('retraining scheduled');
    await dialog.getByRole('button', { name: 'Acknowledge' }).click();
    await alert.getByText('acknowledged').waitFor();

    await page.getByRole('link', { name: 'Schedules' }).click();
    const schedule = page.locator('tr', { hasText: 'churn-weekly' });
    await schedule.getByRole('button', { name: 'Pause' }).click();
    await dialog.getByLabel(/Note/).fill('data freeze');
    await dialog.getByRole('button', { name: 'Pause' }).click();
    await schedule.getByText('data freeze').waitFor();
    await shoot(page, 'schedules');

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Action').fill('rollback');
    await page.locator('tbody tr', { hasText: 'stage.' }).first().waitFor({ state: 'detached' });
    // The filtered page has rendered once the rollback's row is there (the table is empty while it loads).
    await page.locator('tr', { hasText: 'v2 mislabels the new region' }).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Action').fill('');
    await page.locator('tr', { hasText: 'schedule' }).first().waitFor();
    await shoot(page, 'audit');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key or token').waitFor();
    const after = await page.evaluate(async () => (await fetch('/v1/me')).status);
    expect(after).toBe(401);
    problems.push(...seen);
  });

  it('lets an admin manage notification channels from the console', async () => {
    const { page, problems: seen } = await h.context();
    await signIn(page, h.keys.admin);
    await page.getByRole('link', { name: 'Notifications' }).click();
    const row = page.locator('tr[data-row="release webhook"]');
    await row.getByRole('button', { name: 'Send test' }).click();
    await page.getByRole('status').getByText('delivered').waitFor();
    expect(receiver.received.some((r) => r.path === '/hook')).toBe(true);
    await shoot(page, 'notifications');
    problems.push(...seen);
  });

  it('loaded every page without script errors, CSP violations or requests outside the API', () => {
    expect(problems).toEqual([]);
  });
});
