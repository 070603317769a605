import type { Knex } from 'knex';

// Model monitoring: one report per window per monitored version (every statistic kept, drifted or not), and the
// alerts raised from them, linked to the retraining run they started.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('monitoring_reports', (t) => {
    t.bigIncrements('id');
    t.string('monitor_id', 200).notNullable(); // the monitor workflow id
    t.string('model', 120).notNullable();
    t.bigInteger('version_id').notNullable().references('model_versions.id').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.integer('window_index').notNullable();
    t.timestamp('window_start', { useTz: true }).notNullable();
    t.timestamp('window_end', { useTz: true }).notNullable();
    t.integer('samples').notNullable();
    t.boolean('drifted').notNullable();
    t.specificType('drifted_features', 'text[]').notNullable().defaultTo('{}');
    t.jsonb('feature_drift').notNullable(); // every feature's PSI/KS/chi²/JS, always
    t.jsonb('prediction_drift');
    t.jsonb('live_quality');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['monitor_id', 'window_index']);
    t.index(['model', 'created_at']);
  });

  await knex.schema.createTable('alerts', (t) => {
    t.bigIncrements('id');
    t.string('model', 120).notNullable().index();
    t.bigInteger('version_id').notNullable().references('model_versions.id').onDelete('CASCADE');
    t.bigInteger('report_id').references('monitoring_reports.id').onDelete('SET NULL');
    t.string('kind', 20).notNullable(); // drift | quality
    t.string('status', 20).notNullable().defaultTo('open'); // open | acknowledged
    t.text('message').notNullable();
    t.jsonb('details').notNullable().defaultTo('{}');
    t.string('action', 20).notNullable(); // retrain | notify
    t.string('retraining_run_id', 200);
    t.jsonb('notification').notNullable().defaultTo('{}');
    t.string('acknowledged_by', 200);
    t.timestamp('acknowledged_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['report_id', 'kind']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('alerts');
  await knex.schema.dropTableIfExists('monitoring_reports');
}
