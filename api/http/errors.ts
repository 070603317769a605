import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ServiceError,
  isGrpcDeadlineError,
  isGrpcServiceError,
} from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { z } from 'zod';
import { AuthError, PrincipalError } from '../../lib/auth';
import { SpecError } from '../../lib/pipeline/load';
import { ParameterError } from '../../lib/pipeline/parameters';
import { UnknownPipelineError } from '../../lib/pipeline/store';
import type { Logger } from '../../lib/logging';
import { RegistryError } from '../../lib/registry';

/** Every error response: a machine code, a message saying what failed, where and how to fix it, and details. */
export const ErrorBody = z
  .object({
    error: z.string().describe('Machine-readable code, e.g. VALIDATION_FAILED, RUN_NOT_FOUND'),
    message: z.string().describe('What went wrong, where, and how to fix it'),
    details: z.record(z.string(), z.unknown()),
  })
  .describe('Error');
export type ErrorBody = z.infer<typeof ErrorBody>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function formatIssuePath(location: string, path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : `${acc}.${String(part)}`),
    location,
  );
}

/** A zod failure on one part of the request, as a 400 naming each field path (e.g. body.rows[0]). */
export function validationError(location: 'params' | 'query' | 'body' | 'headers', error: z.ZodError): ApiError {
  const issues = error.issues.map((issue) => ({ path: formatIssuePath(location, issue.path), message: issue.message }));
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return new ApiError(400, 'VALIDATION_FAILED', `Invalid request ${location}: ${summary}`, { issues });
}

const GRPC_INVALID_ARGUMENT = 3;
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

/** Domain and library errors as API errors; anything unknown is a 500 whose detail stays in the log. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof AuthError) return new ApiError(err.status, err.code, err.message);
  if (err instanceof RegistryError) {
    const status = err.code === 'NOT_FOUND' ? 404 : 409;
    return new ApiError(status, err.code, err.message);
  }
  if (err instanceof UnknownPipelineError) return new ApiError(404, 'PIPELINE_NOT_FOUND', err.message);
  if (err instanceof SpecError) return new ApiError(400, 'INVALID_PIPELINE_SPEC', err.message, { ...err.details });
  if (err instanceof ParameterError) {
    const issues = err.issues.map((i) => ({ path: `body.params.${i.path}`, message: i.message }));
    return new ApiError(400, 'INVALID_PARAMETERS', err.message, { issues });
  }
  if (err instanceof PrincipalError) {
    const status = {
      PRINCIPAL_NOT_FOUND: 404,
      INVALID_PRINCIPAL: 400,
      PRINCIPAL_EXISTS: 409,
      PRINCIPAL_KIND_CLASH: 409,
      LAST_ADMIN: 409,
    }[err.code];
    return new ApiError(status, err.code, err.message);
  }
  if (err instanceof WorkflowNotFoundError) return new ApiError(404, 'RUN_NOT_FOUND', err.message);
  if (err instanceof ScheduleNotFoundError) return new ApiError(404, 'SCHEDULE_NOT_FOUND', err.message);
  if (err instanceof ScheduleAlreadyRunning) {
    const id = err.scheduleId;
    return new ApiError(
      409,
      'SCHEDULE_EXISTS',
      `Schedule "${id}" already exists: update it (PATCH), delete it first, or give another schedule id.`,
      { scheduleId: id },
    );
  }
  if (err instanceof WorkflowExecutionAlreadyStartedError) return new ApiError(409, 'RUN_EXISTS', err.message);
  const grpc = err instanceof ServiceError ? err.cause : err;
  if (
    isGrpcDeadlineError(grpc) ||
    (isGrpcServiceError(grpc) && [GRPC_UNAVAILABLE, GRPC_DEADLINE_EXCEEDED].includes(grpc.code))
  ) {
    return new ApiError(
      503,
      'TEMPORAL_UNAVAILABLE',
      'The Temporal server did not answer in time: check TEMPORAL_ADDRESS and retry.',
    );
  }
  if (isGrpcServiceError(grpc) && grpc.code === GRPC_INVALID_ARGUMENT) {
    // Temporal refused a value the caller gave (a schedule's cron or window it cannot represent, ...).
    return new ApiError(400, 'TEMPORAL_REJECTED', `Temporal refused the request: ${grpc.details || grpc.message}`);
  }
  const bodyParser = err as { type?: string; status?: number; limit?: number };
  if (bodyParser.type === 'entity.too.large') {
    return new ApiError(
      413,
      'PAYLOAD_TOO_LARGE',
      `Request body exceeds the ${bodyParser.limit ?? ''} byte limit (API_BODY_LIMIT): send smaller batches.`,
    );
  }
  if (bodyParser.type === 'entity.parse.failed') {
    return new ApiError(400, 'INVALID_JSON', 'Request body is not valid JSON: check quoting and trailing commas.');
  }
  if (bodyParser.type === 'encoding.unsupported' || bodyParser.type === 'charset.unsupported') {
    return new ApiError(415, 'UNSUPPORTED_ENCODING', 'Request body encoding is not supported: send UTF-8 JSON.');
  }
  return new ApiError(
    500,
    'INTERNAL',
    'Internal error: the request was logged with its request id; retry, or report the id.',
  );
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const apiError = toApiError(err);
    const requestId = res.locals.requestId as string | undefined;
    if (apiError.status >= 500) log.error({ err, requestId, route: req.path }, 'request failed');
    res.locals.errorCode = apiError.code;
    const body: ErrorBody = {
      error: apiError.code,
      message: apiError.message,
      details: { ...apiError.details, requestId },
    };
    res.status(apiError.status).json(body);
  };
}

export const routeNotFound: RequestHandler = (req, _res, next) => {
  next(
    new ApiError(404, 'ROUTE_NOT_FOUND', `No route ${req.method} ${req.path}: see /openapi.json for the API's routes.`),
  );
};
