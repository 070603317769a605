import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import request from 'supertest';
import { createNotifyActivities } from '../../../activities/notify';
import { connectWorker } from '../../../infra/temporal-connection';
import { listAudit } from '../../../lib/audit';
import { webhookSignature } from '../../../lib/notify/channels/webhook';
import { listDeliveries } from '../../../lib/notify';
import { startApiHarness, eventually, type ApiHarness } from '../api/harness';
import { decodeQuotedPrintable, startHttpReceiver, startSmtpReceiver } from '../../helpers/receivers';
import { startSwitchableProxy, type SwitchableProxy } from '../../helpers/switchable-proxy';
import { notifyOnce } from './notify-workflow';

const PUBLIC_URL = 'https://mlops.example.test';
const SECRET = 'a-webhook-signing-secret';

/**
 * Notification channels against real receivers: a local HTTP server (JSON webhook and Slack-compatible webhook) and
 * a real SMTP server (STARTTLS + AUTH). The notify activity runs under Temporal, so its retries are Temporal's.
 */
describe('notifications: channels configured by admins, delivered by the notify activity', () => {
  let h: ApiHarness;
  let http: Awaited<ReturnType<typeof startHttpReceiver>>;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let httpProxy: SwitchableProxy;
  let smtpProxy: SwitchableProxy;
  let status = 200;

  beforeAll(async () => {
    h = await startApiHarness({ worker: false, env: { API_PUBLIC_URL: PUBLIC_URL } });
    http = await startHttpReceiver((req) => (req.path === '/refuses' ? 400 : status));
    smtp = await startSmtpReceiver();
    httpProxy = await startSwitchableProxy(http.port);
    smtpProxy = await startSwitchableProxy(smtp.port);
  });
  afterAll(async () => {
    await httpProxy?.close();
    await smtpProxy?.close();
    await http?.close();
    await smtp?.close();
    await h?.stop();
  });

  const admin = () => h.auth('admin');
  const proxied = (path: string) => `http://127.0.0.1:${httpProxy.port}${path}`;
  const emailConfig = () => ({
    host: '127.0.0.1',
    port: smtpProxy.port,
    tls: 'starttls',
    rejectUnauthorized: false, // smtp-server's built-in self-signed certificate
    user: 'mailer',
    password: 'mail-secret',
    from: 'mlops@example.test',
    to: ['approvers@example.test'],
  });

  async function createChannel(body: Record<string, unknown>) {
    const res = await request(h.app).post('/v1/notifications/channels').set(admin()).send(body);
    expect(res.status).toBe(201);
    return res.body as { id: number; config: Record<string, unknown> };
  }

  it('lets only admins manage channels, validates destinations, masks secrets and audits every change', async () => {
    const body = {
      name: 'ops webhook',
      kind: 'webhook',
      config: { url: http.url('/hook'), secret: SECRET, headers: { Authorization: 'Bearer receiver-token' } },
      events: ['approval_pending'],
    };
    expect((await request(h.app).post('/v1/notifications/channels').set(h.auth('approver')).send(body)).status).toBe(
      403,
    );
    expect((await request(h.app).get('/v1/notifications/channels').set(h.auth('approver'))).status).toBe(403);
    for (const [config, path] of [
      [{ url: 'javascript:alert(1)' }, 'body.config.url'],
      [{ url: 'http://user:pw@example.test/x' }, 'body.config.url'],
      [{ url: http.url('/hook'), extra: true }, 'body.config'],
      [{ url: http.url('/hook'), headers: { Host: 'evil' } }, 'body.config.headers.Host'],
    ] as const) {
      const bad = await request(h.app)
        .post('/v1/notifications/channels')
        .set(admin())
        .send({ ...body, name: 'bad', config });
      expect(bad.status).toBe(400);
      expect(bad.body.details.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    const badMail = await request(h.app)
      .post('/v1/notifications/channels')
      .set(admin())
      .send({ name: 'bad mail', kind: 'email', config: { ...emailConfig(), to: [] }, events: ['run_failed'] });
    expect(badMail.status).toBe(400);

    const created = await createChannel(body);
    expect(created.config).toEqual({
      url: `http://127.0.0.1:${http.port}/***`,
      secret: '***',
      headers: { Authorization: '***' },
    });
    expect((await request(h.app).post('/v1/notifications/channels').set(admin()).send(body)).status).toBe(409);
    const listed = await request(h.app).get('/v1/notifications/channels').set(admin());
    expect(JSON.stringify(listed.body)).not.toMatch(/receiver-token|a-webhook-signing-secret/);

    const patched = await request(h.app)
      .patch(`/v1/notifications/channels/${created.id}`)
      .set(admin())
      .send({ config: { url: http.url('/hook2') }, events: ['approval_pending', 'run_failed'] });
    expect(patched.status).toBe(200);
    const stored = await h.db('notification_channels').where({ id: created.id }).first();
    expect(stored.config).toMatchObject({ url: http.url('/hook2'), secret: SECRET }); // secret kept
    expect((await request(h.app).delete(`/v1/notifications/channels/${created.id}`).set(admin())).status).toBe(204);
    const audit = await listAudit(h.db, { target: `notification-channel:${created.id}` });
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['notify.channel.delete', 'ada'],
      ['notify.channel.update', 'ada'],
      ['notify.channel.create', 'ada'],
    ]);
    expect(JSON.stringify(audit)).not.toContain(SECRET);
  });

  it('sends a test message through each kind on request (webhook signed, Slack blocks, e-mail over STARTTLS)', async () => {
    const webhook = await createChannel({
      name: 'signed hook',
      kind: 'webhook',
      config: { url: http.url('/signed'), secret: SECRET },
      events: ['approval_pending'],
    });
    const slack = await createChannel({
      name: 'slack',
      kind: 'slack',
      config: { url: http.url('/services/T000/B000/XXXX') },
      events: ['approval_pending'],
    });
    const email = await createChannel({
      name: 'mail',
      kind: 'email',
      config: emailConfig(),
      events: ['approval_pending'],
    });
    for (const id of [webhook.id, slack.id, email.id]) {
      const res = await request(h.app).post(`/v1/notifications/channels/${id}/test`).set(admin());
      expect(res.body).toMatchObject({ status: 'delivered', error: null });
    }
    const signed = http.received.find((r) => r.path === '/signed');
    expect(signed?.headers['x-mlops-signature']).toBe(
      webhookSignature(SECRET, String(signed?.headers['x-mlops-timestamp']), signed?.body ?? ''),
    );
    expect(JSON.parse(signed?.body ?? '{}')).toMatchObject({
      event: 'approval_pending',
      title: expect.stringMatching(/^Test: /),
    });
    const slackBody = JSON.parse(http.received.find((r) => r.path.startsWith('/services/'))?.body ?? '{}');
    expect(slackBody.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'section', 'actions']);
    expect(smtp.mails.at(-1)).toMatchObject({ to: ['approvers@example.test'], user: 'mailer', secure: true });
    for (const id of [webhook.id, slack.id, email.id]) {
      await request(h.app).delete(`/v1/notifications/channels/${id}`).set(admin());
    }
  });

  it('retries through Temporal until receivers that were down come back, delivering each channel exactly once', async () => {
    const runId = `churn-${randomUUID().slice(0, 8)}`;
    const channels = [
      await createChannel({
        name: 'retry hook',
        kind: 'webhook',
        config: { url: proxied('/retry-hook') },
        events: ['approval_pending'],
      }),
      await createChannel({
        name: 'retry slack',
        kind: 'slack',
        config: { url: proxied('/retry-slack') },
        events: ['approval_pending'],
        pipelines: ['churn'],
      }),
      await createChannel({ name: 'retry mail', kind: 'email', config: emailConfig(), events: ['approval_pending'] }),
      // Never used: another event, another pipeline, or disabled.
      await createChannel({
        name: 'other event',
        kind: 'webhook',
        config: { url: http.url('/other') },
        events: ['run_failed'],
      }),
      await createChannel({
        name: 'other pipeline',
        kind: 'webhook',
        config: { url: http.url('/other') },
        events: ['approval_pending'],
        pipelines: ['house-prices'],
      }),
      await createChannel({
        name: 'disabled',
        kind: 'webhook',
        config: { url: http.url('/other') },
        events: ['approval_pending'],
        enabled: false,
      }),
    ];
    // One always-up channel, delivered on the first attempt and never again.
    const steady = await createChannel({
      name: 'steady hook',
      kind: 'webhook',
      config: { url: http.url('/steady') },
      events: ['approval_pending'],
    });
    httpProxy.up = false;
    smtpProxy.up = false;
    const mailsBefore = smtp.mails.length;

    const connection = await connectWorker(h.config.temporal);
    const taskQueue = `notify-test-${randomUUID().slice(0, 8)}`;
    const worker = await Worker.create({
      connection,
      namespace: h.config.temporal.namespace,
      taskQueue,
      workflowsPath: require.resolve('./notify-workflow'),
      activities: createNotifyActivities({ db: h.db, log: h.deps.log, config: h.config }),
    });
    const running = worker.run();
    try {
      const handle = await h.client.workflow.start(notifyOnce, {
        taskQueue,
        workflowId: `notify-${runId}`,
        args: [
          {
            event: 'approval_pending',
            runId,
            pipeline: 'churn',
            model: 'churn-classifier',
            version: 7,
            details: { deadline: '2030-01-01T00:00:00.000Z', approvers: ['alice'] },
          },
        ],
      });
      await eventually(async () => httpProxy.refused >= 2 && smtpProxy.refused >= 1, 20_000, 'a failed first attempt');
      httpProxy.up = true;
      smtpProxy.up = true;
      const result = await handle.result();
      expect(result.channels.map((c) => [c.channel, c.status]).sort()).toEqual([
        ['retry hook', 'delivered'],
        ['retry mail', 'delivered'],
        ['retry slack', 'delivered'],
        ['steady hook', 'already_delivered'],
      ]);
    } finally {
      worker.shutdown();
      await running;
      await connection.close();
    }

    const link = `${PUBLIC_URL}/ui/runs/${runId}`;
    const hook = http.received.filter((r) => r.path === '/retry-hook');
    expect(hook).toHaveLength(1);
    expect(JSON.parse(hook[0]?.body ?? '{}')).toMatchObject({
      event: 'approval_pending',
      runId,
      links: { console: link, approvals: `${PUBLIC_URL}/ui/approvals` },
      model: 'churn-classifier',
      version: 7,
    });
    const slack = http.received.filter((r) => r.path === '/retry-slack');
    expect(slack).toHaveLength(1);
    expect(JSON.parse(slack[0]?.body ?? '{}').blocks[3].elements[0].url).toBe(link);
    expect(http.received.filter((r) => r.path === '/steady')).toHaveLength(1);
    expect(http.received.filter((r) => r.path === '/other')).toHaveLength(0);
    const mails = smtp.mails.slice(mailsBefore);
    expect(mails).toHaveLength(1);
    expect(decodeQuotedPrintable(mails[0]?.raw ?? '')).toContain(link);
    expect(mails[0]?.raw).toMatch(/Subject: Approval needed: churn-classifier v7/);

    const deliveries = await listDeliveries(h.db, { runId, limit: 20 });
    const byChannel = Object.fromEntries(deliveries.map((d) => [d.channel_name, d]));
    for (const name of ['retry hook', 'retry slack', 'retry mail']) {
      expect(byChannel[name]).toMatchObject({ status: 'delivered', last_error: null });
      expect(byChannel[name]?.attempts).toBeGreaterThanOrEqual(2);
    }
    expect(byChannel['steady hook']).toMatchObject({ status: 'delivered', attempts: 1 });
    const api = await request(h.app).get('/v1/notifications/deliveries').query({ runId }).set(admin());
    expect(api.body.items).toHaveLength(4);
    for (const c of [...channels, steady])
      await request(h.app).delete(`/v1/notifications/channels/${c.id}`).set(admin());
  });

  it('does not retry a refusal that retrying cannot fix (a 4xx), and reports it', async () => {
    const refusing = await createChannel({
      name: 'refusing',
      kind: 'webhook',
      config: { url: http.url('/refuses') },
      events: ['run_failed'],
    });
    const res = await request(h.app).post(`/v1/notifications/channels/${refusing.id}/test`).set(admin());
    expect(res.body).toMatchObject({ status: 'failed', retryable: false });
    expect(res.body.error).toContain('400');
    status = 503;
    const unavailable = await createChannel({
      name: 'unavailable',
      kind: 'webhook',
      config: { url: http.url('/unavailable') },
      events: ['run_failed'],
    });
    const retry = await request(h.app).post(`/v1/notifications/channels/${unavailable.id}/test`).set(admin());
    status = 200;
    expect(retry.body).toMatchObject({ status: 'failed', retryable: true });
  });
});
