import { Client } from 'pg';
import type { Db } from '../db';
import type { Logger } from '../logging';
import { disposeModel, loadModel, predictRows, type MlModel } from '../ml';
import { getDeployment, getVersionById, type Slot } from '../registry';
import type { ArtifactStore } from '../store';
import { isModelSignature, signatureFromTransforms, type ModelSignature } from '../ml/signature';
import { rowReadingOf } from '../ml/features/reading';
import { loadVerifiedModelBytes } from './artifacts';
import { DEFAULT_BATCHING, createPredictBatcher, type BatchingOptions, type PredictBatcher } from './batching';
import { checkAgainstSignature, type InputProblem } from './signature-check';
import {
  InvalidPredictionInputError,
  ModelNotDeployedError,
  type LoadedModelInfo,
  type Prediction,
  type ModelServer,
  type PredictionResult,
} from './types';

export * from './types';

interface Entry {
  versionId: number;
  version: number;
  model: MlModel;
  signature?: ModelSignature;
  sha256: string;
  loadedAt: string;
  inflight: number;
  retired: boolean;
  /** Concurrent requests for this version share forward passes (batching.ts). */
  batcher: PredictBatcher;
}

interface SlotState {
  current?: Entry;
  checkedAt: number;
  refreshing?: Promise<Entry>;
}

export interface ModelServerOptions {
  db: Db;
  store: ArtifactStore;
  log: Logger;
  /** How old a slot's deployment check may be before a request triggers a background re-check. */
  pollMs?: number;
  /** LISTEN on this database for deployment changes (instant swaps); default: no listener, polling only. */
  notifyUrl?: string;
  /** Dynamic micro-batching of concurrent requests; default DEFAULT_BATCHING. */
  batching?: BatchingOptions;
}

function checkRows(rows: unknown): asserts rows is Array<Record<string, unknown>> {
  if (!Array.isArray(rows) || rows.length === 0)
    throw new InvalidPredictionInputError('rows must be a non-empty array');
  const bad = rows.findIndex((r) => typeof r !== 'object' || r === null || Array.isArray(r));
  if (bad >= 0)
    throw new InvalidPredictionInputError(`rows[${bad}] must be an object of column → value`, { index: bad });
}

export interface ServableVersion {
  versionId: number;
  version: number;
  model: MlModel;
  /** What a request must send: stored at registration, else reconstructed from the model's transforms. */
  signature?: ModelSignature;
  sha256: string;
  loadedAt: string;
}

/** A registered version ready to predict: artefact fetched, SHA-256 verified, model and transforms loaded. */
export async function loadServableVersion(
  deps: { db: Db; store: ArtifactStore },
  versionId: number,
): Promise<ServableVersion> {
  const version = await getVersionById(deps.db, versionId);
  const bytes = await loadVerifiedModelBytes(deps, version);
  const model = await loadModel({ bytes });
  const artifact = await deps.db('artifacts').where({ id: version.model_artifact_id }).first();
  const signature = isModelSignature(version.signature)
    ? version.signature
    : model.fitted
      ? (model.fitted.signature ?? signatureFromTransforms(model.fitted))
      : undefined;
  return {
    versionId: version.id,
    version: version.version,
    model,
    signature,
    sha256: artifact?.sha256 as string,
    loadedAt: new Date().toISOString(),
  };
}

/** Raw JSON rows → predictions, through the transforms embedded in the model (the one serving code path). */
export function predictWith(model: MlModel, rows: Array<Record<string, unknown>>): Prediction[] {
  const { predictions } = predictRows({ model, rows });
  return predictions.map((p) =>
    'value' in p
      ? { prediction: p.value }
      : { prediction: p.label as string | number | boolean, probabilities: p.probabilities },
  );
}

/** The 400 for rows that break the signature: every problem (up to 100) with its row and field. */
function signatureFailure(model: string, entry: Entry, problems: InputProblem[]): InvalidPredictionInputError {
  const shown = problems.slice(0, 5).map((p) => p.message);
  const more = problems.length > 5 ? ` (${problems.length - 5} more in details.problems)` : '';
  return new InvalidPredictionInputError(
    `${problems.length} problem(s) in the rows for ${model} v${entry.version}: ${shown.join(' ')}${more} ` +
      `The model's inputs: GET /v1/models/${model}/versions/${entry.version}/signature.`,
    {
      problems: problems.slice(0, 100),
      problemCount: problems.length,
      signature: `/v1/models/${model}/versions/${entry.version}/signature`,
    },
  );
}

/**
 * Serves the deployed version of each model slot. A new deployment is loaded beside the old one and swapped in
 * atomically; requests already holding the old model finish on it, and it is disposed after the last one.
 */
export { checkRows as assertPredictionRows };

export function createModelServer(options: ModelServerOptions): ModelServer {
  const { db, store, log } = options;
  const pollMs = options.pollMs ?? 5_000;
  const slots = new Map<string, SlotState>();
  let listener: Client | undefined;

  const stateOf = (model: string, slot: Slot): SlotState => {
    const key = `${model}\u0000${slot}`;
    let state = slots.get(key);
    if (!state) slots.set(key, (state = { checkedAt: 0 }));
    return state;
  };

  const release = (entry: Entry) => {
    if (entry.retired && entry.inflight === 0) disposeModel(entry.model);
  };

  async function load(model: string, slot: Slot, state: SlotState): Promise<Entry> {
    const deployment = await getDeployment(db, model, slot);
    if (!deployment) {
      // The slot was emptied (its version rejected or archived): stop serving what it held.
      const previous = state.current;
      state.current = undefined;
      if (previous) {
        previous.retired = true;
        release(previous);
        log.info({ model, slot, version: previous.version }, 'slot emptied; version no longer served');
      }
      throw new ModelNotDeployedError(model, slot);
    }
    state.checkedAt = Date.now();
    if (state.current?.versionId === deployment.model_version_id) return state.current;
    const servable = await loadServableVersion({ db, store }, deployment.model_version_id);
    const batcher = createPredictBatcher(servable.model, options.batching ?? DEFAULT_BATCHING);
    const entry: Entry = { ...servable, inflight: 0, retired: false, batcher };
    const previous = state.current;
    state.current = entry;
    if (previous) {
      previous.retired = true;
      release(previous);
    }
    log.info({ model, slot, version: entry.version, previous: previous?.version }, 'model version now serving');
    return entry;
  }

  function refreshSlot(model: string, slot: Slot): Promise<Entry> {
    const state = stateOf(model, slot);
    state.refreshing ??= load(model, slot, state).finally(() => {
      state.refreshing = undefined;
    });
    return state.refreshing;
  }

  async function entryFor(model: string, slot: Slot): Promise<Entry> {
    const state = stateOf(model, slot);
    if (!state.current) return refreshSlot(model, slot);
    if (Date.now() - state.checkedAt > pollMs) {
      // Stale-while-revalidate: serve what is loaded, check the deployment in the background.
      refreshSlot(model, slot).catch((err: unknown) => log.warn({ err, model, slot }, 'deployment re-check failed'));
    }
    return state.current;
  }

  async function listen(url: string): Promise<void> {
    listener = new Client({ connectionString: url });
    listener.on('error', (err) => log.warn({ err }, 'deployment listener failed; falling back to polling'));
    listener.on('notification', (msg) => {
      try {
        const { model, slot } = JSON.parse(msg.payload ?? '{}') as { model: string; slot: Slot };
        refreshSlot(model, slot).catch((err: unknown) =>
          log.warn({ err, model, slot }, 'could not load the new deployment'),
        );
      } catch (err) {
        log.warn({ err }, 'malformed deployment notification');
      }
    });
    await listener.connect();
    await listener.query('LISTEN mlops_deployments');
  }
  const listening = options.notifyUrl ? listen(options.notifyUrl) : Promise.resolve();

  return {
    async predict({ model, slot, rows, extraFields, optionalFields }): Promise<PredictionResult> {
      checkRows(rows);
      await listening;
      const entry = await entryFor(model, slot);
      entry.inflight += 1;
      try {
        const check = entry.signature
          ? checkAgainstSignature(entry.signature, rows, {
              extraFields,
              optionalFields,
              reading: entry.model.fitted?.reading ? rowReadingOf(entry.model.fitted) : undefined,
            })
          : undefined;
        if (check && check.problems.length > 0) throw signatureFailure(model, entry, check.problems);
        const predictions = await entry.batcher.predict(rows);
        check?.warnings.forEach((w, i) => {
          if (w.length > 0) (predictions[i] as Prediction).warnings = w;
        });
        return { model, slot, version: entry.version, versionId: entry.versionId, predictions };
      } finally {
        entry.inflight -= 1;
        release(entry);
      }
    },

    loaded(): LoadedModelInfo[] {
      return [...slots.entries()].flatMap(([key, state]) => {
        if (!state.current) return [];
        const [model, slot] = key.split('\u0000') as [string, Slot];
        const { version, versionId, loadedAt, sha256 } = state.current;
        return [{ model, slot, version, versionId, loadedAt, modelSha256: sha256 }];
      });
    },

    async refresh(model, slot) {
      await refreshSlot(model, slot);
    },

    async close() {
      await listening.catch(() => undefined);
      await listener?.end().catch(() => undefined);
      for (const state of slots.values()) {
        if (state.current) {
          state.current.retired = true;
          release(state.current);
        }
      }
      slots.clear();
    },
  };
}
