// Audit row 6 (SSRF): workers POST alerts only to destinations an admin allowed, and never follow a redirect.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { createMonitorActivities } from '../../activities/monitor';
import { prepareMetadataStore } from '../../infra/metadata-setup';
import { loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logging';
import { createArtifactStore } from '../../lib/store';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

describe('security: outbound webhooks', () => {
  let database: TestDatabase;
  let receiver: Server;
  let internal: Server;
  const received: string[] = [];
  let base: string;
  let internalUrl: string;

  const listen = async (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    const log = createLogger({ name: 'outbound-test', level: 'silent' });
    await prepareMetadataStore(database.db, loadConfig({ ...process.env, DATABASE_URL: database.url }), log);
    const hooks = await listen((req, res) => {
      received.push(`hooks ${req.url}`);
      if (req.url === '/bounce') {
        res.writeHead(302, { location: internalUrl });
        return res.end();
      }
      res.end('ok');
    });
    receiver = hooks.server;
    base = hooks.url;
    const metadata = await listen((req, res) => {
      received.push(`internal ${req.url}`);
      res.end('secret');
    });
    internal = metadata.server;
    internalUrl = `${metadata.url}/latest/meta-data`;
    await database.db('models').insert({ name: 'm', task: 'classification' });
  });
  afterAll(async () => {
    await new Promise<void>((r) => receiver.close(() => r()));
    await new Promise<void>((r) => internal.close(() => r()));
    await database.drop();
  });

  function activitiesWith(allowlist: string) {
    const config = loadConfig({ ...process.env, DATABASE_URL: database.url, OUTBOUND_WEBHOOK_ALLOWLIST: allowlist });
    return createMonitorActivities({
      db: database.db,
      store: createArtifactStore(config.artifacts),
      log: createLogger({ name: 'outbound-test', level: 'silent' }),
      config,
      codeVersion: 'test',
      client: {} as Client,
    });
  }

  it('sends nothing to a destination that is not on the admin allow-list', async () => {
    const env = new MockActivityEnvironment();
    const notify = activitiesWith(`${base}/hooks/`).notifyWebhook;
    await expect(env.run(notify, { url: internalUrl, alertId: 1 })).rejects.toMatchObject({
      type: 'WebhookNotAllowed',
      nonRetryable: true,
    });
    await expect(
      env.run(activitiesWith('').notifyWebhook, { url: `${base}/hooks/a`, alertId: 1 }),
    ).rejects.toMatchObject({
      type: 'WebhookNotAllowed',
    });
    expect(received).toEqual([]);
  });

  it('delivers to an allowed destination, and does not follow its redirect elsewhere', async () => {
    const env = new MockActivityEnvironment();
    const notify = activitiesWith(`${base}/`).notifyWebhook;
    await expect(env.run(notify, { url: `${base}/hooks/a`, alertId: 1 })).resolves.toEqual({ status: 200 });
    await expect(env.run(notify, { url: `${base}/bounce`, alertId: 1 })).rejects.toThrow();
    expect(received).toEqual(['hooks /hooks/a', 'hooks /bounce']);
  });
});
