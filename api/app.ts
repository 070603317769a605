import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { ApiDeps } from './deps';
import { errorHandler, routeNotFound } from './http/errors';
import { createApiMetrics } from './http/metrics';
import { observeRequests } from './http/observe';
import { buildOpenApiDocument } from './http/openapi';
import { createFailureLimiter, mountRoute, type RouteDef } from './http/route';
import { adminRoutes } from './routes/admin';
import { codecRoutes } from './routes/codec';
import { featureRoutes } from './routes/features';
import { healthRoutes } from './routes/health';
import { modelKindRoutes } from './routes/model-kinds';
import { pipelineRoutes } from './routes/pipelines';
import { predictRoutes } from './routes/predict';
import { principalRoutes } from './routes/principals';
import { monitoringRoutes } from './routes/monitoring';
import { registryRoutes } from './routes/registry';
import { reportRoutes } from './routes/reports';
import { runRoutes } from './routes/runs';
import { scheduleRoutes } from './routes/schedules';

/** Every route of the API, in the order they are matched and documented. */
export function apiRoutes(
  deps: ApiDeps,
  metrics = deps.metrics ?? createApiMetrics({ models: deps.models }),
): RouteDef[] {
  let document: unknown;
  const routes: RouteDef[] = [
    ...pipelineRoutes(deps),
    ...runRoutes(deps, metrics),
    ...scheduleRoutes(deps),
    ...registryRoutes(deps),
    ...modelKindRoutes(),
    ...monitoringRoutes(deps),
    ...reportRoutes(deps),
    ...predictRoutes(deps, metrics),
    ...adminRoutes(deps),
    ...principalRoutes(deps),
    ...codecRoutes(deps),
    ...featureRoutes(deps),
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
  const router = express.Router();
  const authFailures = createFailureLimiter(deps.settings.authFailureLimitPerMinute);
  for (const route of apiRoutes(deps, metrics))
    mountRoute(router, route, { authenticator: deps.authenticator, authFailures });
  app.use(router);
  app.use(routeNotFound);
  app.use(errorHandler(deps.log));
  return app;
}
