import type { Knex } from 'knex';

// A model version's input signature (lib/ml/signature.ts): the raw columns a request sends, their types, which are
// required, and the categories and ranges seen in training. Written at registration, checked on every predict.
// NULL for versions registered before: they are served with a signature reconstructed from their transforms.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('model_versions', (t) => {
    t.jsonb('signature');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('model_versions', (t) => {
    t.dropColumn('signature');
  });
}
