import type { Knex } from 'knex';

// What the API adds to the metadata store: hashed API keys, the sampled prediction log with its ground-truth
// feedback (the monitor reads both), and idempotency keys for run starts.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_keys', (t) => {
    t.string('id', 24).primary(); // the public part of the key, used for lookup
    t.string('name', 200).notNullable().index(); // the caller's identity in audit rows and approver lists
    t.string('role', 20).notNullable();
    t.string('secret_hash', 64).notNullable(); // sha256 of the secret part
    t.string('created_by', 200).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.timestamp('last_used_at', { useTz: true });
  });

  // One row per predicted input row, so that drift and live-quality checks read rows, not request batches.
  await knex.schema.createTable('prediction_log', (t) => {
    t.bigIncrements('id');
    t.string('model', 120).notNullable();
    t.bigInteger('version_id').notNullable().references('model_versions.id').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.string('slot', 32).notNullable();
    t.uuid('request_id').notNullable();
    t.integer('row_index').notNullable();
    t.jsonb('inputs').notNullable();
    t.jsonb('outputs').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['request_id', 'row_index']);
    t.index(['model', 'slot', 'created_at']);
    t.index(['version_id', 'created_at']);
  });

  await knex.schema.createTable('feedback', (t) => {
    t.bigIncrements('id');
    t.bigInteger('prediction_id').notNullable().unique().references('prediction_log.id').onDelete('CASCADE');
    t.jsonb('label').notNullable(); // a class label (string) or a target value (number)
    t.string('submitted_by', 200).notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('api_idempotency_keys', (t) => {
    t.string('principal', 200).notNullable();
    t.string('key', 200).notNullable();
    t.string('request_hash', 64).notNullable();
    t.string('run_id', 200).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['principal', 'key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['api_idempotency_keys', 'feedback', 'prediction_log', 'api_keys']) {
    await knex.schema.dropTableIfExists(table);
  }
}
