import { z } from 'zod';
import { pingDb } from '../../lib/db';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import type { ApiMetrics } from '../http/metrics';
import { defineRoute } from '../http/route';

const CHECK_MS = 3_000;

const Check = z.object({ ok: z.boolean(), ms: z.number(), error: z.string().optional() });
const Readiness = z.object({ status: z.literal('ready'), checks: z.record(z.string(), Check) });

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function runCheck(name: string, probe: () => Promise<unknown>): Promise<z.infer<typeof Check>> {
  const started = Date.now();
  try {
    await withTimeout(probe(), CHECK_MS, name);
    return { ok: true, ms: Date.now() - started };
  } catch (err) {
    // The message names what failed; connection strings and keys never reach it (drivers omit them).
    return { ok: false, ms: Date.now() - started, error: (err as Error).message.slice(0, 300) };
  }
}

export function healthRoutes(deps: ApiDeps, metrics: ApiMetrics, openApiDocument: () => unknown) {
  const probes: Record<string, () => Promise<unknown>> = {
    temporal: () => deps.temporal.workflowService.getSystemInfo({}),
    database: () => pingDb(deps.db),
    ...(deps.store ? { s3: () => (deps.store as { ping(): Promise<void> }).ping() } : {}),
  };
  return [
    defineRoute({
      operationId: 'healthz',
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process answers',
      tags: ['operations'],
      access: 'public',
      request: {},
      responses: { 200: z.object({ status: z.literal('ok'), version: z.string() }) },
      errors: [],
      async handle() {
        return { status: 200, body: { status: 'ok' as const, version: deps.settings.version } };
      },
    }),
    defineRoute({
      operationId: 'readyz',
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: Temporal, PostgreSQL and S3 answer',
      tags: ['operations'],
      access: 'public',
      request: {},
      responses: { 200: Readiness.describe('Every dependency answered') },
      errors: [503],
      async handle() {
        const names = Object.keys(probes);
        const results = await Promise.all(names.map((n) => runCheck(n, probes[n] as () => Promise<unknown>)));
        const checks = Object.fromEntries(names.map((n, i) => [n, results[i] as z.infer<typeof Check>]));
        const failed = names.filter((n) => !checks[n]?.ok);
        if (failed.length > 0) {
          throw new ApiError(
            503,
            'NOT_READY',
            `Not ready: ${failed.join(', ')} did not answer (details.checks has each error).`,
            {
              checks,
            },
          );
        }
        return { status: 200, body: { status: 'ready' as const, checks } };
      },
    }),
    defineRoute({
      operationId: 'metrics',
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics (scrape with a viewer key: bearer_token in the scrape config)',
      description: 'Not public: model names, versions and traffic are operational information.',
      tags: ['operations'],
      access: { role: 'viewer' },
      contentType: 'text/plain; version=0.0.4',
      request: {},
      responses: { 200: z.string() },
      errors: [401, 403],
      async handle() {
        return { status: 200, body: await metrics.registry.metrics() };
      },
    }),
    defineRoute({
      operationId: 'openapi',
      method: 'get',
      path: '/openapi.json',
      summary: 'This OpenAPI 3.1 document',
      tags: ['operations'],
      access: 'public',
      request: {},
      responses: { 200: z.record(z.string(), z.unknown()) },
      errors: [],
      async handle() {
        return { status: 200, body: openApiDocument() as Record<string, unknown> };
      },
    }),
  ];
}
