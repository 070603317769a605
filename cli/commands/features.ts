import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type {
  ApplyResponse,
  FeatureViewDetail,
  ListEntitiesResponse,
  ListViewsResponse,
  MaterializeResponse,
  OnlineReadResponse,
  ScheduleResponse,
  ViewDriftResponse,
} from '../../api/schemas/features';
import { collect, commandApi, type CliContext } from '../context';
import { printFields, printJson, printTable } from '../output';

/** A definitions file as an object: YAML (or JSON, which is YAML too); errors name the file. */
export function readDefinitionsFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    throw new Error(`${file} is not valid YAML: ${(err as Error).message}`);
  }
}

/** `customer_id=42,region=north` → { customer_id: '42', region: 'north' } (one entity row). */
function parseEntity(text: string): Record<string, string> {
  const row: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--entity "${text}" must look like key=value[,key=value] (e.g. customer_id=42)`);
    row[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return row;
}

export function registerFeatureCommands(program: Command, ctx: CliContext): void {
  const features = program.command('features').description('the feature store: definitions, materialization, lookup');
  const path = (view: string, action = '') => `/v1/features/views/${encodeURIComponent(view)}${action}`;

  features
    .command('apply <file>')
    .description('register the entities and feature views of a YAML file (admin; a new version per change)')
    .option('--reason <text>', 'why (kept in the audit log)')
    .action(async (file: string, o: { reason?: string }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request<z.infer<typeof ApplyResponse>>('POST', '/v1/features/apply', {
        body: { definitions: readDefinitionsFile(file), reason: o.reason, source: basename(file) },
      });
      if (json) return printJson(ctx.io, result);
      const rows = [
        ...result.entities.map((e) => ({ kind: 'entity', ...e })),
        ...result.featureViews.map((v) => ({ kind: 'feature view', ...v })),
      ].map((r) => ({ ...r, hash: r.hash.slice(0, 12) }));
      printTable(ctx.io, rows, ['kind', 'name', 'version', 'status', 'hash']);
    });

  features
    .command('list')
    .description('feature views with owner, source, TTL, materialization watermark and runs using them')
    .action(async (_o: unknown, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request<z.infer<typeof ListViewsResponse>>('GET', '/v1/features/views');
      if (json) return printJson(ctx.io, result);
      const rows = result.items.map((v) => ({
        name: v.name,
        version: v.version,
        owner: v.owner,
        entities: v.entities.join(','),
        source: v.source,
        features: v.features.length,
        ttl: v.ttl,
        watermark: v.materialization?.watermark ?? null,
        runs: v.runsUsing,
      }));
      printTable(ctx.io, rows, [
        'name',
        'version',
        'owner',
        'entities',
        'source',
        'features',
        'ttl',
        'watermark',
        'runs',
      ]);
    });

  features
    .command('entities')
    .description('entities and their join keys')
    .action(async (_o: unknown, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request<z.infer<typeof ListEntitiesResponse>>('GET', '/v1/features/entities');
      if (json) return printJson(ctx.io, result);
      const rows = result.items.map((e) => ({
        ...e,
        joinKeys: e.joinKeys.map((k) => `${k.name}:${k.type}`).join(','),
      }));
      printTable(ctx.io, rows, ['name', 'version', 'joinKeys', 'appliedBy', 'appliedAt']);
    });

  features
    .command('show <view>')
    .description('a view: definition, versions, lineage (runs and models), materializations')
    .option('--version <n>', 'a version (default: the latest)')
    .action(async (view: string, o: { version?: string }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const d = await client.request<z.infer<typeof FeatureViewDetail>>('GET', path(view), {
        query: { version: o.version },
      });
      if (json) return printJson(ctx.io, d);
      printFields(ctx.io, {
        view: `${d.name} v${d.version} (${d.hash.slice(0, 12)})`,
        owner: d.owner,
        description: d.description,
        source: d.source,
        joinKeys: d.joinKeys.map((k) => k.name).join(', '),
        features: d.features.map((f) => `${f.name}:${f.type}`).join(', '),
        ttl: d.ttl,
        online: d.online,
        watermark: d.materialization?.watermark ?? null,
        versions: d.versions.map((v) => `v${v.version} by ${v.appliedBy} at ${v.appliedAt}`).join('; '),
        usedBy:
          d.lineage
            .map((l) => `${l.runId} (v${l.version}${l.models.map((m) => `, ${m.model} v${m.version}`).join('')})`)
            .join('; ') || null,
      });
    });

  features
    .command('materialize <view>')
    .description('write what changed since the watermark into the online store (a Temporal workflow)')
    .option('--full-refresh', 're-read the whole source')
    .action(async (view: string, o: { fullRefresh?: boolean }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request<z.infer<typeof MaterializeResponse>>('POST', path(view, '/materialize'), {
        body: { fullRefresh: o.fullRefresh === true },
      });
      if (json) return printJson(ctx.io, result);
      printFields(ctx.io, { workflowId: result.workflowId, started: result.started, temporal: result.links.temporal });
    });

  features
    .command('schedule <view>')
    .description('materialize on a schedule (replaces the current one)')
    .option('--every <interval>', "e.g. '15m', '1h'")
    .option('--cron <expression>', 'cron expression in UTC')
    .option('--paused', 'create it paused')
    .action(async (view: string, o: { every?: string; cron?: string; paused?: boolean }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request<z.infer<typeof ScheduleResponse>>('POST', path(view, '/schedule'), {
        body: { interval: o.every, cron: o.cron, paused: o.paused === true },
      });
      if (json) return printJson(ctx.io, result);
      printFields(ctx.io, { ...result, nextRunTimes: result.nextRunTimes.slice(0, 3).join(', ') });
    });

  features
    .command('unschedule <view>')
    .description("delete a view's materialization schedule")
    .action(async (view: string, _o: unknown, command: Command) => {
      const { client } = commandApi(ctx, command);
      await client.request('DELETE', path(view, '/schedule'));
      ctx.io.out.write(`schedule of ${view} deleted\n`);
    });

  features
    .command('online <view>')
    .description('latest values from the online store for entity keys')
    .requiredOption('-e, --entity <key=value,...>', 'an entity row (repeatable), e.g. -e customer_id=42', collect, [])
    .action(async (view: string, o: { entity: string[] }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request<z.infer<typeof OnlineReadResponse>>('POST', path(view, '/online'), {
        body: { entities: o.entity.map(parseEntity) },
      });
      if (json) return printJson(ctx.io, result);
      const columns = Object.keys(result.rows[0] ?? {});
      printTable(ctx.io, result.rows, columns);
      for (const w of result.warnings) {
        ctx.io.err.write(
          `warning: row ${w.row}: ${w.kind} ${w.features.join(', ')}${w.eventTime ? ` (value from ${w.eventTime})` : ''}\n`,
        );
      }
    });

  features
    .command('drift <view>')
    .description("drift of a view's columns in the models trained with it (latest monitoring window)")
    .action(async (view: string, _o: unknown, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request<z.infer<typeof ViewDriftResponse>>('GET', path(view, '/drift'));
      if (json) return printJson(ctx.io, result);
      const rows = result.columns.map((c) => ({
        column: c.column,
        model: `${c.model} v${c.modelVersion}`,
        view: `v${c.viewVersion}`,
        psi: c.windows[0]?.psi ?? null,
        drifted: c.windows[0]?.drifted ?? null,
        samples: c.windows[0]?.samples ?? null,
      }));
      printTable(ctx.io, rows, ['column', 'model', 'view', 'psi', 'drifted', 'samples']);
    });
}
