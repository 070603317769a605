import { recordLineage } from '../../lib/metadata/artifacts';
import { lookupStepCache, stepCacheKey, storeStepCache } from '../../lib/metadata/step-cache';
import {
  buildReferenceProfile,
  concatTables,
  fitFeatureTransforms,
  labelColumnOf,
  selectRows,
  splitDataset,
  tableRow,
  type Table,
  type TableSchema,
} from '../../lib/ml';
import type { PipelineSpec } from '../../lib/pipeline/spec';
import { registerStoredArtifact, storeArtifact } from '../artifacts';
import type { ActivityDeps } from '../deps';
import type { FeaturesOutput, IngestOutput, StoredObject, ValidateOutput } from '../pipeline-io';
import type { StepContext } from '../step-context';
import { SPLIT_CODES, cleanBatches } from './clean-rows';
import { validationCacheKey } from './validate';

export function featuresCacheKey(spec: PipelineSpec, rawSha256: string): string {
  return stepCacheKey('features', rawSha256, {
    validation: validationCacheKey(spec, rawSha256),
    task: spec.task,
    features: spec.features,
    split: spec.split,
  });
}

type CachedObject = Omit<StoredObject, 'artifactId' | 'uri'>;
interface CachedFeatures extends Omit<
  FeaturesOutput,
  'transform' | 'split' | 'referenceProfile' | 'servingSample' | 'cached'
> {
  transform: CachedObject;
  split: CachedObject;
  referenceProfile: CachedObject;
  servingSample: CachedObject;
}

/** Raw test rows kept for the smoke test: what a client would send, with their ABT row ids. */
export const SERVING_SAMPLE_ROWS = 200;

async function loadCleanTable(deps: ActivityDeps, ctx: StepContext, raw: IngestOutput, validation: ValidateOutput) {
  const parts: Table[] = [];
  let rows = 0;
  for await (const { batch, keep } of cleanBatches(deps, raw, validation)) {
    parts.push(keep.length === batch.rowCount ? batch : selectRows(batch, keep));
    rows += keep.length;
    ctx.heartbeat({ rowsRead: rows });
  }
  return concatTables(parts, validation.schema as TableSchema);
}

function labelsForStratification(table: Table, label: string): string[] {
  const column = labelColumnOf(table, label);
  return Array.from({ length: table.rowCount }, (_, i) => String(column.values[i]));
}

/** Seeded split, then transforms fitted on the training split only, plus the training reference for drift. */
export async function fitFeatures(
  deps: ActivityDeps,
  ctx: StepContext,
  input: { spec: PipelineSpec; raw: IngestOutput; validation: ValidateOutput },
): Promise<FeaturesOutput> {
  const { spec, raw, validation } = input;
  const cacheKey = featuresCacheKey(spec, raw.raw.sha256);
  const hit = await lookupStepCache<CachedFeatures>(deps.db, cacheKey);
  if (hit) {
    const c = hit.outputs;
    return {
      ...c,
      transform: await registerStoredArtifact(deps, ctx, { ...c.transform, name: 'transform.json', kind: 'transform' }),
      split: await registerStoredArtifact(deps, ctx, { ...c.split, name: 'split.bin', kind: 'split' }),
      referenceProfile: await registerStoredArtifact(deps, ctx, {
        ...c.referenceProfile,
        name: 'reference-profile.json',
        kind: 'reference_profile',
      }),
      servingSample: await registerStoredArtifact(deps, ctx, {
        ...c.servingSample,
        name: 'serving-sample.json',
        kind: 'split',
      }),
      cached: true,
    };
  }

  const table = await loadCleanTable(deps, ctx, raw, validation);
  const labels = spec.task === 'classification' ? labelsForStratification(table, spec.features.label) : undefined;
  const split = splitDataset({ rowCount: table.rowCount, spec: spec.split, labels });
  const fitted = fitFeatureTransforms({ table, spec: { ...spec.features, task: spec.task }, trainRows: split.train });
  const codes = new Uint8Array(table.rowCount);
  split.validation.forEach((i) => (codes[i] = SPLIT_CODES.validation));
  split.test.forEach((i) => (codes[i] = SPLIT_CODES.test));
  const featureColumns = fitted.inputs.map((c) => c.name).filter((c) => c !== spec.features.label);
  const profile = buildReferenceProfile({ table: selectRows(table, split.train), columns: featureColumns });

  const prefix = `derived/features/${cacheKey}`;
  const transform = await storeArtifact(deps, ctx, {
    key: `${prefix}/transform.json`,
    body: JSON.stringify(fitted),
    name: 'transform.json',
    kind: 'transform',
    contentType: 'application/json',
  });
  const splitObject = await storeArtifact(deps, ctx, {
    key: `${prefix}/split.bin`,
    body: Buffer.from(codes.buffer, codes.byteOffset, codes.byteLength),
    name: 'split.bin',
    kind: 'split',
    metadata: { train: split.train.length, validation: split.validation.length, test: split.test.length },
  });
  const referenceProfile = await storeArtifact(deps, ctx, {
    key: `${prefix}/reference-profile.json`,
    body: JSON.stringify(profile),
    name: 'reference-profile.json',
    kind: 'reference_profile',
    contentType: 'application/json',
  });
  const sample = Array.from(split.test.subarray(0, SERVING_SAMPLE_ROWS), (rowId) => {
    const row = tableRow(table, rowId);
    delete row[spec.features.label];
    return { rowId, row };
  });
  const servingSample = await storeArtifact(deps, ctx, {
    key: `${prefix}/serving-sample.json`,
    body: JSON.stringify(sample),
    name: 'serving-sample.json',
    kind: 'split',
    contentType: 'application/json',
  });
  for (const to of [transform, splitObject, referenceProfile]) {
    await recordLineage(deps.db, {
      fromId: raw.raw.artifactId,
      toId: to.artifactId,
      relation: 'derived_from',
      runId: ctx.runId,
    });
  }
  const outputs: CachedFeatures = {
    transform: strip(transform),
    split: strip(splitObject),
    referenceProfile: strip(referenceProfile),
    servingSample: strip(servingSample),
    featureNames: fitted.featureNames,
    classes: (fitted.label.classes ?? []).map(String),
    counts: { train: split.train.length, validation: split.validation.length, test: split.test.length },
  };
  await storeStepCache(deps.db, { cacheKey, step: 'features', producerRunId: ctx.runId, outputs });
  return { ...outputs, transform, split: splitObject, referenceProfile, servingSample, cached: false };
}

function strip(o: StoredObject): CachedObject {
  return { key: o.key, sha256: o.sha256, size: o.size };
}
