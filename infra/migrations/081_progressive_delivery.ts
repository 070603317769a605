import type { Knex } from 'knex';

// Progressive delivery: the live route of each model (which version shadows production or takes a canary share of
// its traffic), the history of every route change, per-version serving counters, and shadow comparisons. Counters
// are additive per window (every API replica adds to the same row), so they need no coordination.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('deployment_routes', (t) => {
    t.string('model', 120).primary().references('models.name').onDelete('CASCADE');
    t.string('mode', 20).notNullable(); // shadow | canary
    t.bigInteger('candidate_version_id').notNullable().references('model_versions.id').onDelete('CASCADE');
    t.bigInteger('production_version_id').references('model_versions.id').onDelete('SET NULL');
    t.double('share').notNullable().defaultTo(0); // canary: share of production traffic the candidate answers
    t.string('run_id', 200); // the pipeline run (canary) or null (a shadow started by hand)
    t.string('started_by', 200).notNullable();
    t.text('reason');
    t.jsonb('plan').notNullable().defaultTo('{}');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('deployment_events', (t) => {
    t.bigIncrements('id');
    t.string('model', 120).notNullable();
    t.string('kind', 40).notNullable(); // shadow_started | shadow_stopped | canary_started | canary_step | canary_rolled_back | canary_promoted
    t.bigInteger('candidate_version_id');
    t.bigInteger('production_version_id');
    t.double('share');
    t.string('actor', 200).notNullable();
    t.text('reason');
    t.jsonb('details').notNullable().defaultTo('{}');
    t.string('run_id', 200);
    t.string('idempotency_key', 300).unique();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['model', 'at']);
  });

  await knex.schema.createTable('serving_stats', (t) => {
    t.string('model', 120).notNullable();
    t.bigInteger('version_id').notNullable();
    t.string('arm', 20).notNullable(); // production | canary
    t.timestamp('window_start', { useTz: true }).notNullable();
    t.bigInteger('requests').notNullable().defaultTo(0);
    t.bigInteger('rows').notNullable().defaultTo(0);
    t.bigInteger('errors').notNullable().defaultTo(0);
    t.double('latency_ms_sum').notNullable().defaultTo(0);
    t.specificType('latency_hist', 'bigint[]').notNullable(); // counts per bucket of LATENCY_BUCKETS_MS
    t.primary(['model', 'version_id', 'arm', 'window_start']);
  });

  await knex.schema.createTable('shadow_windows', (t) => {
    t.string('model', 120).notNullable();
    t.bigInteger('production_version_id').notNullable();
    t.bigInteger('shadow_version_id').notNullable();
    t.timestamp('window_start', { useTz: true }).notNullable();
    t.bigInteger('requests').notNullable().defaultTo(0);
    t.bigInteger('rows').notNullable().defaultTo(0);
    t.bigInteger('compared_rows').notNullable().defaultTo(0);
    t.bigInteger('agreements').notNullable().defaultTo(0);
    t.double('delta_sum').notNullable().defaultTo(0);
    t.double('delta_abs_sum').notNullable().defaultTo(0);
    t.double('delta_sq_sum').notNullable().defaultTo(0);
    t.double('delta_abs_max').notNullable().defaultTo(0);
    t.double('production_latency_ms_sum').notNullable().defaultTo(0);
    t.double('shadow_latency_ms_sum').notNullable().defaultTo(0);
    t.specificType('production_latency_hist', 'bigint[]').notNullable();
    t.specificType('shadow_latency_hist', 'bigint[]').notNullable();
    t.bigInteger('shadow_errors').notNullable().defaultTo(0);
    t.bigInteger('dropped').notNullable().defaultTo(0); // shadow requests skipped because the queue was full
    t.primary(['model', 'shadow_version_id', 'production_version_id', 'window_start']);
  });

  // Shadow predictions of logged requests, so that live quality can be compared once feedback arrives.
  await knex.schema.createTable('shadow_predictions', (t) => {
    t.uuid('request_id').notNullable();
    t.integer('row_index').notNullable();
    t.string('model', 120).notNullable();
    t.bigInteger('version_id').notNullable();
    t.jsonb('outputs').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['request_id', 'row_index', 'version_id']);
    t.index(['model', 'version_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'shadow_predictions',
    'shadow_windows',
    'serving_stats',
    'deployment_events',
    'deployment_routes',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
