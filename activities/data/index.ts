import type { ActivityDeps } from '../deps';
import type {
  AbtInput,
  AbtOutput,
  FeaturesInput,
  FeaturesOutput,
  IngestInput,
  IngestOutput,
  ValidateInput,
  ValidateOutput,
} from '../pipeline-io';
import { runStep } from '../step-context';
import { buildAnalyticBaseTable } from './abt';
import { fitFeatures } from './features';
import { recordDataVersion, pinnedDataVersion } from '../../lib/tracking/record';
import { ingestRawData } from './ingest';
import { ingestPinnedData } from './pinned';
import { validateDataset } from './validate';

/** Phase-0 data steps (orchestration worker): each records its execution row and artifacts with lineage. */
export function createDataActivities(deps: ActivityDeps) {
  return {
    async ingestRawData(input: IngestInput): Promise<IngestOutput> {
      return runStep(
        deps,
        'ingest',
        async (ctx) => {
          // A re-run reads the data version the API pinned for it; every other run reads its spec's source.
          const pinned = await pinnedDataVersion(deps.db, ctx.runId);
          const raw = pinned ? await ingestPinnedData(deps, ctx, pinned) : await ingestRawData(deps, ctx, input.source);
          await recordDataVersion(deps.db, ctx.runId, raw.raw.sha256);
          return raw;
        },
        (r) => ({ cached: r.alreadyInLake, details: { key: r.raw.key, bytes: r.raw.size } }),
      );
    },
    async validateDataset(input: ValidateInput): Promise<ValidateOutput> {
      return runStep(
        deps,
        'validate',
        (ctx) => validateDataset(deps, ctx, input),
        (r) => ({ cached: r.cached, details: { rows: r.rowCount, quarantined: r.quarantinedRows } }),
      );
    },
    async fitFeatures(input: FeaturesInput): Promise<FeaturesOutput> {
      return runStep(
        deps,
        'features',
        (ctx) => fitFeatures(deps, ctx, input),
        (r) => ({ cached: r.cached, details: { features: r.featureNames.length, ...r.counts } }),
      );
    },
    async buildAnalyticBaseTable(input: AbtInput): Promise<AbtOutput> {
      return runStep(
        deps,
        'abt',
        (ctx) => buildAnalyticBaseTable(deps, ctx, input),
        (r) => ({ cached: r.cached, details: { table: r.table, rows: r.rows } }),
      );
    },
  };
}

export type DataActivities = ReturnType<typeof createDataActivities>;
