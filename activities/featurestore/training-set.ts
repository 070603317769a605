import { loadFeatureStoreConfig } from '../../lib/featurestore/config';
import { FeatureStoreError } from '../../lib/featurestore/errors';
import { openTrainingSet } from '../../lib/featurestore/offline';
import type { FeatureViewsSource } from '../../lib/featurestore/spec';
import { recordViewUsage } from '../../lib/featurestore/usage';
import type { ActivityDeps } from '../deps';
import { dataError } from '../failures';
import type { StepContext } from '../step-context';

/**
 * The ingest step's `feature_views` source: the point-in-time training set as a CSV stream, which ingest stores in
 * the lake like any raw dataset. The run's view versions are recorded for lineage, the report and online lookup.
 */
export async function openFeatureViewsSource(deps: ActivityDeps, ctx: StepContext, source: FeatureViewsSource) {
  const config = loadFeatureStoreConfig();
  try {
    const set = await openTrainingSet(
      {
        db: deps.db,
        store: deps.store,
        workUrl: deps.config.database.url,
        sourceUrl: config.sourceDatabaseUrl ?? deps.config.governance.dataSources.readerUrl ?? deps.config.database.url,
      },
      source,
      (details) => ctx.heartbeat(details),
    );
    await recordViewUsage(deps.db, ctx.runId, set.views);
    ctx.log.info({ views: set.views.map((v) => `${v.name}@v${v.version}`), rows: set.entityRows }, 'training set');
    return {
      stream: set.stream,
      format: 'csv' as const,
      describe: set.describe,
      close: set.close,
      metadata: { featureViews: set.views.map((v) => ({ name: v.name, version: v.version, hash: v.hash })) },
    };
  } catch (err) {
    // Definitions, the entity dataframe and source rows fail the same way on every attempt.
    if (err instanceof FeatureStoreError && err.code !== 'ONLINE_STORE_ERROR') {
      throw dataError(err.message, { code: err.code, ...err.details });
    }
    throw err;
  }
}
