import type { Knex } from 'knex';

// One row per completed training epoch and attempt: training curves for reports, and the evidence that a resumed
// attempt never re-ran an epoch that an earlier attempt had checkpointed.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('training_epochs', (t) => {
    t.bigIncrements('id');
    t.string('run_id', 200).notNullable().index();
    t.string('candidate', 120).notNullable();
    t.integer('epoch').notNullable();
    t.integer('attempt').notNullable();
    t.double('loss').notNullable();
    t.double('val_loss');
    t.jsonb('metrics').notNullable().defaultTo('{}');
    t.boolean('checkpointed').notNullable().defaultTo(false);
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['run_id', 'candidate', 'epoch', 'attempt']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('training_epochs');
}
