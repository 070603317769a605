import type { Command } from 'commander';
import type { z } from 'zod';
import type { ShadowStateResponse, StartShadowResponse } from '../../api/schemas/delivery';
import { commandApi, type CliContext } from '../context';
import { printFields, printJson, printTable } from '../output';

const pct = (v: number | null) => (v === null ? '' : `${(v * 100).toFixed(1)} %`);
const num = (v: number | null, digits = 3) => (v === null ? '' : v.toFixed(digits));

export function registerShadowCommands(program: Command, ctx: CliContext): void {
  const shadow = program
    .command('shadow <model>')
    .description('shadow comparison of a model: per-window agreement, deltas, latency, live quality')
    .option('--hours <n>', 'windows of the last N hours', '24')
    .action(async (model: string, o: { hours: string }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const report = await client.request<z.infer<typeof ShadowStateResponse>>(
        'GET',
        `/v1/models/${encodeURIComponent(model)}/shadow`,
        { query: { hours: o.hours } },
      );
      if (json) return printJson(ctx.io, report);
      printFields(ctx.io, {
        shadow: report.shadow
          ? `v${report.shadow.version} beside production v${report.shadow.productionVersion}`
          : null,
        startedBy: report.shadow?.startedBy ?? null,
      });
      ctx.io.out.write('\n');
      printTable(
        ctx.io,
        report.windows.map((w) => ({
          window: w.windowStart,
          versions: `v${w.productionVersion} / v${w.shadowVersion}`,
          rows: w.rows,
          agreement: pct(w.agreement),
          meanDelta: num(w.meanDelta),
          p95ms: `${w.productionLatencyMsP95 ?? ''} / ${w.shadowLatencyMsP95 ?? ''}`,
          errors: w.shadowErrors,
        })),
        ['window', 'versions', 'rows', 'agreement', 'meanDelta', 'p95ms', 'errors'],
      );
      for (const q of report.liveQuality) {
        ctx.io.out.write(
          `\nlive quality, ${q.labelledRows} labelled rows: production ${pct(q.productionAccuracy)}, shadow v${q.shadowVersion} ${pct(q.shadowAccuracy)}\n`,
        );
      }
    });

  shadow
    .command('start <model> <version>')
    .description('shadow production with a version (approver; audited)')
    .requiredOption('-r, --reason <text>', 'why (recorded in the audit log)')
    .action(async (model: string, version: string, o: { reason: string }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request<z.infer<typeof StartShadowResponse>>(
        'POST',
        `/v1/models/${encodeURIComponent(model)}/shadow`,
        { body: { version: Number(version), reason: o.reason } },
      );
      if (json) return printJson(ctx.io, result);
      ctx.io.out.write(`v${result.version} now shadows ${result.model} production v${result.productionVersion}\n`);
    });

  shadow
    .command('stop <model>')
    .description('stop shadowing (approver; audited)')
    .requiredOption('-r, --reason <text>', 'why (recorded in the audit log)')
    .action(async (model: string, o: { reason: string }, command: Command) => {
      const { client } = commandApi(ctx, command);
      await client.request('POST', `/v1/models/${encodeURIComponent(model)}/shadow/stop`, {
        body: { reason: o.reason },
      });
      ctx.io.out.write(`shadow of ${model} stopped\n`);
    });
}
