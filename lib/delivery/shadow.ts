import type { Db } from '../db';
import type { Logger } from '../logging';
import { disposeModel } from '../ml';
import { loadServableVersion, predictWith, type ServableVersion } from '../serving/model-server';
import type { PredictionResult } from '../serving/types';
import type { ArtifactStore } from '../store';
import { compareRows, emptyHistogram, emptySums, latencyBucket, type ComparisonSums } from './compare';

// Shadow scoring in the API process: after production has answered, the same rows are scored by the shadow version
// off the request path (the caller never waits for it, and its errors never reach the caller). Comparisons are
// summed per one-minute window in memory and added to shadow_windows every few seconds.

export const SHADOW_WINDOW_MS = 60_000;

interface WindowAccumulator extends ComparisonSums {
  model: string;
  productionVersionId: number;
  shadowVersionId: number;
  windowStart: Date;
  requests: number;
  rows: number;
  productionLatencyMsSum: number;
  shadowLatencyMsSum: number;
  productionHist: number[];
  shadowHist: number[];
  shadowErrors: number;
  dropped: number;
}

export interface ShadowObservation {
  result: PredictionResult;
  rows: Array<Record<string, unknown>>;
  requestId: string;
  /** Whether the request went to the prediction log (then shadow answers are kept per row, for live quality). */
  logged: boolean;
  productionMs: number;
}

export interface ShadowScorer {
  /** Never throws, never waits for the shadow. */
  observe(observation: ShadowObservation): void;
  /** Writes the open windows now (tests; shutdown). */
  flush(): Promise<void>;
  /** Resolves when every queued shadow request has been scored (tests). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function createShadowScorer(options: {
  db: Db;
  store: ArtifactStore;
  log: Logger;
  routeTtlMs?: number;
  flushMs?: number;
  maxPending?: number;
}): ShadowScorer {
  const { db, store, log } = options;
  const routeTtlMs = options.routeTtlMs ?? 5_000;
  const maxPending = options.maxPending ?? 64;
  const routes = new Map<string, { at: number; versionId: number | null }>();
  const models = new Map<number, Promise<ServableVersion>>();
  const windows = new Map<string, WindowAccumulator>();
  let pending = 0;
  let chain: Promise<void> = Promise.resolve();

  async function shadowVersionOf(model: string): Promise<number | null> {
    const cached = routes.get(model);
    if (cached && Date.now() - cached.at < routeTtlMs) return cached.versionId;
    const row = await db('deployment_routes').where({ model, mode: 'shadow' }).first('candidate_version_id');
    const versionId = row ? Number(row.candidate_version_id) : null;
    routes.set(model, { at: Date.now(), versionId });
    if (cached?.versionId && cached.versionId !== versionId) {
      const old = models.get(cached.versionId);
      models.delete(cached.versionId);
      void old?.then(
        (v) => disposeModel(v.model),
        () => undefined,
      );
    }
    return versionId;
  }

  function windowFor(model: string, productionVersionId: number, shadowVersionId: number): WindowAccumulator {
    const start = new Date(Math.floor(Date.now() / SHADOW_WINDOW_MS) * SHADOW_WINDOW_MS);
    const key = `${model}\u0000${productionVersionId}\u0000${shadowVersionId}\u0000${start.getTime()}`;
    let w = windows.get(key);
    if (!w) {
      w = {
        model,
        productionVersionId,
        shadowVersionId,
        windowStart: start,
        requests: 0,
        rows: 0,
        productionLatencyMsSum: 0,
        shadowLatencyMsSum: 0,
        productionHist: emptyHistogram(),
        shadowHist: emptyHistogram(),
        shadowErrors: 0,
        dropped: 0,
        ...emptySums(),
      };
      windows.set(key, w);
    }
    return w;
  }

  async function score(o: ShadowObservation, shadowVersionId: number): Promise<void> {
    const w = windowFor(o.result.model, o.result.versionId, shadowVersionId);
    w.requests += 1;
    w.rows += o.rows.length;
    w.productionLatencyMsSum += o.productionMs;
    (w.productionHist[latencyBucket(o.productionMs)] as number) += 1;
    try {
      let entry = models.get(shadowVersionId);
      if (!entry) {
        entry = loadServableVersion({ db, store }, shadowVersionId);
        models.set(shadowVersionId, entry);
        entry.catch(() => models.delete(shadowVersionId));
      }
      const servable = await entry;
      const started = performance.now();
      const predictions = predictWith(servable.model, o.rows);
      const ms = performance.now() - started;
      w.shadowLatencyMsSum += ms;
      (w.shadowHist[latencyBucket(ms)] as number) += 1;
      compareRows(o.result.predictions, predictions, w);
      if (o.logged) {
        await db('shadow_predictions')
          .insert(
            predictions.map((p, rowIndex) => ({
              request_id: o.requestId,
              row_index: rowIndex,
              model: o.result.model,
              version_id: shadowVersionId,
              outputs: JSON.stringify(p),
            })),
          )
          .onConflict(['request_id', 'row_index', 'version_id'])
          .ignore();
      }
    } catch (err) {
      w.shadowErrors += 1;
      log.warn({ err, model: o.result.model, shadowVersionId }, 'shadow scoring failed');
    }
  }

  async function flush(): Promise<void> {
    const open = [...windows.values()];
    windows.clear();
    for (const w of open) {
      try {
        await addWindow(db, w);
      } catch (err) {
        log.warn({ err, model: w.model }, 'could not write a shadow comparison window');
      }
    }
  }

  const timer = setInterval(() => void flush(), options.flushMs ?? 5_000);
  timer.unref();

  return {
    observe(o) {
      if (o.result.slot !== 'production') return;
      if (pending >= maxPending) {
        const cached = routes.get(o.result.model)?.versionId;
        if (cached) windowFor(o.result.model, o.result.versionId, cached).dropped += 1;
        return;
      }
      pending += 1;
      // One shadow request at a time per API process: shadow work never competes with itself for the CPU.
      chain = chain
        .then(async () => {
          const shadowVersionId = await shadowVersionOf(o.result.model);
          if (shadowVersionId !== null && shadowVersionId !== o.result.versionId) await score(o, shadowVersionId);
        })
        .catch((err: unknown) => log.warn({ err }, 'shadow scoring failed'))
        .finally(() => {
          pending -= 1;
        });
    },
    flush,
    idle: () => chain,
    async close() {
      clearInterval(timer);
      await chain;
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

const ADD_HIST = (column: string) =>
  `${column} = (select array_agg(a + b order by i) from unnest(shadow_windows.${column}, excluded.${column}) with ordinality as t(a, b, i))`;

/** Adds a window's sums to its row (every API replica adds to the same row). */
async function addWindow(db: Db, w: WindowAccumulator): Promise<void> {
  await db.raw(
    `insert into shadow_windows (model, production_version_id, shadow_version_id, window_start, requests, rows,
       compared_rows, agreements, delta_sum, delta_abs_sum, delta_sq_sum, delta_abs_max, production_latency_ms_sum,
       shadow_latency_ms_sum, production_latency_hist, shadow_latency_hist, shadow_errors, dropped)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::bigint[], ?::bigint[], ?, ?)
     on conflict (model, shadow_version_id, production_version_id, window_start) do update set
       requests = shadow_windows.requests + excluded.requests,
       rows = shadow_windows.rows + excluded.rows,
       compared_rows = shadow_windows.compared_rows + excluded.compared_rows,
       agreements = shadow_windows.agreements + excluded.agreements,
       delta_sum = shadow_windows.delta_sum + excluded.delta_sum,
       delta_abs_sum = shadow_windows.delta_abs_sum + excluded.delta_abs_sum,
       delta_sq_sum = shadow_windows.delta_sq_sum + excluded.delta_sq_sum,
       delta_abs_max = greatest(shadow_windows.delta_abs_max, excluded.delta_abs_max),
       production_latency_ms_sum = shadow_windows.production_latency_ms_sum + excluded.production_latency_ms_sum,
       shadow_latency_ms_sum = shadow_windows.shadow_latency_ms_sum + excluded.shadow_latency_ms_sum,
       ${ADD_HIST('production_latency_hist')},
       ${ADD_HIST('shadow_latency_hist')},
       shadow_errors = shadow_windows.shadow_errors + excluded.shadow_errors,
       dropped = shadow_windows.dropped + excluded.dropped`,
    [
      w.model,
      w.productionVersionId,
      w.shadowVersionId,
      w.windowStart,
      w.requests,
      w.rows,
      w.comparedRows,
      w.agreements,
      w.deltaSum,
      w.deltaAbsSum,
      w.deltaSqSum,
      w.deltaAbsMax,
      w.productionLatencyMsSum,
      w.shadowLatencyMsSum,
      `{${w.productionHist.join(',')}}`,
      `{${w.shadowHist.join(',')}}`,
      w.shadowErrors,
      w.dropped,
    ],
  );
}
