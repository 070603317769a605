import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../lib/logging';
import type { ApiMetrics } from './metrics';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * Request id (a caller's X-Request-Id is kept when it is safe to echo), one access-log line per request and the
 * latency histogram. Only the method, path, status, duration and caller id are logged: never headers, query
 * strings or bodies, which can carry keys and data.
 */
export function observeRequests(log: Logger, metrics: ApiMetrics): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (res.locals.route as string | undefined) ?? 'unmatched';
      metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
      if (!log.isLevelEnabled(level)) return;
      log[level](
        {
          requestId,
          method: req.method,
          path: req.path,
          route,
          status: res.statusCode,
          durationMs: Math.round(seconds * 10_000) / 10,
          caller: (res.locals.principal as { id?: string } | undefined)?.id,
          error: res.locals.errorCode as string | undefined,
        },
        'request',
      );
    });
    next();
  };
}
