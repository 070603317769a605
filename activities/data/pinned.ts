import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { recordViewUsage, viewsOfRun } from '../../lib/featurestore/usage';
import { HashingStream } from '../../lib/store/hashing';
import { findLakeObject } from '../../lib/tracking/data-versions';
import { registerStoredArtifact } from '../artifacts';
import type { ActivityDeps } from '../deps';
import { dataError } from '../failures';
import type { IngestOutput } from '../pipeline-io';
import type { StepContext } from '../step-context';

/**
 * Ingest for a re-run pinned to a data version: the run reads the lake object with exactly these bytes instead of
 * its spec's source (which may hold other data by now). The bytes are hashed again on the way, so a re-run never
 * trains on anything but the data version it names. Feature-view usage of the run that first ingested the bytes is
 * copied: the training set is the one those views were joined into.
 */
export async function ingestPinnedData(deps: ActivityDeps, ctx: StepContext, sha256: string): Promise<IngestOutput> {
  const lake = await findLakeObject(deps.db, sha256);
  const stat = lake ? await deps.store.stat(lake.key) : undefined;
  if (!lake || !stat) {
    throw dataError(`Data version ${sha256} is not in the data lake: this re-run cannot read the data it pins.`, {
      dataVersion: sha256,
    });
  }
  const hasher = new HashingStream();
  await pipeline(await deps.store.get(lake.key), hasher, new Writable({ write: (_chunk, _enc, done) => done() }));
  const actual = hasher.digest();
  if (actual !== sha256) {
    throw dataError(`The lake object ${deps.store.uri(lake.key)} no longer has the bytes of data version ${sha256}.`, {
      dataVersion: sha256,
      actual,
    });
  }
  const views = lake.firstRunId ? await viewsOfRun(deps.db, lake.firstRunId) : [];
  if (views.length > 0) await recordViewUsage(deps.db, ctx.runId, views);
  const raw = await registerStoredArtifact(deps, ctx, {
    key: lake.key,
    name: 'raw',
    kind: 'raw_dataset',
    sha256,
    size: hasher.size,
    metadata: { source: `data version ${sha256} (pinned)`, format: lake.format, pinned: true },
  });
  ctx.log.info({ key: lake.key, bytes: hasher.size }, 'pinned data version read from the lake');
  return { raw, format: lake.format, alreadyInLake: true };
}
