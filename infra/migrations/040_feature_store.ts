import type { Knex } from 'knex';

// The feature store: versioned definitions (entities, feature views), which run used which view version
// (lineage), materialization state and history, the PostgreSQL online store, and the online-lookup log.
export async function up(knex: Knex): Promise<void> {
  for (const table of ['feature_entities', 'feature_views']) {
    await knex.schema.createTable(table, (t) => {
      t.bigIncrements('id');
      t.string('name', 63).notNullable();
      t.integer('version').notNullable();
      t.string('hash', 64).notNullable(); // SHA-256 of the canonical definition (content version)
      t.jsonb('definition').notNullable();
      if (table === 'feature_views') {
        t.string('owner', 200).notNullable();
        // The entities' join keys as they were when the view was applied: a version never changes meaning.
        t.jsonb('join_keys').notNullable();
      }
      t.string('applied_by', 200).notNullable();
      t.timestamp('applied_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      t.unique(['name', 'version']);
    });
  }

  await knex.schema.createTable('feature_view_usage', (t) => {
    t.bigIncrements('id');
    t.string('run_id', 200).notNullable();
    t.string('view', 63).notNullable();
    t.integer('version').notNullable();
    t.string('hash', 64).notNullable();
    t.jsonb('join_keys').notNullable(); // [{ name, type }]
    t.jsonb('columns').notNullable(); // [{ column, feature, type }]: training-set column → view feature
    t.bigInteger('ttl_ms');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['run_id', 'view']);
    t.index(['view', 'version']);
  });

  await knex.schema.createTable('feature_materializations', (t) => {
    t.string('view', 63).primary();
    t.integer('version').notNullable();
    t.string('hash', 64).notNullable();
    // Every row with an event time at or before the watermark is in the online store.
    t.timestamp('watermark', { useTz: true });
    t.bigInteger('rows_written').notNullable().defaultTo(0);
    t.string('last_workflow_id', 200);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('feature_materialization_runs', (t) => {
    t.string('workflow_id', 200).primary();
    t.string('view', 63).notNullable().index();
    t.integer('version').notNullable();
    t.timestamp('window_from', { useTz: true });
    t.timestamp('window_to', { useTz: true }).notNullable();
    t.string('status', 20).notNullable(); // running | succeeded | failed
    t.bigInteger('rows_read').notNullable().defaultTo(0);
    t.bigInteger('rows_written').notNullable().defaultTo(0);
    t.jsonb('attempts').notNullable().defaultTo('[]'); // [{ attempt, resumedFrom, at }]
    t.text('error');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
  });

  await knex.schema.createTable('feature_online', (t) => {
    t.string('view', 63).notNullable();
    t.text('entity_key').notNullable();
    t.timestamp('event_ts', { useTz: true }).notNullable();
    t.timestamp('created_ts', { useTz: true });
    t.jsonb('values').notNullable();
    t.timestamp('written_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['view', 'entity_key']);
  });

  await knex.schema.createTable('feature_lookup_log', (t) => {
    t.bigIncrements('id');
    t.uuid('request_id').notNullable();
    t.string('model', 120).notNullable();
    t.integer('model_version').notNullable();
    t.string('view', 63).notNullable();
    t.integer('view_version').notNullable();
    t.integer('rows').notNullable();
    t.integer('missing').notNullable();
    t.integer('stale').notNullable();
    t.float('latency_ms').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['request_id', 'view']);
    t.index(['view', 'created_at']);
    t.index(['model', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'feature_lookup_log',
    'feature_online',
    'feature_materialization_runs',
    'feature_materializations',
    'feature_view_usage',
    'feature_views',
    'feature_entities',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
