import type { Command } from 'commander';
import type { RunValidation } from '../../api/schemas/run-failures';
import { commandApi, type CliContext } from '../context';
import { printFields, printJson, printTable } from '../output';

function samplesText(samples: RunValidation['failedChecks'][number]['samples']): string | null {
  return samples.map((s) => `line ${s.line}: ${JSON.stringify(s.value)}`).join('; ') || null;
}

export function registerRunFailureCommands(program: Command, ctx: CliContext): void {
  program
    .command('validation <runId>')
    .description("a run's data validation: every failed check and the quarantined rows with their line numbers")
    .option('--offset <n>', 'first quarantined row to show', '0')
    .option('--limit <n>', 'quarantined rows to show (1-1000)', '20')
    .action(async (runId: string, options: { offset: string; limit: string }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const v = await client.request<RunValidation>('GET', `/v1/runs/${encodeURIComponent(runId)}/validation`, {
        query: { offset: options.offset, limit: options.limit },
      });
      if (json) return printJson(ctx.io, v);
      printFields(ctx.io, {
        run: v.runId,
        verdict: v.passed ? 'passed' : 'failed',
        rows: v.rowsRead,
        accepted: v.rowsAccepted,
        quarantined: v.rowsQuarantined,
        checks: `${v.checks.failed} of ${v.checks.total} failed`,
      });
      ctx.io.out.write('\nfailed checks\n');
      printTable(
        ctx.io,
        v.failedChecks.map((c) => ({ ...c, samples: samplesText(c.samples) })),
        ['id', 'severity', 'failedCount', 'message', 'samples'],
      );
      ctx.io.out.write('\nquarantined rows\n');
      printTable(
        ctx.io,
        v.quarantine.samples.map((q) => ({
          line: q.line,
          reasons: q.reasons.map((r) => r.check).join(', '),
          row: JSON.stringify(q.row),
        })),
        ['line', 'reasons', 'row'],
      );
      if (v.quarantine.nextOffset !== null) {
        ctx.io.out.write(`\nmore: mlops validation ${v.runId} --offset ${v.quarantine.nextOffset}\n`);
      }
    });
}
