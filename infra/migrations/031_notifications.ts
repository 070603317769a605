import type { Knex } from 'knex';

// Notification channels (the only destinations notifications are ever sent to: admins set them through the API)
// and one delivery row per event and channel, so a retried send never delivers twice.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notification_channels', (t) => {
    t.bigIncrements('id');
    t.string('name', 100).notNullable().unique();
    t.string('kind', 20).notNullable(); // webhook | slack | email
    t.jsonb('config').notNullable(); // destination and credentials; never returned in full by the API
    t.specificType('events', 'text[]').notNullable();
    t.specificType('pipelines', 'text[]').notNullable().defaultTo('{}'); // empty: every pipeline
    t.boolean('enabled').notNullable().defaultTo(true);
    t.string('created_by', 200).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('updated_by', 200);
    t.timestamp('updated_at', { useTz: true });
  });

  await knex.schema.createTable('notification_deliveries', (t) => {
    t.bigIncrements('id');
    t.bigInteger('channel_id').notNullable().references('notification_channels.id').onDelete('CASCADE');
    t.string('dedupe_key', 300).notNullable(); // workflow id + activity id, or the caller's key
    t.string('event', 40).notNullable();
    t.string('status', 20).notNullable(); // delivered | failed
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.string('run_id', 200);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('delivered_at', { useTz: true });
    t.unique(['channel_id', 'dedupe_key']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('notification_deliveries');
  await knex.schema.dropTableIfExists('notification_channels');
}
