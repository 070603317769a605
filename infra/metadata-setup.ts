import type { AppConfig } from '../lib/config';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logging';
import { seedSpecsFromFiles } from '../lib/pipeline/store';
import { grantSourceReader } from '../lib/sources/grants';
import { migrateLatest } from './migrations';

/**
 * What every process does with the metadata database before serving: migrations (knex locks them), the read-only
 * data-source role's grants, and pipeline specs seeded from pipelines/ (files that changed since last seeded).
 */
export async function prepareMetadataStore(db: Db, config: AppConfig, log: Logger): Promise<void> {
  await migrateLatest(db);
  const reader = config.governance.dataSources.readerUrl;
  if (reader) await grantSourceReader(db, decodeURIComponent(new URL(reader).username));
  await seedSpecsFromFiles(db, { log: (level, message) => log[level](message) });
}
