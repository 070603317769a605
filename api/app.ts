import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { loadConsoleConfig } from '../lib/config/console';
import type { ApiDeps } from './deps';
import { consoleRouter } from './http/console-static';
import { errorHandler, routeNotFound } from './http/errors';
import { createApiMetrics } from './http/metrics';
import { observeRequests } from './http/observe';
import { buildOpenApiDocument } from './http/openapi';
import { createFailureLimiter, mountRoute, type RouteDef } from './http/route';
import { createSessionGate, type SessionGate } from './http/session-auth';
import { adminRoutes } from './routes/admin';
import { batchRoutes } from './routes/batch';
import { deliveryRoutes } from './routes/delivery';
import { codecRoutes } from './routes/codec';
import { consoleRoutes } from './routes/console';
import { featureRoutes } from './routes/features';
import { healthRoutes } from './routes/health';
import { modelKindRoutes } from './routes/model-kinds';
import { pipelineRoutes } from './routes/pipelines';
import { predictRoutes } from './routes/predict';
import { principalRoutes } from './routes/principals';
import { monitoringRoutes } from './routes/monitoring';
import { notificationRoutes } from './routes/notifications';
import { registryRoutes } from './routes/registry';
import { reportRoutes } from './routes/reports';
import { runRoutes } from './routes/runs';
import { runFailureRoutes } from './routes/run-failures';
import { scheduleRoutes } from './routes/schedules';
import { sessionRoutes } from './routes/session';
import { trackingRoutes } from './routes/tracking';

/** Operations mounted ahead of all others (see createApp). */
const HOT_OPERATIONS = new Set(['predict']);

/** Console sessions on the app's database, with the configured lifetimes. */
export function sessionGateFor(deps: ApiDeps): SessionGate {
  const settings = (deps.console ?? loadConsoleConfig()).sessions;
  return createSessionGate({ db: deps.db, settings, publicUrl: deps.settings.publicUrl });
}

/** Every route of the API, in the order they are matched and documented. */
export function apiRoutes(
  deps: ApiDeps,
  metrics = deps.metrics ?? createApiMetrics({ models: deps.models }),
  sessions = sessionGateFor(deps),
): RouteDef[] {
  let document: unknown;
  const routes: RouteDef[] = [
    ...pipelineRoutes(deps),
    ...trackingRoutes(deps, metrics),
    ...runRoutes(deps, metrics),
    ...runFailureRoutes(deps),
    ...consoleRoutes(deps),
    ...scheduleRoutes(deps),
    ...registryRoutes(deps),
    ...modelKindRoutes(),
    ...monitoringRoutes(deps),
    ...reportRoutes(deps),
    ...predictRoutes(deps, metrics),
    ...batchRoutes(deps),
    ...deliveryRoutes(deps),
    ...adminRoutes(deps),
    ...principalRoutes(deps),
    ...notificationRoutes(deps),
    ...codecRoutes(deps),
    ...featureRoutes(deps),
    ...sessionRoutes(deps, sessions),
  ];
  const info = { title: 'mlops-pipelines API', version: deps.settings.version, serverUrl: deps.settings.publicUrl };
  const operations = healthRoutes(deps, metrics, () => (document ??= buildOpenApiDocument(all, info)));
  const all = [...operations, ...routes];
  return all;
}

export function createApp(deps: ApiDeps): Express {
  const metrics = deps.metrics ?? createApiMetrics({ models: deps.models, processMetrics: deps.processMetrics });
  const app = express();
  app.disable('x-powered-by');
  app.use(observeRequests(deps.log, metrics));
  app.use(helmet());
  // The Temporal UI calls the codec endpoints from the browser, with the user's token.
  app.use(
    '/codec',
    cors({
      origin: deps.settings.codecCorsOrigins,
      credentials: true,
      methods: ['POST'],
      allowedHeaders: ['Content-Type', 'Authorization', 'X-Namespace', 'X-API-Key'],
      maxAge: 600,
    }),
  );
  app.use(express.json({ limit: deps.settings.bodyLimit }));
  const sessions = sessionGateFor(deps);
  const router = express.Router();
  // The serving hot path has a router of its own, matched first: a one-row predict request is not tested against
  // every other route's pattern on its way (no other route matches its paths; the OpenAPI order is unchanged).
  const hot = express.Router();
  const authFailures = createFailureLimiter(deps.settings.authFailureLimitPerMinute);
  for (const route of apiRoutes(deps, metrics, sessions)) {
    const target = HOT_OPERATIONS.has(route.operationId) ? hot : router;
    mountRoute(target, route, { authenticator: deps.authenticator, sessions, authFailures });
  }
  app.use(hot);
  app.use(consoleRouter((deps.console ?? loadConsoleConfig()).staticDir));
  app.use(router);
  app.use(routeNotFound);
  app.use(errorHandler(deps.log));
  return app;
}
