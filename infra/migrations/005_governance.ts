import type { Knex } from 'knex';

// Trust boundaries: principals are unique identities (an API key belongs to one; a JWT subject is one), audit rows
// name the key that acted, and pipeline specs are stored versioned by content hash, applied by a named principal.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('principals', (t) => {
    t.string('id', 200).primary(); // what approver lists, audit rows and run starters name
    t.string('kind', 20).notNullable(); // user (local, holds API keys) | jwt (a subject of the identity provider)
    t.string('display_name', 200);
    t.string('created_by', 200).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('disabled_at', { useTz: true });
  });
  // Keys so far named their holder; each distinct name becomes one local principal.
  await knex.raw(`
    insert into principals (id, kind, created_by, created_at)
    select name, 'user', min(created_by), min(created_at) from api_keys group by name
    on conflict do nothing`);
  await knex.schema.alterTable('api_keys', (t) => {
    t.string('principal_id', 200).references('principals.id');
    t.string('label', 200);
  });
  await knex.raw('update api_keys set principal_id = name');
  await knex.raw('alter table api_keys alter column principal_id set not null');

  await knex.schema.alterTable('audit_log', (t) => {
    t.string('key_id', 24); // the API key that acted (null for JWT callers and system actions)
    t.index(['actor']);
    t.index(['action']);
  });

  await knex.schema.createTable('pipeline_specs', (t) => {
    t.string('hash', 64).primary(); // sha256 of the canonical JSON of the spec as applied
    t.string('name', 120).notNullable();
    t.jsonb('content').notNullable();
    t.text('source_text'); // the YAML as written (comments kept), when applied from text
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('pipeline_spec_versions', (t) => {
    t.string('name', 120).notNullable();
    t.integer('version').notNullable();
    t.string('spec_hash', 64).notNullable().references('pipeline_specs.hash');
    t.string('applied_by', 200).notNullable();
    t.string('source', 300).notNullable(); // 'api' or file:<path>
    t.timestamp('applied_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['name', 'version']);
    t.index(['name', 'source']);
  });

  await knex.schema.alterTable('pipeline_runs', (t) => {
    t.integer('spec_version');
    t.string('started_by', 200);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('pipeline_runs', (t) => {
    t.dropColumn('spec_version');
    t.dropColumn('started_by');
  });
  await knex.schema.dropTableIfExists('pipeline_spec_versions');
  await knex.schema.dropTableIfExists('pipeline_specs');
  await knex.schema.alterTable('audit_log', (t) => {
    t.dropIndex(['actor']);
    t.dropIndex(['action']);
    t.dropColumn('key_id');
  });
  await knex.schema.alterTable('api_keys', (t) => {
    t.dropColumn('principal_id');
    t.dropColumn('label');
  });
  await knex.schema.dropTableIfExists('principals');
}
