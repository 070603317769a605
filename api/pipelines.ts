import type { Db } from '../lib/db';
import { modelNameOf } from '../lib/pipeline/load';
import { listStoredSpecs, loadPipelineSpec } from '../lib/pipeline/store';
import type { PipelineCatalog } from './deps';

/** The pipelines of the metadata store (applied through the API, or seeded from pipelines/ at start). */
export function storedCatalog(db: Db): PipelineCatalog {
  return {
    list: async () => (await listStoredSpecs(db)).map((s) => s.name),
    async resolve(name, params) {
      const loaded = await loadPipelineSpec(db, { pipeline: name, params });
      return {
        name: loaded.spec.name,
        model: modelNameOf(loaded.spec),
        specHash: loaded.specHash,
        specVersion: loaded.specVersion,
        parameters: loaded.parameters,
        schedule: loaded.spec.schedule,
        monitoringEnabled: loaded.spec.monitoring.enabled,
      };
    },
  };
}
