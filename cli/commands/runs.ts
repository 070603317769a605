import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { z } from 'zod';
import type { DecisionResponse, RunDetail, StartRunResponse } from '../../api/schemas/runs';
import type { ListRunsResponse } from '../../api/schemas/tracking';
import { collect, commandApi, parseParams, type CliContext } from '../context';
import { printFields, printJson, printTable } from '../output';
import { createProgressRenderer } from '../progress';

const FAILED = new Set(['failed', 'rejected', 'gate_failed', 'rolled_back', 'cancelled', 'timed_out']);

/** Lines shown only when they say something: why a finished run ended, its gate, where to read more. */
function outcomeFields(run: RunDetail): Record<string, string> {
  const fields: Record<string, string | null | undefined> = {
    reason: run.reason && run.reason !== run.error ? run.reason : null,
    gate: run.gate ? (run.gate.passed ? 'passed' : 'failed') : null,
    validation: run.status === 'failed' && run.links.validation ? `mlops validation ${run.runId}` : null,
    report: run.status !== 'running' ? run.links.report : null,
  };
  return Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => Boolean(e[1])));
}

function printRun(ctx: CliContext, run: RunDetail): void {
  printFields(ctx.io, {
    run: run.runId,
    pipeline: run.pipeline,
    status: run.status,
    phase: run.phase,
    step: run.step,
    best: run.best,
    model: run.modelVersion ? `${run.modelVersion.model} v${run.modelVersion.version}` : null,
    approvers: run.approval ? run.approval.approvers.join(', ') || 'any approver' : null,
    decision: run.approval?.decision ? `${run.approval.decision.decision} by ${run.approval.decision.by}` : null,
    error: run.error,
    ...outcomeFields(run),
    started: run.startedAt,
    ended: run.endedAt,
    temporal: run.temporal?.uiUrl ?? null,
  });
  if (run.gate) {
    ctx.io.out.write('\n');
    printTable(ctx.io, run.gate.checks, ['check', 'passed', 'detail']);
  }
  const metrics = Object.entries(run.metrics).map(([candidate, values]) => ({ candidate, ...values }));
  if (metrics.length > 0) {
    ctx.io.out.write('\n');
    printTable(ctx.io, metrics, [...new Set(['candidate', ...metrics.flatMap((m) => Object.keys(m))])]);
  }
}

export function registerRunCommands(program: Command, ctx: CliContext): void {
  program
    .command('run <pipeline>')
    .description('start a pipeline run and follow it until it finishes or waits for approval')
    .option('-p, --param <name=value>', 'set a declared run parameter (repeatable), e.g. epochs=50', collect, [])
    .option('--params-file <file>', 'JSON object of parameter values (--param wins over it)')
    .option('--idempotency-key <key>', 'repeat-safe start: the same key returns the same run')
    .option('--no-wait', 'return as soon as the run has started')
    .action(
      async (
        pipeline: string,
        options: { param: string[]; paramsFile?: string; idempotencyKey?: string; wait: boolean },
        command: Command,
      ) => {
        const { client, json } = commandApi(ctx, command);
        const fromFile = options.paramsFile
          ? (JSON.parse(readFileSync(options.paramsFile, 'utf8')) as Record<string, unknown>)
          : {};
        const started = await client.request<z.infer<typeof StartRunResponse>>(
          'POST',
          `/v1/pipelines/${encodeURIComponent(pipeline)}/runs`,
          {
            body: { params: { ...fromFile, ...parseParams(options.param) } },
            headers: options.idempotencyKey ? { 'Idempotency-Key': options.idempotencyKey } : {},
          },
        );
        if (!options.wait) {
          if (json) printJson(ctx.io, started);
          else
            ctx.io.out.write(
              `${started.runId}${started.deduplicated ? ' (already started with this idempotency key)' : ''}\n`,
            );
          return;
        }
        if (!json) ctx.io.err.write(`run ${started.runId} started\n`);
        const progress = createProgressRenderer(ctx.io);
        let run: RunDetail;
        for (;;) {
          run = await client.request<RunDetail>('GET', `/v1/runs/${encodeURIComponent(started.runId)}`);
          if (!json) progress.update(run);
          if (run.status !== 'running') break;
          await new Promise((r) => setTimeout(r, ctx.pollMs ?? 1_000));
        }
        progress.finish();
        if (json) printJson(ctx.io, run);
        else printRun(ctx, run);
        if (run.status === 'waiting_approval' && !json) {
          ctx.io.err.write(`waiting for approval: mlops approve ${run.runId} --reason "..." (or reject)\n`);
        }
        if (FAILED.has(run.status)) ctx.exitCode = 1;
      },
    );

  program
    .command('status <runId>')
    .description("a run's status, step, metrics and approval")
    .action(async (runId: string, _options: unknown, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const run = await client.request<RunDetail>('GET', `/v1/runs/${encodeURIComponent(runId)}`);
      if (json) printJson(ctx.io, run);
      else printRun(ctx, run);
    });

  program
    .command('list')
    .description('runs, newest first')
    .option('--pipeline <name>', 'only this pipeline')
    .option('--status <status>', 'only this status (running, waiting_approval, succeeded, failed, ...)')
    .option('--limit <n>', 'page size (1-100)', '20')
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .action(
      async (options: { pipeline?: string; status?: string; limit: string; cursor?: string }, command: Command) => {
        const { client, json } = commandApi(ctx, command);
        const page = await client.request<z.infer<typeof ListRunsResponse>>('GET', '/v1/runs', {
          query: { ...options },
        });
        if (json) return printJson(ctx.io, page);
        printTable(ctx.io, page.items, ['runId', 'pipeline', 'status', 'phase', 'trigger', 'startedAt']);
        if (page.nextCursor) ctx.io.out.write(`\nmore: mlops list --cursor ${page.nextCursor}\n`);
      },
    );

  for (const verb of ['approve', 'reject'] as const) {
    const decide = program
      .command(`${verb} <runId>`)
      .description(`${verb} a run waiting for approval (as the key's holder; audited)`)
      .requiredOption('-r, --reason <text>', 'why (recorded in the audit log)');
    if (verb === 'approve') {
      decide.option('--strategy <kind>', "direct or canary: overrides the spec's deployment.strategy for this run");
    }
    decide.action(async (runId: string, options: { reason: string; strategy?: string }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request<z.infer<typeof DecisionResponse>>(
        'POST',
        `/v1/runs/${encodeURIComponent(runId)}/${verb}`,
        {
          body: { reason: options.reason, ...(options.strategy ? { strategy: options.strategy } : {}) },
        },
      );
      if (json) printJson(ctx.io, result);
      else ctx.io.out.write(`${result.model} v${result.version}: ${result.decision} by ${result.by}\n`);
    });
  }

  program
    .command('cancel <runId>')
    .description('cancel a running run')
    .option('-r, --reason <text>', 'why (recorded in the audit log)')
    .action(async (runId: string, options: { reason?: string }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request('POST', `/v1/runs/${encodeURIComponent(runId)}/cancel`, {
        body: { reason: options.reason },
      });
      if (json) printJson(ctx.io, result);
      else ctx.io.out.write(`${runId}: cancelling\n`);
    });

  program
    .command('pipelines')
    .description('the pipelines that can be run')
    .action(async (_options: unknown, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request<{ items: Array<{ name: string }> }>('GET', '/v1/pipelines');
      if (json) printJson(ctx.io, result);
      else printTable(ctx.io, result.items, ['name']);
    });
}
