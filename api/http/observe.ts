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
  // One histogram child per method, route template and status, looked up by a string: no label object to build and
  // hash on every request. Bounded: methods are the HTTP parser's, routes the declared templates.
  const children = new Map<string, { observe(value: number): void }>();
  const durationOf = (method: string, route: string, status: number) => {
    const key = `${method} ${status} ${route}`;
    let child = children.get(key);
    if (!child) {
      if (children.size >= 5_000) children.clear();
      child = metrics.httpDuration.labels(method, route, String(status));
      children.set(key, child);
    }
    return child;
  };
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (res.locals.route as string | undefined) ?? 'unmatched';
      durationOf(req.method, route, res.statusCode).observe(seconds);
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
