import type { Db } from '../db';
import type { Logger } from '../logging';
import { disposeModel } from '../ml';
import { loadServableVersion, predictWith, type ServableVersion } from '../serving/model-server';
import { checkAgainstSignature, type ExtraFields } from '../serving/signature-check';
import { InvalidPredictionInputError, type Prediction, type PredictionResult } from '../serving/types';
import type { ArtifactStore } from '../store';
import { chooseArm, getCanaryRoute, type CanaryRoute } from './canary';
import { emptyHistogram, latencyBucket } from './compare';

// The canary arm of the predict path in the API process. Which arm answers a request is a pure function of the
// route's share and the request's caller key (X-Caller-Key), so every API process (API_WORKERS) routes a caller the
// same way; a request without a key is routed at random. Requests, errors and latency are counted per arm and
// one-minute window in memory and added to serving_stats every few seconds (the guardrail checks read them).

export const SERVING_WINDOW_MS = 60_000;

interface ArmWindow {
  model: string;
  versionId: number;
  arm: 'canary' | 'production';
  windowStart: Date;
  requests: number;
  rows: number;
  errors: number;
  latencyMsSum: number;
  hist: number[];
}

export interface CanaryRouting {
  route: CanaryRoute;
  arm: 'canary' | 'production';
}

export interface CanaryRouter {
  /** The arm of a production request of this model, or undefined when the model has no canary. */
  routeFor(model: string, callerKey: string | undefined): Promise<CanaryRouting | undefined>;
  /** Predicts with the canary version: the same signature check and serving code path as the model server. */
  predict(
    route: CanaryRoute,
    input: { rows: Array<Record<string, unknown>>; extraFields?: ExtraFields; optionalFields?: ReadonlySet<string> },
  ): Promise<PredictionResult>;
  /** Counts one request of an arm; `error`: the model failed it (not the caller's input). */
  record(routing: CanaryRouting, outcome: { rows: number; ms: number; error: boolean }): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createCanaryRouter(options: {
  db: Db;
  store: ArtifactStore;
  log: Logger;
  random: () => number;
  /** How long a model's route is cached (ms); a share change reaches every process within this. */
  routeTtlMs?: number;
  flushMs?: number;
}): CanaryRouter {
  const { db, store, log, random } = options;
  const routeTtlMs = options.routeTtlMs ?? 2_000;
  const routes = new Map<string, { at: number; route: CanaryRoute | undefined }>();
  const models = new Map<number, Promise<ServableVersion>>();
  const windows = new Map<string, ArmWindow>();

  async function routeOf(model: string): Promise<CanaryRoute | undefined> {
    const cached = routes.get(model);
    if (cached && Date.now() - cached.at < routeTtlMs) return cached.route;
    const route = await getCanaryRoute(db, model);
    routes.set(model, { at: Date.now(), route });
    const old = cached?.route?.candidateVersionId;
    if (old !== undefined && old !== route?.candidateVersionId) {
      const entry = models.get(old);
      models.delete(old);
      void entry?.then(
        (v) => disposeModel(v.model),
        () => undefined,
      );
    }
    return route;
  }

  function servable(versionId: number): Promise<ServableVersion> {
    let entry = models.get(versionId);
    if (!entry) {
      entry = loadServableVersion({ db, store }, versionId);
      models.set(versionId, entry);
      entry.catch(() => models.delete(versionId));
    }
    return entry;
  }

  async function flush(): Promise<void> {
    const open = [...windows.values()];
    windows.clear();
    for (const w of open) {
      try {
        await db.raw(
          `insert into serving_stats (model, version_id, arm, window_start, requests, rows, errors, latency_ms_sum, latency_hist)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?::bigint[])
           on conflict (model, version_id, arm, window_start) do update set
             requests = serving_stats.requests + excluded.requests,
             rows = serving_stats.rows + excluded.rows,
             errors = serving_stats.errors + excluded.errors,
             latency_ms_sum = serving_stats.latency_ms_sum + excluded.latency_ms_sum,
             latency_hist = (select array_agg(a + b order by i)
                               from unnest(serving_stats.latency_hist, excluded.latency_hist) with ordinality as t(a, b, i))`,
          [
            w.model,
            w.versionId,
            w.arm,
            w.windowStart,
            w.requests,
            w.rows,
            w.errors,
            w.latencyMsSum,
            `{${w.hist.join(',')}}`,
          ],
        );
      } catch (err) {
        log.warn({ err, model: w.model, arm: w.arm }, 'could not write serving stats');
      }
    }
  }

  const timer = setInterval(() => void flush(), options.flushMs ?? 5_000);
  timer.unref();

  return {
    async routeFor(model, callerKey) {
      const route = await routeOf(model);
      if (!route) return undefined;
      return { route, arm: chooseArm(model, route.share, callerKey, random) };
    },

    async predict(route, input) {
      const version = await servable(route.candidateVersionId);
      const check = version.signature
        ? checkAgainstSignature(version.signature, input.rows, {
            extraFields: input.extraFields,
            optionalFields: input.optionalFields,
          })
        : undefined;
      if (check && check.problems.length > 0) {
        const shown = check.problems.slice(0, 5).map((p) => p.message);
        throw new InvalidPredictionInputError(
          `${check.problems.length} problem(s) in the rows for ${route.model} v${version.version}: ${shown.join(' ')}`,
          { problems: check.problems.slice(0, 100), problemCount: check.problems.length },
        );
      }
      const predictions = predictWith(version.model, input.rows);
      check?.warnings.forEach((w, i) => {
        if (w.length > 0) (predictions[i] as Prediction).warnings = w;
      });
      return {
        model: route.model,
        slot: 'production',
        version: version.version,
        versionId: version.versionId,
        predictions,
      };
    },

    record(routing, outcome) {
      const versionId =
        routing.arm === 'canary' ? routing.route.candidateVersionId : (routing.route.productionVersionId ?? 0);
      const start = new Date(Math.floor(Date.now() / SERVING_WINDOW_MS) * SERVING_WINDOW_MS);
      const key = `${routing.route.model}\u0000${versionId}\u0000${routing.arm}\u0000${start.getTime()}`;
      let w = windows.get(key);
      if (!w) {
        w = {
          model: routing.route.model,
          versionId,
          arm: routing.arm,
          windowStart: start,
          requests: 0,
          rows: 0,
          errors: 0,
          latencyMsSum: 0,
          hist: emptyHistogram(),
        };
        windows.set(key, w);
      }
      w.requests += 1;
      w.rows += outcome.rows;
      if (outcome.error) w.errors += 1;
      w.latencyMsSum += outcome.ms;
      (w.hist[latencyBucket(outcome.ms)] as number) += 1;
    },

    flush,

    async close() {
      clearInterval(timer);
      await flush();
      for (const entry of models.values())
        void entry.then(
          (v) => disposeModel(v.model),
          () => undefined,
        );
      models.clear();
    },
  };
}
