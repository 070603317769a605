import { recordAudit } from '../../../lib/audit';
import { recordArtifact } from '../../../lib/metadata/artifacts';
import { recordRunStart } from '../../../lib/metadata/runs';
import { buildDataset, disposeModel, fitFeatureTransforms, rowsToTable, trainModel } from '../../../lib/ml';
import { deployToSlot, ensureModel, promoteToProduction, registerModelVersion, type Slot } from '../../../lib/registry';
import type { Db } from '../../../lib/db';
import type { FittedTransforms } from '../../../lib/ml';
import type { ArtifactStore } from '../../../lib/store';

/** Rows a tiny classifier learns in a few epochs: label is "yes" when x > 0. */
export function tinyRows(count: number): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, i) => {
    const x = ((i * 37) % 200) / 100 - 1;
    return { x, colour: i % 3 === 0 ? 'red' : 'blue', label: x > 0 ? 'yes' : 'no' };
  });
}

export interface RegistryDeps {
  db: Db;
  store: ArtifactStore;
}

/**
 * Stores a model artefact and its transforms in S3 and registers the version, as the pipeline's register step
 * does: the registry keeps the artefact's SHA-256, which the model server checks before loading it.
 */
export async function storeAndRegister(
  deps: RegistryDeps,
  input: {
    model: string;
    runId: string;
    modelBytes: Uint8Array;
    fitted: FittedTransforms;
    task?: 'classification' | 'regression';
  },
) {
  const { db, store } = deps;
  await recordRunStart(db, {
    runId: input.runId,
    pipeline: input.model,
    specHash: 'f'.repeat(64),
    trigger: 'test',
    params: {},
  });
  const modelKey = `test/api/${input.runId}/model.bin`;
  const transformKey = `test/api/${input.runId}/transform.json`;
  const modelInfo = await store.put(modelKey, Buffer.from(input.modelBytes));
  const transformInfo = await store.put(transformKey, JSON.stringify(input.fitted));
  const artifact = (key: string, name: string, kind: 'model' | 'transform', info: { sha256: string; size: number }) =>
    recordArtifact(db, {
      runId: input.runId,
      step: 'train',
      name,
      kind,
      uri: store.uri(key),
      storeKey: key,
      sha256: info.sha256,
      sizeBytes: info.size,
    });
  const modelArtifactId = await artifact(modelKey, 'model', 'model', modelInfo);
  const transformArtifactId = await artifact(transformKey, 'transform', 'transform', transformInfo);
  await ensureModel(db, { name: input.model, task: input.task ?? 'classification', description: 'test model' });
  const { version } = await registerModelVersion(db, {
    modelName: input.model,
    runId: input.runId,
    candidate: 'logreg',
    metrics: { accuracy: 0.9, f1_macro: 0.88 },
    lineage: { data: 'synthetic', codeVersion: 'test' },
    modelArtifactId,
    transformArtifactId,
    // As the register step does: the signature the features step observed (absent: reconstructed when served).
    signature: input.fitted.signature,
  });
  return { ...version, modelKey };
}

/** Trains a real (tiny) model with lib/ml and registers it. */
export async function registerTinyModel(deps: RegistryDeps, input: { model: string; runId: string; epochs?: number }) {
  const table = rowsToTable({
    rows: tinyRows(200),
    schema: {
      columns: [
        { name: 'x', type: 'numeric' },
        { name: 'colour', type: 'categorical' },
        { name: 'label', type: 'categorical' },
      ],
    },
  });
  const fitted = fitFeatureTransforms({
    table,
    spec: { task: 'classification', label: 'label', features: ['x', { column: 'colour', transform: 'onehot' }] },
  });
  const result = await trainModel({
    candidate: {
      name: 'logreg',
      kind: 'logistic_regression',
      hyperparameters: { epochs: input.epochs ?? 3, batchSize: 64, learningRate: 0.1 },
    },
    task: 'classification',
    numClasses: 2,
    classNames: (fitted.label.classes ?? []).map(String),
    train: buildDataset({ fitted, table }),
    fitted,
  });
  disposeModel(result.model);
  return storeAndRegister(deps, { model: input.model, runId: input.runId, modelBytes: result.modelBytes, fitted });
}

/** What the pipeline's production phase does: promote (archiving the previous version) and point the slot at it. */
export async function promoteAndDeploy(
  deps: { db: Db },
  input: { model: string; versionId: number; slot?: Slot; actor?: string },
) {
  const actor = input.actor ?? 'alice';
  if ((input.slot ?? 'production') === 'production') {
    await promoteToProduction(deps.db, { versionId: input.versionId, actor, reason: 'test promotion' });
    await recordAudit(deps.db, {
      actor,
      action: 'promote',
      target: `model:${input.model}`,
      details: { versionId: input.versionId },
    });
  }
  return deployToSlot(deps.db, {
    modelName: input.model,
    slot: input.slot ?? 'production',
    versionId: input.versionId,
    actor,
  });
}
