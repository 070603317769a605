import { performance } from 'node:perf_hooks';
import type { Db } from '../db';
import type { Logger } from '../logging';
import { getDeployment, type Slot } from '../registry';
import { FeatureStoreError } from './errors';
import type { ViewUse } from './offline';
import type { OnlineStore, OnlineValue } from './online';
import { eventTimeMs } from './time';
import { viewsOfRun } from './usage';
import { ValueError, entityKeyOf, normalizeKey, type FeatureValue } from './values';

export type Row = Record<string, unknown>;

/** A row whose view features could not be served as trained: not in the online store, or older than the TTL. */
export interface FeatureWarning {
  row: number;
  view: string;
  kind: 'missing' | 'stale';
  features: string[];
  entity: Record<string, string>;
  /** Event time of the stale value. */
  eventTime?: string;
  ageSeconds?: number;
}

export interface EnrichedRequest {
  /** Request rows with every absent view column filled from the online store (null when missing or stale). */
  rows: Row[];
  model: { versionId: number };
  views: Array<{ name: string; version: number }>;
  warnings: FeatureWarning[];
  latencyMs: number;
  /** Records what was looked up (per view: rows, missing, stale, latency) for monitoring. */
  record(requestId: string, modelVersion: { model: string; version: number }): Promise<void>;
}

/** A request row the store cannot serve: a join key absent or malformed. The API answers 400. */
export class OnlineLookupInputError extends Error {
  constructor(
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'OnlineLookupInputError';
  }
}

export interface OnlineFeatureService {
  /** Undefined when the deployed version was not trained with feature views (nothing to look up). */
  enrich(input: { model: string; slot: Slot; rows: Row[] }): Promise<EnrichedRequest | undefined>;
  /** Latest values of one view for entity rows (the API's online read), with the same warnings. */
  lookup(use: ViewUse, rows: Row[]): Promise<{ rows: Row[]; warnings: FeatureWarning[] }>;
}

function keysOfRow(use: ViewUse, row: Row, index: number): string[] {
  return use.joinKeys.map((k) => {
    if (!Object.hasOwn(row, k.name)) {
      throw new OnlineLookupInputError(
        `rows[${index}] has no ${k.name}: send the entity key (${use.joinKeys.map((j) => j.name).join(', ')}) so ` +
          `the features of view ${use.name} can be looked up, or send all of them (${use.columns.map((c) => c.column).join(', ')}).`,
        { row: index, key: k.name, view: use.name },
      );
    }
    try {
      return normalizeKey(row[k.name], k.type);
    } catch (err) {
      const reason = err instanceof ValueError ? err.message : String(err);
      throw new OnlineLookupInputError(`rows[${index}].${k.name}: ${reason}.`, { row: index, key: k.name });
    }
  });
}

/** Fills the absent columns of one view for every row, with one batched read of the online store. */
async function fillView(
  online: OnlineStore,
  use: ViewUse,
  rows: Row[],
  now: number,
): Promise<{ warnings: FeatureWarning[]; missing: number; stale: number; needed: number }> {
  const needing = rows
    .map((row, index) => ({ row, index, absent: use.columns.filter((c) => !Object.hasOwn(row, c.column)) }))
    .filter((r) => r.absent.length > 0);
  if (needing.length === 0) return { warnings: [], missing: 0, stale: 0, needed: 0 };
  const keys = needing.map((r) => keysOfRow(use, r.row, r.index));
  const entityKeys = keys.map(entityKeyOf);
  const unique = [...new Set(entityKeys)];
  let values: Array<OnlineValue | undefined>;
  try {
    values = await online.read(use.name, unique);
  } catch (err) {
    throw new FeatureStoreError('ONLINE_STORE_ERROR', `The online store did not answer: ${(err as Error).message}`);
  }
  const byKey = new Map(unique.map((k, i) => [k, values[i]]));
  const warnings: FeatureWarning[] = [];
  let missing = 0;
  let stale = 0;
  needing.forEach(({ row, index, absent }, n) => {
    const stored = byKey.get(entityKeys[n] as string);
    const entity = Object.fromEntries(use.joinKeys.map((k, i) => [k.name, (keys[n] as string[])[i] as string]));
    const ageMs = stored ? now - eventTimeMs(stored.eventTime) : 0;
    const expired = stored !== undefined && use.ttlMs !== undefined && ageMs > use.ttlMs;
    const lacking: string[] = [];
    for (const c of absent) {
      const value = stored && !expired ? (stored.values[c.feature] as FeatureValue | undefined) : undefined;
      // Stale or missing values are null, as the point-in-time join makes them in training: no train/serve skew.
      row[c.column] = value ?? null;
      if (value === undefined && !expired) lacking.push(c.column);
    }
    if (expired) {
      stale += 1;
      warnings.push({
        row: index,
        view: use.name,
        kind: 'stale',
        features: absent.map((c) => c.column),
        entity,
        eventTime: stored?.eventTime,
        ageSeconds: Math.round(ageMs / 1000),
      });
    } else if (lacking.length > 0) {
      missing += 1;
      warnings.push({ row: index, view: use.name, kind: 'missing', features: lacking, entity });
    }
  });
  return { warnings, missing, stale, needed: needing.length };
}

/**
 * Online features at prediction time: which views the deployed version was trained with (its run's training set),
 * then one read per view for the whole request. Deployment and view lists are cached briefly (FEATURE_LOOKUP_CACHE_MS).
 */
export function createOnlineFeatureService(deps: {
  db: Db;
  online: OnlineStore;
  log: Logger;
  cacheMs?: number;
  now?: () => number;
}): OnlineFeatureService {
  const cacheMs = deps.cacheMs ?? 2000;
  const now = deps.now ?? Date.now;
  const deployments = new Map<string, { versionId?: number; at: number }>();
  const viewsByVersion = new Map<number, Promise<ViewUse[]>>();

  async function deployedVersion(model: string, slot: Slot): Promise<number | undefined> {
    const key = `${model}\u0000${slot}`;
    const cached = deployments.get(key);
    if (cached && now() - cached.at < cacheMs) return cached.versionId;
    const deployment = await getDeployment(deps.db, model, slot);
    deployments.set(key, { versionId: deployment?.model_version_id, at: now() });
    return deployment?.model_version_id;
  }

  function viewsOf(versionId: number): Promise<ViewUse[]> {
    let views = viewsByVersion.get(versionId);
    if (!views) {
      // A version's training set never changes: its views are read once.
      views = deps
        .db('model_versions')
        .where({ id: versionId })
        .first('run_id')
        .then((r: { run_id?: string } | undefined) => (r?.run_id ? viewsOfRun(deps.db, r.run_id) : []));
      views.catch(() => viewsByVersion.delete(versionId));
      if (viewsByVersion.size > 1000) viewsByVersion.clear();
      viewsByVersion.set(versionId, views);
    }
    return views;
  }

  return {
    async enrich({ model, slot, rows }) {
      const versionId = await deployedVersion(model, slot);
      if (versionId === undefined) return undefined;
      const uses = await viewsOf(versionId);
      if (uses.length === 0) return undefined;
      const started = performance.now();
      const copies = rows.map((r) => ({ ...r }));
      const at = now();
      const perView = await Promise.all(uses.map((use) => fillView(deps.online, use, copies, at)));
      const latencyMs = performance.now() - started;
      return {
        rows: copies,
        model: { versionId },
        views: uses.map((u) => ({ name: u.name, version: u.version })),
        warnings: perView.flatMap((v) => v.warnings).sort((a, b) => a.row - b.row),
        latencyMs,
        async record(requestId, modelVersion) {
          await deps
            .db('feature_lookup_log')
            .insert(
              uses.map((u, i) => ({
                request_id: requestId,
                model: modelVersion.model,
                model_version: modelVersion.version,
                view: u.name,
                view_version: u.version,
                rows: perView[i]?.needed ?? 0,
                missing: perView[i]?.missing ?? 0,
                stale: perView[i]?.stale ?? 0,
                latency_ms: latencyMs,
              })),
            )
            .onConflict(['request_id', 'view'])
            .ignore();
        },
      };
    },

    async lookup(use, rows) {
      const copies = rows.map((r) => ({ ...r }));
      const { warnings } = await fillView(deps.online, use, copies, now());
      return { rows: copies, warnings };
    },
  };
}
