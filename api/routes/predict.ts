import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { createCanaryRouter, type CanaryRouting } from '../../lib/delivery/canary-serving';
import { createShadowScorer } from '../../lib/delivery/shadow';
import { logPredictions, recordFeedback } from '../../lib/serving/prediction-log';
import {
  ArtifactIntegrityError,
  InvalidPredictionInputError,
  ModelNotDeployedError,
  type Prediction,
} from '../../lib/serving/types';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import type { ApiMetrics } from '../http/metrics';
import { defineRoute } from '../http/route';
import { enrichPredictRows, predictFeatureFields } from '../services/features';
import {
  FeedbackBody,
  FeedbackResponse,
  PredictHeaders,
  PredictParams,
  PredictQuery,
  PredictResponse,
  predictBody,
  predictBodyFast,
} from '../schemas/predict';

// Predict is for operators and for dedicated 'predictor' service keys, which can do nothing else.
const PREDICT = { role: 'operator', alsoAllow: ['predictor'] } as const;

function predictRateLimit(perMinute: number): RequestHandler[] {
  if (perMinute === 0) return [];
  return [
    rateLimit({
      windowMs: 60_000,
      limit: perMinute,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      // Per caller, not per IP: many callers can share a proxy, and one caller can have many IPs.
      keyGenerator: (_req, res) => (res.locals.principal as { id: string }).id,
      handler: (_req, _res, next, options) =>
        next(
          new ApiError(
            429,
            'RATE_LIMITED',
            `More than ${options.limit} predict requests a minute from this caller: slow down or batch rows.`,
          ),
        ),
    }),
  ];
}

/** Rows whose prediction is not a finite number (inputs far outside what the model was trained on). */
function nonFiniteRows(predictions: Prediction[]): number[] {
  const rows: number[] = [];
  predictions.forEach((p, i) => {
    const values = [p.prediction, ...Object.values(p.probabilities ?? {})];
    if (values.some((v) => typeof v === 'number' && !Number.isFinite(v))) rows.push(i);
  });
  return rows;
}

/** The fields the online store added to the request rows. */
function filledByStore(sent: Array<Record<string, unknown>>, enriched: Array<Record<string, unknown>>): Set<string> {
  const filled = new Set<string>();
  enriched.forEach((row, i) => {
    for (const key of Object.keys(row)) if (!(key in (sent[i] ?? {}))) filled.add(key);
  });
  return filled;
}

/** Counts the input problems of a refused request and the warnings of an answered one, per code. */
function countInputIssues(metrics: ApiMetrics, model: string, err: unknown): void {
  if (!(err instanceof InvalidPredictionInputError)) return;
  const problems = (err.details.problems ?? []) as Array<{ code: string }>;
  for (const p of problems) metrics.predictInputRejected.inc({ model, code: p.code });
}

function servingError(err: unknown): unknown {
  if (err instanceof ModelNotDeployedError) return new ApiError(404, err.code, err.message);
  if (err instanceof InvalidPredictionInputError) return new ApiError(400, err.code, err.message, err.details);
  if (err instanceof ArtifactIntegrityError) return new ApiError(503, err.code, err.message);
  return err;
}

export function predictRoutes(deps: ApiDeps, metrics: ApiMetrics) {
  const { maxRows, logSampleRate, rateLimitPerMinute } = deps.settings.predict;
  const random = deps.random ?? Math.random;
  // The candidate version shadowing production (lib/delivery): scored after the response, never in its way.
  const shadow =
    deps.shadow ?? (deps.store ? createShadowScorer({ db: deps.db, store: deps.store, log: deps.log }) : undefined);
  // A canary rollout (lib/delivery/canary.ts): the candidate answers its share of production requests.
  const canary =
    deps.canary ??
    (deps.store ? createCanaryRouter({ db: deps.db, store: deps.store, log: deps.log, random }) : undefined);
  return [
    defineRoute({
      operationId: 'predict',
      method: 'post',
      path: '/v1/predict/:model',
      summary: 'Predict with the version deployed in a slot',
      description:
        'Rows are raw feature values; the registered transforms are applied server-side. The model artifact is ' +
        'verified (SHA-256) before it is loaded, and a newly promoted version replaces the old one without failing ' +
        'requests in flight. A sample of requests (PREDICTION_LOG_SAMPLE_RATE) is logged for monitoring. Rows are ' +
        "checked against the version's signature (GET /v1/models/{name}/versions/{version}/signature): a required " +
        'column missing, an unknown field or a value of the wrong type answers 400 with every problem by row and ' +
        'field; an unseen category or a number outside the training range is answered with `warnings` on that row. ' +
        'During a canary rollout a share of production requests is answered by the canary version (`arm: canary`); ' +
        'requests with the same X-Caller-Key header always get the same arm, requests without one are routed at random.',
      tags: ['predict'],
      access: PREDICT,
      middleware: predictRateLimit(rateLimitPerMinute),
      request: { params: PredictParams, query: PredictQuery, headers: PredictHeaders, body: predictBody(maxRows) },
      fastBody: predictBodyFast(maxRows),
      responses: { 200: PredictResponse },
      errors: [400, 401, 403, 404, 413, 422, 429, 503],
      async handle({ params, query, headers, body }) {
        // Models trained with feature views: their view columns come from the online store (docs/FEATURES.md).
        const online = await enrichPredictRows(deps, { model: params.model, slot: query.env, rows: body.rows });
        const rows = online?.rows ?? body.rows;
        let result;
        const routing: CanaryRouting | undefined =
          query.env === 'production' ? await canary?.routeFor(params.model, headers['x-caller-key']) : undefined;
        const started = performance.now();
        const countArm = (error: boolean) =>
          routing && canary?.record(routing, { rows: rows.length, ms: performance.now() - started, error });
        try {
          // Entity keys of an online-feature lookup are not model inputs: accepted beside the signature's fields. The
          // columns the store filled may be null (missing or stale entity): featureWarnings say so, not a 400.
          const input = {
            rows,
            extraFields: online ? 'accept' : query.unknownFields === 'ignore' ? 'warn' : 'reject',
            optionalFields: online ? filledByStore(body.rows, online.rows) : undefined,
          } as const;
          result =
            routing?.arm === 'canary' && canary
              ? await canary.predict(routing.route, input)
              : await deps.models.predict({ model: params.model, slot: query.env, ...input });
        } catch (err) {
          // The caller's bad input is not the arm's error; anything else (artifact, model failure) is.
          if (!(err instanceof InvalidPredictionInputError)) countArm(true);
          countInputIssues(metrics, params.model, err);
          throw servingError(err);
        }
        const productionMs = performance.now() - started;
        for (const p of result.predictions) {
          for (const w of p.warnings ?? []) metrics.predictInputWarnings.inc({ model: result.model, code: w.code });
        }
        // Refused before anything is logged: a NaN must neither reach the caller as a number nor the prediction log.
        const broken = nonFiniteRows(result.predictions);
        countArm(broken.length > 0);
        if (broken.length > 0) {
          throw new ApiError(
            422,
            'NON_FINITE_PREDICTION',
            `The model gave no finite prediction for row(s) ${broken.slice(0, 20).join(', ')}: their inputs are far outside the range it was trained on. Check those rows' values.`,
            { rows: broken },
          );
        }
        const requestId = randomUUID();
        const logged = logSampleRate > 0 && random() < logSampleRate;
        if (logged) {
          await logPredictions(deps.db, {
            model: result.model,
            slot: result.slot,
            version: result.version,
            versionId: result.versionId,
            requestId,
            rows,
            predictions: result.predictions,
          });
          await online?.record(requestId, { model: result.model, version: result.version });
        }
        if (routing?.arm !== 'canary') shadow?.observe({ result, rows, requestId, logged, productionMs });
        metrics.predictions.inc(
          { model: result.model, version: String(result.version), slot: result.slot },
          body.rows.length,
        );
        return {
          status: 200,
          body: {
            model: result.model,
            slot: result.slot,
            version: result.version,
            requestId,
            logged,
            predictions: result.predictions,
            ...(routing ? { arm: routing.arm } : {}),
            ...predictFeatureFields(online),
          },
        };
      },
    }),
    defineRoute({
      operationId: 'recordFeedback',
      method: 'post',
      path: '/v1/feedback',
      summary: 'Record ground-truth labels for logged predictions',
      description: 'Each item names a prediction by the requestId the predict response returned and the row index.',
      tags: ['predict'],
      access: PREDICT,
      request: { body: FeedbackBody },
      responses: { 201: FeedbackResponse },
      errors: [400, 401, 403, 404],
      async handle({ body, principal }) {
        const result = await recordFeedback(deps.db, body.items, principal.id);
        if (result.missing.length > 0) {
          throw new ApiError(
            404,
            'PREDICTION_NOT_FOUND',
            `${result.missing.length} item(s) name no logged prediction (unknown requestId/rowIndex, or the request was not sampled): nothing was recorded.`,
            { missing: result.missing },
          );
        }
        return { status: 201, body: { recorded: result.recorded } };
      },
    }),
  ];
}
