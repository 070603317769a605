import type { Command } from 'commander';
import type { z } from 'zod';
import type {
  CompareResponse,
  ImportanceResponse,
  LineageResponse,
  ListRunsResponse,
  RerunResponse,
  RetentionResponse,
  TrackedRunView,
} from '../../api/schemas/tracking';
import { parseLineageRef } from '../../lib/tracking/lineage';
import { collect, commandApi, parseParams, type CliContext } from '../context';
import { printFields, printJson, printTable } from '../output';

// `mlops runs ...`: experiment tracking. Search and sort runs by metric, compare runs, show what a run was made of,
// its permutation importance, and re-run one exactly.

function fixed(value: number | null | undefined): string | null {
  return value === null || value === undefined ? null : Number.isInteger(value) ? String(value) : value.toFixed(4);
}

function short(value: string | null): string | null {
  return value ? value.slice(0, 12) : null;
}

export function registerTrackingCommands(program: Command, ctx: CliContext): void {
  const runs = program.command('runs').description('tracked runs: search, compare, show, importance, re-run');

  runs
    .command('list')
    .description('runs with the chosen candidate metrics, newest first or sorted by a metric')
    .option('--pipeline <name>', 'only this pipeline')
    .option('--status <status>', 'only this status')
    .option('--trigger <trigger>', 'only this trigger (api, schedule, drift, rerun, ...)')
    .option('--param <name=value>', 'only runs with this declared parameter value (repeatable)', collect, [])
    .option('--metric <bound>', 'a bound such as f1_macro>=0.7 (repeatable)', collect, [])
    .option('--sort <metric>', "a metric name, or 'started'", 'started')
    .option('--desc', 'highest first (default)')
    .option('--asc', 'lowest first')
    .option('--limit <n>', 'page size (1-100)', '20')
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .action(
      async (
        o: {
          pipeline?: string;
          status?: string;
          trigger?: string;
          param: string[];
          metric: string[];
          sort: string;
          asc?: boolean;
          limit: string;
          cursor?: string;
        },
        command: Command,
      ) => {
        const { client, json } = commandApi(ctx, command);
        const page = await client.request<z.infer<typeof ListRunsResponse>>('GET', '/v1/runs', {
          query: {
            pipeline: o.pipeline,
            status: o.status,
            trigger: o.trigger,
            param: o.param,
            metric: o.metric,
            sort: o.sort,
            order: o.asc ? 'asc' : 'desc',
            limit: o.limit,
            cursor: o.cursor,
          },
        });
        if (json) return printJson(ctx.io, page);
        const names = o.sort === 'started' ? [] : [o.sort];
        const shown = [...new Set([...names, ...page.items.flatMap((r) => Object.keys(r.metrics))])].slice(0, 4);
        printTable(
          ctx.io,
          page.items.map((r) => ({ ...r, ...Object.fromEntries(shown.map((m) => [m, fixed(r.metrics[m])])) })),
          ['runId', 'status', 'trigger', 'best', ...shown, 'startedAt'],
        );
        if (page.nextCursor) ctx.io.out.write(`\nmore: mlops runs list --cursor ${page.nextCursor} (same options)\n`);
      },
    );

  runs
    .command('compare <runIds...>')
    .description('runs side by side: what differs (parameters, hyperparameters, spec, data, code) and their metrics')
    .action(async (runIds: string[], _o: unknown, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request<z.infer<typeof CompareResponse>>('GET', '/v1/runs/compare', {
        query: { ids: runIds.join(',') },
      });
      if (json) return printJson(ctx.io, result);
      const ids = result.runs.map((r) => r.runId);
      const row = (label: string, values: Record<string, unknown>) => ({
        '': label,
        ...Object.fromEntries(ids.map((id) => [id, values[id]])),
      });
      const byRun = (f: (r: (typeof result.runs)[number]) => unknown) =>
        Object.fromEntries(result.runs.map((r) => [r.runId, f(r)]));
      const rows = [
        row(
          'best',
          byRun((r) => r.best),
        ),
        row(
          'spec',
          byRun((r) => short(r.resolvedSpecHash)),
        ),
        row(
          'data',
          byRun((r) => short(r.dataVersion)),
        ),
        row(
          'code',
          byRun((r) => r.codeVersion),
        ),
        ...result.params.map((p) => row(`param ${p.name}`, p.values)),
        ...result.hyperparameters.map((p) => row(p.name, p.values)),
        ...result.metrics.map((m) =>
          row(`test ${m.metric}`, Object.fromEntries(Object.entries(m.test).map(([k, v]) => [k, fixed(v)]))),
        ),
        ...result.metrics
          .filter((m) => Object.values(m.validation).some((v) => v !== null))
          .map((m) =>
            row(
              `validation ${m.metric}`,
              Object.fromEntries(Object.entries(m.validation).map(([k, v]) => [k, fixed(v)])),
            ),
          ),
        row(
          'epochs',
          byRun((r) => result.curves[r.runId]?.points.length ?? 0),
        ),
      ];
      printTable(ctx.io, rows, ['', ...ids]);
      const same = (['spec', 'data', 'code'] as const).filter((k) => !result.differs[k]);
      if (same.length > 0) ctx.io.out.write(`\nsame ${same.join(', ')} in every run\n`);
    });

  runs
    .command('show <runId>')
    .description('what a run was made of (spec, data, code, seeds, parameters) and what each candidate scored')
    .action(async (runId: string, _o: unknown, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const run = await client.request<z.infer<typeof TrackedRunView>>(
        'GET',
        `/v1/runs/${encodeURIComponent(runId)}/tracking`,
      );
      if (json) return printJson(ctx.io, run);
      printFields(ctx.io, {
        run: run.runId,
        pipeline: run.pipeline,
        status: run.status,
        trigger: run.trigger,
        rerunOf: run.rerunOf,
        spec: `v${run.specVersion ?? '?'} ${short(run.specHash)} (resolved ${short(run.resolvedSpecHash)})`,
        data: run.dataVersion,
        code: run.codeVersion,
        seeds: run.seeds,
        params: run.params,
        seconds: run.durationSeconds,
      });
      ctx.io.out.write('\n');
      printTable(
        ctx.io,
        run.candidates.map((c) => ({
          ...c,
          best: c.best ? 'yes' : '',
          test: Object.entries(c.testMetrics ?? {})
            .map(([k, v]) => `${k}=${fixed(v)}`)
            .join(' '),
          top: c.importance?.columns[0]?.column ?? null,
        })),
        ['candidate', 'kind', 'backend', 'epochsRun', 'trainSeconds', 'best', 'test', 'top'],
      );
    });

  runs
    .command('importance <runId>')
    .description('permutation importance of the raw input columns on the test split')
    .option('--candidate <name>', 'this candidate (default: the chosen one)')
    .action(async (runId: string, o: { candidate?: string }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request<z.infer<typeof ImportanceResponse>>(
        'GET',
        `/v1/runs/${encodeURIComponent(runId)}/importance`,
      );
      if (json) return printJson(ctx.io, result);
      const name = o.candidate ?? result.best;
      const candidate = result.candidates.find((c) => c.candidate === name);
      if (!candidate?.importance) {
        ctx.io.err.write(`no permutation importance for candidate ${String(name)} of run ${runId}\n`);
        ctx.exitCode = 1;
        return;
      }
      const p = candidate.importance;
      ctx.io.out.write(`${candidate.candidate}: drop of ${p.metric} from ${fixed(p.baseline)} (${p.rows} rows)\n`);
      printTable(
        ctx.io,
        p.columns.map((c) => ({ ...c, importance: fixed(c.importance), std: fixed(c.std) })),
        ['column', 'importance', 'std', 'features'],
      );
    });

  runs
    .command('rerun <runId>')
    .description('re-run on the same spec version, data version and parameters')
    .option('-p, --param <name=value>', 'override a declared parameter (repeatable)', collect, [])
    .option('--data-version <sha256>', 'train on another data version of the lake')
    .action(async (runId: string, o: { param: string[]; dataVersion?: string }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request<z.infer<typeof RerunResponse>>(
        'POST',
        `/v1/runs/${encodeURIComponent(runId)}/rerun`,
        { body: { params: parseParams(o.param), ...(o.dataVersion ? { dataVersion: o.dataVersion } : {}) } },
      );
      if (json) return printJson(ctx.io, result);
      ctx.io.out.write(`${result.runId} (re-run of ${result.rerunOf} on data ${short(result.dataVersion)})\n`);
    });

  program
    .command('lineage <ref>')
    .description('lineage graph: <model>@<n>, a run id, a data version (sha256) or <kind>/<id>')
    .option('--up', 'only what it was made from')
    .option('--down', 'only what was made from it')
    .option('--depth <n>', 'hops (1-20)', '10')
    .action(async (ref: string, o: { up?: boolean; down?: boolean; depth: string }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const { kind, id } = parseLineageRef(ref);
      const direction = o.up && !o.down ? 'up' : o.down && !o.up ? 'down' : 'both';
      const graph = await client.request<z.infer<typeof LineageResponse>>(
        'GET',
        `/v1/lineage/${kind}/${encodeURIComponent(id)}`,
        { query: { direction, depth: o.depth } },
      );
      if (json) return printJson(ctx.io, graph);
      const into = (node: string) =>
        graph.edges
          .filter((e) => e.to === node || e.from === node)
          .map((e) => (e.to === node ? `<-${e.relation}- ${e.from}` : `-${e.relation}-> ${e.to}`));
      const summary = (a: Record<string, unknown>) =>
        ['status', 'stage', 'slot', 'pipeline', 'kind', 'message']
          .filter((k) => a[k] !== undefined && a[k] !== null)
          .map((k) => `${k}=${String(a[k])}`)
          .join(' ');
      printTable(
        ctx.io,
        graph.nodes.map((n) => ({
          ...n,
          node: `${n.kind}/${n.id}`,
          about: summary(n.attributes),
          links: into(`${n.kind}/${n.id}`).length,
        })),
        ['depth', 'node', 'about', 'links'],
      );
      if (graph.truncated) ctx.io.out.write('\n(truncated at 500 nodes: ask with a smaller --depth)\n');
    });

  program
    .command('retention')
    .description(
      'admin: remove ABT tables, checkpoints and artefacts of old runs (never of deployed or promoted versions)',
    )
    .requiredOption('--older-than-days <n>', 'runs that ended more than n days ago')
    .option('--pipeline <name>', 'only this pipeline')
    .option('--dry-run', 'report what would be removed, remove nothing')
    .option('--limit <n>', 'at most n runs per call', '200')
    .action(
      async (o: { olderThanDays: string; pipeline?: string; dryRun?: boolean; limit: string }, command: Command) => {
        const { client, json } = commandApi(ctx, command);
        const report = await client.request<z.infer<typeof RetentionResponse>>('POST', '/v1/admin/retention', {
          body: {
            olderThanDays: Number(o.olderThanDays),
            ...(o.pipeline ? { pipeline: o.pipeline } : {}),
            dryRun: Boolean(o.dryRun),
            limit: Number(o.limit),
          },
        });
        if (json) return printJson(ctx.io, report);
        printTable(
          ctx.io,
          report.runs.map((r) => ({ ...r, abtTables: r.abtTables.length })),
          ['runId', 'pipeline', 'endedAt', 'objects', 'bytes', 'abtTables'],
        );
        const f = report.freed;
        const mb = ((f.bytes + f.abtBytes) / 1048576).toFixed(1);
        ctx.io.out.write(
          `\n${report.dryRun ? 'would free' : 'freed'} ${f.objects} objects (${f.bytes} bytes) and ${f.abtTables} ABT ` +
            `tables (${f.abtBytes} bytes): ${mb} MiB; kept ${report.kept.length} old runs\n`,
        );
        for (const k of report.kept) ctx.io.out.write(`  kept ${k.runId}: ${k.reason}\n`);
      },
    );
}
