import type { Express } from 'express';
import { createApp } from '../../api/app';
import { apiSettingsFrom, type ApiDeps } from '../../api/deps';
import { storedCatalog } from '../../api/pipelines';
import { createAuthenticator } from '../../lib/auth';
import type { Role } from '../../lib/auth/roles';
import { createModelServer } from '../../lib/serving/model-server';
import type { ModelServer } from '../../lib/serving/types';
import { testKey } from './keys';
import type { PipelineHarness } from './pipeline-harness';

export interface HarnessApi {
  app: Express;
  models: ModelServer;
  deps: ApiDeps;
}

/**
 * The API as `npm run api` wires it, over a pipeline harness's database, S3 bucket and Temporal client: a model
 * server (listening for deployment changes unless `notify` is false), the stored pipeline catalogue, API keys checked
 * without a cache, and `random` fixed at 0 (prediction-log sampling and canary routing are deterministic). `deps`
 * overrides any of these. Close `models` after the suite.
 */
export function apiOverHarness(
  h: PipelineHarness,
  options: { notify?: boolean; deps?: Partial<ApiDeps> } = {},
): HarnessApi {
  const { db, store, log } = h.deps;
  const models = createModelServer({
    db,
    store,
    log,
    notifyUrl: options.notify === false ? undefined : h.database.url,
  });
  const deps: ApiDeps = {
    settings: apiSettingsFrom(h.config, 'test'),
    db,
    temporal: h.client,
    models,
    pipelines: storedCatalog(db),
    authenticator: createAuthenticator({ db, cacheTtlMs: 0 }),
    log,
    store,
    random: () => 0,
    ...options.deps,
  };
  return { app: createApp(deps), models, deps };
}

/** An API key per role for principals `<prefix>-<role>`, and the matching Authorization headers. */
export async function roleKeys<R extends Role>(
  h: PipelineHarness,
  prefix: string,
  roles: readonly R[],
): Promise<{ keys: Record<R, string>; auth: Record<R, { Authorization: string }> }> {
  const keys = {} as Record<R, string>;
  const auth = {} as Record<R, { Authorization: string }>;
  for (const role of roles) {
    keys[role] = (await testKey(h.deps.db, `${prefix}-${role}`, role)).key;
    auth[role] = { Authorization: `Bearer ${keys[role]}` };
  }
  return { keys, auth };
}
