import type { Knex } from 'knex';

// Experiment tracking that outlives Temporal's retention: what each run was made of (resolved spec by hash, code
// version, data version, seeds), what each candidate was (kind, hyperparameters, backend) and what it scored on the
// validation and test splits (with permutation importance of the raw input columns). Re-runs pin the data version
// an earlier run used; retention marks what it removed instead of forgetting the run.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('resolved_specs', (t) => {
    t.string('hash', 64).primary(); // sha256 of the canonical JSON of the spec with the run's parameters applied
    t.string('pipeline', 120).notNullable();
    t.jsonb('content').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.alterTable('pipeline_runs', (t) => {
    t.string('resolved_spec_hash', 64).references('resolved_specs.hash');
    t.string('code_version', 200); // of the orchestration worker that started the run
    t.string('data_version', 64).index(); // sha256 of the raw bytes the run ingested
    t.jsonb('seeds').notNullable().defaultTo('{}');
    t.string('rerun_of', 200).index(); // the run this one repeats
    t.string('pinned_data_version', 64); // set by the API for re-runs: ingest reads this lake object
    t.timestamp('artifacts_removed_at', { useTz: true }); // retention removed its ABT, checkpoints and artefacts
  });

  await knex.schema.createTable('run_candidates', (t) => {
    t.string('run_id', 200).notNullable().references('pipeline_runs.run_id').onDelete('CASCADE');
    t.string('candidate', 120).notNullable();
    t.string('kind', 60).notNullable();
    t.jsonb('hyperparameters').notNullable().defaultTo('{}');
    t.bigInteger('seed');
    t.string('backend', 40);
    t.string('code_version', 200); // of the training worker
    t.integer('epochs_run');
    t.boolean('stopped_early');
    t.integer('resumed_from_epoch');
    t.integer('attempt');
    t.double('train_seconds');
    t.double('evaluate_seconds');
    t.jsonb('validation_metrics');
    t.jsonb('test_metrics');
    t.integer('validation_rows');
    t.integer('test_rows');
    t.jsonb('importance'); // permutation importance of the raw input columns on the test split
    t.boolean('best').notNullable().defaultTo(false);
    t.bigInteger('model_artifact_id');
    t.timestamp('trained_at', { useTz: true });
    t.timestamp('evaluated_at', { useTz: true });
    t.primary(['run_id', 'candidate']);
  });

  await knex.schema.alterTable('artifacts', (t) => {
    t.timestamp('deleted_at', { useTz: true }); // the object (or ABT table) was removed by retention
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('artifacts', (t) => {
    t.dropColumn('deleted_at');
  });
  await knex.schema.dropTableIfExists('run_candidates');
  await knex.schema.alterTable('pipeline_runs', (t) => {
    for (const column of [
      'resolved_spec_hash',
      'code_version',
      'data_version',
      'seeds',
      'rerun_of',
      'pinned_data_version',
      'artifacts_removed_at',
    ]) {
      t.dropColumn(column);
    }
  });
  await knex.schema.dropTableIfExists('resolved_specs');
}
