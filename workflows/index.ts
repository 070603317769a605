// Every workflow the orchestration worker registers; the production bundle is built from this file.
export { stackCheck } from './stack-check';
export { mlPipeline } from './pipeline/workflow';
export { modelMonitor } from './monitor/workflow';
export { materializeFeatureView } from './featurestore/workflow';
export { batchScoring } from './batch/workflow';
