import type { Command } from 'commander';
import type { z } from 'zod';
import type { CreatedKey, KeyView, ListKeysResponse } from '../../api/schemas/admin';
import { migrateLatest } from '../../infra/migrations';
import { recordAudit } from '../../lib/audit';
import { countActiveAdmins, createApiKey, ensureUserPrincipal } from '../../lib/auth';
import { loadConfig } from '../../lib/config';
import { createDb } from '../../lib/db';
import { commandApi, type CliContext } from '../context';
import { printJson, printTable } from '../output';

function announce(
  ctx: CliContext,
  json: boolean,
  created: { key: string; id: string; name: string; role: string },
): void {
  if (json) return printJson(ctx.io, created);
  ctx.io.out.write(`${created.key}\n`);
  ctx.io.err.write(`key ${created.id} for ${created.name} (${created.role}): store it now, it is not shown again\n`);
}

export function registerKeyCommands(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('API keys (admin)');

  keys
    .command('create <principal>')
    .description('create a key held by <principal> (the identity approver lists and audit rows name)')
    .requiredOption('--role <role>', 'viewer, operator, approver, admin or predictor')
    .option('--expires <iso-date>', 'expiry, e.g. 2027-01-01T00:00:00Z')
    .option('--label <text>', 'what the key is for, e.g. laptop or ci')
    .option('--new-principal', 'also create the principal (refused when it exists)')
    .action(
      async (
        name: string,
        o: { role: string; expires?: string; label?: string; newPrincipal?: boolean },
        command: Command,
      ) => {
        const { client, json } = commandApi(ctx, command);
        const created = await client.request<z.infer<typeof CreatedKey>>('POST', '/v1/keys', {
          body: {
            principal: name,
            role: o.role,
            expiresAt: o.expires,
            label: o.label,
            createPrincipal: Boolean(o.newPrincipal),
          },
        });
        announce(ctx, json, created);
      },
    );

  keys
    .command('list')
    .description('keys and their roles (never their secrets)')
    .action(async (_o: unknown, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request<z.infer<typeof ListKeysResponse>>('GET', '/v1/keys');
      if (json) printJson(ctx.io, result);
      else
        printTable(ctx.io, result.items, [
          'id',
          'name',
          'role',
          'createdBy',
          'createdAt',
          'expiresAt',
          'revokedAt',
          'lastUsedAt',
        ]);
    });

  keys
    .command('revoke <keyId>')
    .description('revoke a key at once')
    .action(async (id: string, _o: unknown, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request<z.infer<typeof KeyView>>('DELETE', `/v1/keys/${encodeURIComponent(id)}`);
      if (json) printJson(ctx.io, result);
      else ctx.io.out.write(`${id}: revoked\n`);
    });

  keys
    .command('bootstrap <name>')
    .description('create the first admin key directly in the database (DATABASE_URL); refused once an admin key exists')
    .option('--force', 'create another admin key even though one exists')
    .action(async (name: string, o: { force?: boolean }, command: Command) => {
      const { json } = commandApi(ctx, command);
      const config = loadConfig(ctx.env);
      const db = createDb({ url: config.database.url, poolMax: 1, applicationName: 'mlops-cli' });
      try {
        await migrateLatest(db);
        if (!o.force && (await countActiveAdmins(db)) > 0) {
          throw new Error(
            'An admin key already exists: create keys with `mlops keys create` as an admin (or pass --force).',
          );
        }
        await ensureUserPrincipal(db, name, 'cli:bootstrap');
        const { key, info } = await createApiKey(db, { principal: name, role: 'admin', createdBy: 'cli:bootstrap' });
        await recordAudit(db, {
          actor: 'cli:bootstrap',
          action: 'key.create',
          target: `key:${info.id}`,
          details: { principal: name, role: 'admin' },
        });
        announce(ctx, json, { key, id: info.id, name: info.principal_id, role: info.role });
      } finally {
        await db.destroy();
      }
    });
}
