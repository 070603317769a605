import type { Knex } from 'knex';

// Web console sessions: the browser holds a random token in an HttpOnly cookie; only its SHA-256 is stored, with the
// principal the API key or JWT gave at sign-in. A row ends at its absolute expiry, after its idle timeout, at
// sign-out, or when the API key behind it is revoked or expires.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('console_sessions', (t) => {
    t.string('id_hash', 64).primary(); // sha256 of the cookie's token
    t.string('principal_id', 200).notNullable().index();
    t.string('role', 20).notNullable();
    t.string('via', 20).notNullable(); // api-key | jwt | auth-disabled
    t.string('key_id', 24).references('api_keys.id').onDelete('CASCADE');
    t.string('user_agent', 300);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('console_sessions');
}
