import type { Knex } from 'knex';
import * as m001 from './001_core_metadata';
import * as m002 from './002_api';
import * as m003 from './003_training_epochs';
import * as m004 from './004_monitoring';
import * as m005 from './005_governance';
import * as m040 from './040_feature_store';
import * as m030 from './030_console_sessions';
import * as m031 from './031_notifications';
import * as m060 from './060_model_signatures';
import * as m070 from './070_run_tracking';
import * as m080 from './080_batch_predictions';
import * as m081 from './081_progressive_delivery';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

// Listed in code rather than read from a folder, so they work the same from TypeScript sources and from dist/.
const MIGRATIONS: Array<[string, Migration]> = [
  ['001_core_metadata', m001],
  ['002_api', m002],
  ['003_training_epochs', m003],
  ['004_monitoring', m004],
  ['005_governance', m005],
  ['040_feature_store', m040],
  ['030_console_sessions', m030],
  ['031_notifications', m031],
  ['060_model_signatures', m060],
  ['070_run_tracking', m070],
  ['080_batch_predictions', m080],
  ['081_progressive_delivery', m081],
];

const source: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: async () => MIGRATIONS,
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};

const config: Knex.MigratorConfig = { migrationSource: source, tableName: 'knex_migrations' };

export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(config)) as [number, string[]];
  return applied;
}

export async function migrateRollbackAll(db: Knex): Promise<string[]> {
  const [, reverted] = (await db.migrate.rollback(config, true)) as [number, string[]];
  return reverted;
}

export async function migrationStatus(db: Knex): Promise<{ applied: string[]; pending: string[] }> {
  const [applied, pending] = (await db.migrate.list(config)) as [Array<{ name: string }>, Array<[string, Migration]>];
  return { applied: applied.map((m) => m.name), pending: pending.map(([name]) => name) };
}
