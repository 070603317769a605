import { recordLineage } from '../../lib/metadata/artifacts';
import { lookupStepCache, stepCacheKey, storeStepCache } from '../../lib/metadata/step-cache';
import { buildReferenceProfile, fitFeatureTransforms, selectRows, tableRow } from '../../lib/ml';
import { SIGNATURE_VERSION, buildSignature } from '../../lib/ml/signature';
import { readingOptionsOf } from '../../lib/ml/data/reading-spec';
import { fitReading, rawInputsOf } from '../../lib/ml/features/reading';
import type { PipelineSpec } from '../../lib/pipeline/spec';
import { registerStoredArtifact, storeArtifact } from '../artifacts';
import type { ActivityDeps } from '../deps';
import type { FeaturesOutput, IngestOutput, StoredObject, ValidateOutput } from '../pipeline-io';
import type { StepContext } from '../step-context';
import { collectFitSample, planSplit } from './fit-sample';
import { validationCacheKey } from './validate';

export function featuresCacheKey(spec: PipelineSpec, raw: Pick<IngestOutput, 'raw' | 'format'>): string {
  return stepCacheKey('features', raw.raw.sha256, {
    validation: validationCacheKey(spec, raw),
    task: spec.task,
    features: spec.features,
    split: spec.split,
    // The transform embeds the model signature (lib/ml/signature.ts) since this version.
    signature: SIGNATURE_VERSION,
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

/**
 * Seeded (stratified) split of every clean row, then transforms fitted on the training split only (a bounded sample
 * of it on large data), plus the training reference profile for drift and a raw serving sample for the smoke test.
 * The split needs no pass over the data (validation kept the labels) and the sample one, which parses only the
 * sampled rows: memory does not grow with the dataset.
 */
export async function fitFeatures(
  deps: ActivityDeps,
  ctx: StepContext,
  input: { spec: PipelineSpec; raw: IngestOutput; validation: ValidateOutput },
): Promise<FeaturesOutput> {
  const { spec, raw } = input;
  const cacheKey = featuresCacheKey(spec, raw);
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

  const plan = await planSplit(deps, ctx, input);
  const sample = await collectFitSample(deps, ctx, { ...input, plan });
  const fitted = fitFeatureTransforms({
    table: sample.table,
    spec: { ...spec.features, task: spec.task },
    trainRows: sample.trainRows,
  });
  // Kept with the transforms: serving reads a request with the same tokens and formats and computes the same
  // derived columns from its raw inputs (lib/ml/features/reading.ts).
  const reading = readingOptionsOf(spec.data);
  const fittedReading = fitReading({ reading, inputs: fitted.inputs, table: sample.table });
  if (fittedReading) fitted.reading = fittedReading;
  fitted.signature = buildSignature({ fitted, table: sample.table, rows: sample.trainRows });
  const codes = plan.codes;
  // Drift compares the raw inputs requests send with training's.
  const featureColumns = rawInputsOf(fitted)
    .map((c) => c.name)
    .filter((c) => c !== spec.features.label);
  const profile = buildReferenceProfile({ table: selectRows(sample.table, sample.trainRows), columns: featureColumns });

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
    metadata: plan.counts,
  });
  const referenceProfile = await storeArtifact(deps, ctx, {
    key: `${prefix}/reference-profile.json`,
    body: JSON.stringify(profile),
    name: 'reference-profile.json',
    kind: 'reference_profile',
    contentType: 'application/json',
  });
  const servingRows = sample.testRows.map(({ position, rowId }) => {
    const row = tableRow(sample.table, position);
    delete row[spec.features.label];
    // A request sends raw columns only: serving computes the derived ones.
    for (const d of reading?.derived ?? []) delete row[d.name];
    return { rowId, row };
  });
  const servingSample = await storeArtifact(deps, ctx, {
    key: `${prefix}/serving-sample.json`,
    body: JSON.stringify(servingRows),
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
    counts: plan.counts,
    fitRows: sample.trainRows.length,
  };
  await storeStepCache(deps.db, { cacheKey, step: 'features', producerRunId: ctx.runId, outputs });
  return { ...outputs, transform, split: splitObject, referenceProfile, servingSample, cached: false };
}

function strip(o: StoredObject): CachedObject {
  return { key: o.key, sha256: o.sha256, size: o.size };
}
