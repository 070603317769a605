import { disposeModel, type MlModel } from '../../lib/ml';
import { loadServableVersion } from '../../lib/serving/model-server';
import type { ActivityDeps } from '../deps';

export interface ModelCache {
  get(versionId: number): Promise<MlModel>;
  clear(): void;
}

/**
 * The last few versions a worker scored with, loaded once (artefact SHA-256 checked) and shared by the chunks it
 * runs at the same time. An evicted model is disposed once no chunk is using it.
 */
export function createModelCache(deps: Pick<ActivityDeps, 'db' | 'store'>, capacity = 2): ModelCache {
  const loaded = new Map<number, Promise<MlModel>>();
  return {
    get(versionId) {
      let entry = loaded.get(versionId);
      if (!entry) {
        entry = loadServableVersion(deps, versionId).then((v) => v.model);
        entry.catch(() => loaded.delete(versionId));
        loaded.set(versionId, entry);
        while (loaded.size > capacity) {
          const [oldest, model] = loaded.entries().next().value as [number, Promise<MlModel>];
          loaded.delete(oldest);
          // Scoring is synchronous once a chunk holds its model: a short grace lets running chunks finish.
          setTimeout(() => void model.then(disposeModel, () => undefined), 60_000).unref();
        }
      } else {
        loaded.delete(versionId);
        loaded.set(versionId, entry);
      }
      return entry;
    },
    clear() {
      for (const model of loaded.values()) void model.then(disposeModel, () => undefined);
      loaded.clear();
    },
  };
}
