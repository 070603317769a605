import type { Knex } from 'knex';

// Batch scoring jobs (one row per job, keyed by its workflow id) and their chunks: a chunk's row is written in the
// same transaction as its PostgreSQL output rows (or after its S3 part), so a retried chunk sees it is done and a
// resumed job never writes a row twice. PostgreSQL outputs go to tables in the `batch_predictions` schema, which
// the application owns and the read-only data-source role cannot see.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('batch_jobs', (t) => {
    t.string('job_id', 200).primary(); // the Temporal workflow id
    t.string('model', 120).notNullable().index();
    t.bigInteger('version_id').references('model_versions.id').onDelete('SET NULL');
    t.integer('version');
    t.string('slot', 32); // when the version was chosen by slot
    t.string('requested_by', 200).notNullable();
    t.string('trigger', 32).notNullable().defaultTo('api'); // api | schedule
    t.jsonb('input').notNullable();
    t.jsonb('output').notNullable();
    t.jsonb('options').notNullable().defaultTo('{}');
    t.string('status', 32).notNullable().defaultTo('running'); // running | succeeded | failed | cancelled
    t.bigInteger('rows_total');
    t.bigInteger('rows_scored').notNullable().defaultTo(0);
    t.bigInteger('rows_rejected').notNullable().defaultTo(0);
    t.integer('chunks_total');
    t.text('output_location');
    t.text('rejects_location');
    t.text('error');
    t.jsonb('summary').notNullable().defaultTo('{}');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('ended_at', { useTz: true });
    t.index(['model', 'started_at']);
  });

  await knex.schema.createTable('batch_chunks', (t) => {
    t.string('job_id', 200).notNullable().references('batch_jobs.job_id').onDelete('CASCADE');
    t.integer('chunk_index').notNullable();
    t.bigInteger('first_row').notNullable(); // 1-based row number of the chunk's first data row
    t.integer('rows').notNullable();
    t.integer('scored').notNullable();
    t.integer('rejected').notNullable();
    t.integer('attempt').notNullable();
    t.double('seconds').notNullable();
    t.text('output_key');
    t.text('rejects_key');
    t.timestamp('completed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['job_id', 'chunk_index']);
  });

  await knex.raw('create schema if not exists batch_predictions');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop schema if exists batch_predictions cascade');
  await knex.schema.dropTableIfExists('batch_chunks');
  await knex.schema.dropTableIfExists('batch_jobs');
}
