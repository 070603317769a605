import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { createApp } from '../../../api/app';
import type { ApiDeps, ApiSettings } from '../../../api/deps';
import { AuthError, type Authenticator, type Principal, type Role } from '../../../lib/auth';
import type { Db } from '../../../lib/db';
import { createLogger } from '../../../lib/logging';
import {
  ArtifactIntegrityError,
  InvalidPredictionInputError,
  ModelNotDeployedError,
  type LoadedModelInfo,
  type ModelServer,
  type PredictionResult,
} from '../../../lib/serving/types';

/** Bearer `<role>-token` authenticates as `<role>-user` with that role. */
export function fakeAuthenticator(): Authenticator {
  const roles: Role[] = ['viewer', 'operator', 'approver', 'admin', 'predictor'];
  return {
    async authenticate({ authorization, apiKey }): Promise<Principal> {
      const token = apiKey ?? /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
      if (!token) throw new AuthError(401, 'UNAUTHENTICATED', 'Authentication required');
      const role = roles.find((r) => token === `${r}-token`);
      if (!role) throw new AuthError(401, 'INVALID_CREDENTIALS', 'bad token');
      return { id: `${role}-user`, role, via: 'api-key' };
    },
    forget() {},
  };
}

export const auth = (role: Role) => ({ Authorization: `Bearer ${role}-token` });

/** Models by name: "iris" predicts, "missing" is not deployed, "tampered" fails its checksum, "picky" refuses input. */
export function fakeModelServer(): ModelServer & { calls: number } {
  const server = {
    calls: 0,
    async predict({
      model,
      slot,
      rows,
    }: {
      model: string;
      slot: 'staging' | 'production';
      rows: Array<Record<string, unknown>>;
    }) {
      server.calls += 1;
      if (model === 'missing') throw new ModelNotDeployedError(model, slot);
      if (model === 'tampered') throw new ArtifactIntegrityError('tampered v1', 'a'.repeat(64), 'b'.repeat(64));
      if (model === 'picky') throw new InvalidPredictionInputError('rows[0].age must be a number', { index: 0 });
      const result: PredictionResult = {
        model,
        slot,
        version: slot === 'production' ? 3 : 4,
        versionId: 30,
        predictions: rows.map((r) => ({
          prediction: Number(r.x) > 0 ? 'yes' : 'no',
          probabilities: { no: 0.25, yes: 0.75 },
        })),
      };
      return result;
    },
    loaded(): LoadedModelInfo[] {
      return [
        {
          model: 'iris',
          slot: 'production',
          version: 3,
          versionId: 30,
          loadedAt: new Date(0).toISOString(),
          modelSha256: 'a'.repeat(64),
        },
      ];
    },
    async refresh() {},
    async close() {},
  };
  return server;
}

export const testSettings: ApiSettings = {
  namespace: 'test',
  taskQueue: 'test-queue',
  temporalUiUrl: 'http://ui.test',
  publicUrl: 'http://api.test',
  bodyLimit: '64kb',
  predict: { maxRows: 5, logSampleRate: 0, rateLimitPerMinute: 0 },
  codecCorsOrigins: ['http://ui.test'],
  version: '0.0.0-test',
  authFailureLimitPerMinute: 1000,
};

/** An app whose Temporal client and database must not be reached: unit tests only call routes that need neither. */
export function unitApp(
  overrides: Omit<Partial<ApiDeps>, 'settings'> & { settings?: Partial<ApiSettings>; codec?: PayloadCodec } = {},
) {
  const models = fakeModelServer();
  const deps: ApiDeps = {
    db: {} as Db,
    temporal: {} as Client,
    models,
    pipelines: {
      list: async () => ['churn'],
      resolve: async (name) => ({
        name,
        model: name,
        specHash: 'h',
        specVersion: 1,
        parameters: {},
        monitoringEnabled: false,
      }),
    },
    authenticator: fakeAuthenticator(),
    log: createLogger({ name: 'api-unit-test', level: 'silent' }),
    // The fake models were not trained with feature views: nothing to look up.
    onlineFeatures: { enrich: async () => undefined, lookup: async (_use, rows) => ({ rows, warnings: [] }) },
    ...overrides,
    settings: { ...testSettings, ...overrides.settings },
  };
  return { app: createApp(deps), models, deps };
}
