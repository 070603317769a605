import { listPipelines, loadPipelineSpec, modelNameOf } from '../lib/pipeline/load';
import type { PipelineCatalog } from './deps';

/** The specs in pipelines/ (MLOPS_PIPELINES_DIR), read on every call so that an edited spec applies at once. */
export function fileCatalog(): PipelineCatalog {
  return {
    list: () => listPipelines(),
    resolve(name, params) {
      const { spec, specHash } = loadPipelineSpec(name, params);
      return { name: spec.name, model: modelNameOf(spec), specHash, schedule: spec.schedule };
    },
  };
}
