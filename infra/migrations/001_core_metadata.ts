import type { Knex } from 'knex';

// The metadata store: runs and their steps, artifacts with lineage, the step cache, the model registry with its
// stage history, deployment slots and the audit log. Every writer keys its rows by workflow id + step (+ candidate)
// so that a retried activity updates its own row instead of adding one.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('pipeline_runs', (t) => {
    t.string('run_id', 200).primary(); // the Temporal workflow id
    t.string('pipeline', 120).notNullable().index();
    t.string('spec_hash', 64).notNullable();
    t.string('status', 32).notNullable().defaultTo('running').index();
    t.string('phase', 32).notNullable().defaultTo('dev');
    t.string('trigger', 32).notNullable().defaultTo('manual');
    t.jsonb('params').notNullable().defaultTo('{}');
    t.jsonb('summary').notNullable().defaultTo('{}');
    t.text('error');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('ended_at', { useTz: true });
  });

  await knex.schema.createTable('step_executions', (t) => {
    t.bigIncrements('id');
    t.string('run_id', 200).notNullable().references('pipeline_runs.run_id').onDelete('CASCADE');
    t.string('step', 120).notNullable();
    t.integer('attempt').notNullable().defaultTo(1);
    t.string('status', 32).notNullable(); // running | succeeded | failed | cached | skipped
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('ended_at', { useTz: true });
    t.text('error');
    t.jsonb('details').notNullable().defaultTo('{}');
    t.unique(['run_id', 'step', 'attempt']);
  });

  await knex.schema.createTable('artifacts', (t) => {
    t.bigIncrements('id');
    t.string('run_id', 200).references('pipeline_runs.run_id').onDelete('SET NULL');
    t.string('step', 120).notNullable();
    t.string('name', 200).notNullable();
    t.string('kind', 40).notNullable(); // raw_dataset | validation_report | transform | abt | model | report | ...
    t.text('uri').notNullable();
    t.string('store_key', 1024);
    t.string('sha256', 64);
    t.bigInteger('size_bytes');
    t.jsonb('metadata').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['run_id', 'step', 'name']);
    t.index(['sha256']);
  });

  await knex.schema.createTable('lineage_edges', (t) => {
    t.bigIncrements('id');
    t.bigInteger('from_artifact_id').notNullable().references('artifacts.id').onDelete('CASCADE');
    t.bigInteger('to_artifact_id').notNullable().references('artifacts.id').onDelete('CASCADE');
    t.string('relation', 40).notNullable(); // derived_from | trained_on | evaluated_on | ...
    t.string('run_id', 200);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['from_artifact_id', 'to_artifact_id', 'relation']);
  });

  await knex.schema.createTable('step_cache', (t) => {
    t.string('cache_key', 64).primary(); // sha256(step, raw data hash, spec section)
    t.string('step', 120).notNullable();
    t.string('producer_run_id', 200).notNullable();
    t.jsonb('outputs').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('hits').notNullable().defaultTo(0);
  });

  await knex.schema.createTable('models', (t) => {
    t.string('name', 120).primary();
    t.string('task', 32).notNullable();
    t.text('description');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('model_versions', (t) => {
    t.bigIncrements('id');
    t.string('model_name', 120).notNullable().references('models.name').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.string('run_id', 200).notNullable();
    t.string('candidate', 120).notNullable();
    t.string('stage', 32).notNullable().defaultTo('none'); // none | staging | production | archived
    t.jsonb('metrics').notNullable().defaultTo('{}');
    t.jsonb('lineage').notNullable().defaultTo('{}');
    t.bigInteger('model_artifact_id').references('artifacts.id');
    t.bigInteger('transform_artifact_id').references('artifacts.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['model_name', 'version']);
    t.unique(['run_id', 'candidate']);
  });

  await knex.schema.createTable('model_stage_transitions', (t) => {
    t.bigIncrements('id');
    t.bigInteger('model_version_id').notNullable().references('model_versions.id').onDelete('CASCADE');
    t.string('from_stage', 32).notNullable();
    t.string('to_stage', 32).notNullable();
    t.string('actor', 200).notNullable();
    t.text('reason');
    t.string('idempotency_key', 300).unique();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('deployments', (t) => {
    t.string('model_name', 120).notNullable().references('models.name').onDelete('CASCADE');
    t.string('slot', 32).notNullable(); // staging | production
    t.bigInteger('model_version_id').notNullable().references('model_versions.id');
    t.bigInteger('previous_version_id').references('model_versions.id');
    t.string('deployed_by', 200).notNullable();
    t.string('run_id', 200);
    t.timestamp('deployed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['model_name', 'slot']);
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.string('actor', 200).notNullable();
    t.string('action', 60).notNullable(); // approve | reject | promote | rollback | key.create | ...
    t.string('target', 300).notNullable();
    t.text('reason');
    t.jsonb('details').notNullable().defaultTo('{}');
    t.string('idempotency_key', 300).unique();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['target']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'audit_log',
    'deployments',
    'model_stage_transitions',
    'model_versions',
    'models',
    'step_cache',
    'lineage_edges',
    'artifacts',
    'step_executions',
    'pipeline_runs',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
