import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import { AuthError, roleAllows, type Authenticator, type Principal, type RoleRequirement } from '../../lib/auth';
import { ApiError, validationError } from './errors';
import type { SessionGate } from './session-auth';

// A route is declared once: its zod schemas validate the request, type the handler, check (and trim) every
// response and generate the OpenAPI document, so none of the four can drift from the others.

export type HttpMethod = 'get' | 'post' | 'patch' | 'delete';
export type SuccessStatus = 200 | 201 | 202 | 204;
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

export interface RequestSchemas {
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** Header names in lower case. */
  headers?: z.ZodObject;
  body?: z.ZodType;
}

/** A schema per success status; null for a status without a body (204). */
export type ResponseSchemas = { [S in SuccessStatus]?: z.ZodType | null };

export type Access = RoleRequirement | 'public';

type Parsed<T> = T extends z.ZodType ? z.output<T> : Record<string, never>;

export interface RouteInput<S extends RequestSchemas, A extends Access> {
  params: Parsed<S['params']>;
  query: Parsed<S['query']>;
  headers: Parsed<S['headers']>;
  body: S['body'] extends z.ZodType ? z.output<S['body']> : undefined;
  principal: A extends 'public' ? undefined : Principal;
  req: Request;
  res: Response;
}

export type Reply<R extends ResponseSchemas> = {
  [K in keyof R & SuccessStatus]: {
    status: K;
    body: R[K] extends z.ZodType ? z.input<R[K]> : R[K] extends null ? undefined : unknown;
    headers?: Record<string, string>;
  };
}[keyof R & SuccessStatus];

export interface RouteDef<
  S extends RequestSchemas = RequestSchemas,
  R extends ResponseSchemas = ResponseSchemas,
  A extends Access = Access,
> {
  operationId: string;
  method: HttpMethod;
  /** Express syntax (/v1/runs/:runId); the OpenAPI document shows it as /v1/runs/{runId}. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  access: A;
  request: S;
  responses: R;
  /** The error statuses this route can answer with (documented with the common error body). */
  errors: ErrorStatus[];
  /** A success body that is not JSON (Prometheus text). */
  contentType?: string;
  /** Runs after authentication and before the handler (rate limits). */
  middleware?: RequestHandler[];
  /**
   * Hot routes: recognises the common, valid body cheaply and returns it as `request.body` would parse it; undefined
   * hands the body to the schema (and its 400s). It must accept nothing the schema refuses.
   */
  fastBody?: (body: unknown) => unknown;
  handle(input: RouteInput<S, A>): Promise<Reply<R>>;
}

/** Types the handler from the schemas; the result is erased to RouteDef so routes of any shape share a list. */
export function defineRoute<const S extends RequestSchemas, const R extends ResponseSchemas, const A extends Access>(
  def: RouteDef<S, R, A>,
): RouteDef {
  return def as unknown as RouteDef;
}

export interface MountOptions {
  authenticator: Authenticator;
  /** Counts failed authentications per client; over the limit, requests get 429 before any credential check. */
  authFailures?: FailureLimiter;
  /** Console sessions: a session cookie (with its CSRF token on writes) authenticates like bearer credentials. */
  sessions?: SessionGate;
}

/** A fixed-window counter of failures per client address. */
export interface FailureLimiter {
  blocked(client: string): number | undefined;
  fail(client: string): void;
}

export function createFailureLimiter(limitPerMinute: number, now = () => Date.now()): FailureLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const current = (client: string) => {
    const window = windows.get(client);
    if (!window || now() - window.start >= 60_000) return undefined;
    return window;
  };
  return {
    blocked(client) {
      const window = current(client);
      return window && window.count >= limitPerMinute ? Math.ceil((window.start + 60_000 - now()) / 1000) : undefined;
    },
    fail(client) {
      const window = current(client);
      if (window) window.count += 1;
      else {
        // Bounded: an attacker rotating addresses cannot grow this without end.
        if (windows.size > 50_000) windows.clear();
        windows.set(client, { start: now(), count: 1 });
      }
    },
  };
}

/** JSON routes refuse any other body: a text/plain body must not start a run with every default. */
function requireJsonBody(req: Request): void {
  // The usual header, recognised without parsing it again (express.json already did).
  const type = req.headers['content-type'];
  if (type === 'application/json' || type === 'application/json; charset=utf-8') return;
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) {
    throw new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `${req.method} ${req.path} takes a JSON body: send Content-Type: application/json (got ${req.headers['content-type'] ?? 'none'}).`,
    );
  }
}

/** PostgreSQL text cannot hold U+0000: refused here with the field's path instead of failing later (a 500). */
function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = key.includes('\u0000') ? `${path}.<key>` : nulPath(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

function parsePart(location: 'params' | 'query' | 'headers' | 'body', schema: z.ZodType | undefined, value: unknown) {
  if (!schema) return location === 'body' ? undefined : {};
  const result = schema.safeParse(value ?? (location === 'body' ? undefined : {}));
  if (!result.success) throw validationError(location, result.error);
  return result.data;
}

function authenticate(options: MountOptions, requirement: RoleRequirement): RequestHandler {
  return async (req, res, next) => {
    const client = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const retryAfter = options.authFailures?.blocked(client);
    if (retryAfter !== undefined) {
      res.setHeader('Retry-After', String(retryAfter));
      throw new ApiError(
        429,
        'TOO_MANY_AUTH_FAILURES',
        `Too many failed authentications from this client: retry in ${retryAfter}s with valid credentials.`,
      );
    }
    let principal: Principal;
    try {
      principal =
        (await options.sessions?.authenticate(req)) ??
        (await options.authenticator.authenticate({
          authorization: req.headers.authorization,
          apiKey: typeof req.headers['x-api-key'] === 'string' ? req.headers['x-api-key'] : undefined,
        }));
    } catch (err) {
      // Only wrong credentials count (guessing keys or tokens); a request without any is not a guess.
      if (err instanceof AuthError && err.code === 'INVALID_CREDENTIALS') options.authFailures?.fail(client);
      throw err;
    }
    res.locals.principal = principal;
    if (!roleAllows(principal.role, requirement)) {
      const also = requirement.alsoAllow?.length ? ` (or ${requirement.alsoAllow.join(', ')})` : '';
      throw new ApiError(
        403,
        'FORBIDDEN',
        `${principal.id} has role ${principal.role}; ${req.method} ${req.path} needs ${requirement.role}${also} or higher: ask an admin for a key with that role.`,
        { required: requirement.role, role: principal.role },
      );
    }
    next();
  };
}

/** Every body goes out through its schema: what leaves is exactly what the document promises, never a stray
 * column of a database row. */
function send(res: Response, route: RouteDef, reply: Reply<ResponseSchemas>): void {
  const schema = route.responses[reply.status];
  if (schema === undefined) {
    throw new Error(`Route ${route.operationId} answered ${reply.status}, which it does not declare`);
  }
  const checked = schema ? schema.safeParse(reply.body) : undefined;
  if (checked && !checked.success) {
    throw new Error(`${route.operationId} response does not match its schema: ${JSON.stringify(checked.error.issues)}`);
  }
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  res.status(reply.status);
  if (!checked) res.end();
  else if (route.contentType) res.type(route.contentType).send(checked.data);
  else if (route.method === 'get') res.json(checked.data);
  else {
    // A write's answer gets no ETag (only conditional GETs use one): res.json would hash every predict response.
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(checked.data));
  }
}

export function mountRoute(router: Router, route: RouteDef, options: MountOptions): void {
  const handlers: RequestHandler[] = [
    (_req, res, next) => {
      res.locals.route = route.path;
      next();
    },
  ];
  if (route.access !== 'public') handlers.push(authenticate(options, route.access));
  handlers.push(...(route.middleware ?? []));
  handlers.push(async (req, res) => {
    if (route.request.body) {
      requireJsonBody(req);
      const nul = nulPath(req.body, 'body');
      if (nul) {
        throw new ApiError(
          400,
          'VALIDATION_FAILED',
          `Invalid request body: ${nul} contains a NUL character (U+0000).`,
          {
            issues: [{ path: nul, message: 'NUL characters are not allowed' }],
          },
        );
      }
    }
    const input = {
      params: parsePart('params', route.request.params, req.params),
      query: parsePart('query', route.request.query, req.query),
      headers: parsePart('headers', route.request.headers, req.headers),
      body: route.fastBody?.(req.body) ?? parsePart('body', route.request.body, req.body),
      principal: res.locals.principal as Principal,
      req,
      res,
    };
    const reply = await route.handle(input as Parameters<RouteDef['handle']>[0]);
    send(res, route, reply);
  });
  router[route.method](route.path, ...handlers);
}
