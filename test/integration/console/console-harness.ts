import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createApp } from '../../../api/app';
import { apiSettingsFrom } from '../../../api/deps';
import { storedCatalog } from '../../../api/pipelines';
import { ensureConsoleBuilt } from '../../../infra/console-build';
import { loadPayloadCodec } from '../../../infra/codec';
import { createAuthenticator, type Role } from '../../../lib/auth';
import { testKey } from '../../helpers/keys';
import { PROJECT_ROOT } from '../../../lib/config';
import { loadConsoleConfig } from '../../../lib/config/console';
import { createModelServer } from '../../../lib/serving/model-server';
import { startPipelineHarness, type PipelineHarness } from '../../helpers/pipeline-harness';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const SCREENSHOTS = join(PROJECT_ROOT, 'docs', 'screenshots');

/** alice approves churn runs (she is in pipelines/churn.yaml's approvers); vera only reads; ada administers. */
export const PEOPLE = {
  approver: { name: 'alice', role: 'approver' },
  viewer: { name: 'vera', role: 'viewer' },
  operator: { name: 'oscar', role: 'operator' },
  admin: { name: 'ada', role: 'admin' },
} as const satisfies Record<string, { name: string; role: Role }>;
export type Person = keyof typeof PEOPLE;

export interface ConsoleHarness {
  pipeline: PipelineHarness;
  origin: string;
  keys: Record<Person, string>;
  browser: Browser;
  /** A fresh browser profile (no cookies) that records what would make the console fail. */
  context(): Promise<{ context: BrowserContext; page: Page; problems: string[] }>;
  api<T>(person: Person, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

/**
 * The real product for a browser: workers on the real stack (pipeline harness), the API with the built console
 * on a free port, one key per role, and headless Chromium with a fresh profile per person.
 */
export async function startConsoleHarness(): Promise<ConsoleHarness> {
  ensureConsoleBuilt(() => undefined);
  const pipeline = await startPipelineHarness();
  const { config, database, client } = pipeline;
  const log = pipeline.deps.log;
  const models = createModelServer({ db: database.db, store: pipeline.deps.store, log, notifyUrl: database.url });
  const app = createApp({
    settings: apiSettingsFrom(config, 'test'),
    db: database.db,
    temporal: client,
    models,
    pipelines: storedCatalog(database.db),
    authenticator: createAuthenticator({ db: database.db, cacheTtlMs: 0 }),
    log,
    codec: loadPayloadCodec(config.temporal),
    store: pipeline.deps.store,
    console: loadConsoleConfig(),
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const keys = {} as Record<Person, string>;
  for (const [person, { name, role }] of Object.entries(PEOPLE)) {
    keys[person as Person] = (await testKey(database.db, name, role)).key;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const profiles: BrowserContext[] = [];
  mkdirSync(SCREENSHOTS, { recursive: true });

  return {
    pipeline,
    origin,
    keys,
    browser,
    async context() {
      const context = await browser.newContext({ baseURL: origin, viewport: { width: 1360, height: 900 } });
      profiles.push(context);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        // 4xx answers the console expects (no session yet, a refused forgery) show as resource errors: not problems.
        if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
      });
      page.on('request', (r) => {
        const url = r.url();
        if (!url.startsWith(origin) && !url.startsWith('data:')) problems.push(`request outside the API: ${url}`);
      });
      return { context, page, problems };
    },
    async api(person, method, path, body) {
      const res = await fetch(`${origin}${path}`, {
        method,
        headers: { authorization: `Bearer ${keys[person]}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as never };
    },
    async stop() {
      for (const c of profiles) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await new Promise((resolve) => server.close(resolve));
      await models.close();
      await pipeline.stop();
    },
  };
}

/** Signs in through the sign-in page, as a person would. */
export async function signIn(page: Page, key: string): Promise<void> {
  await page.goto('/ui/');
  await page.getByLabel('API key or token').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
}

export async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
