import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import type { z } from 'zod';
import type { PredictResponse } from '../../api/schemas/predict';
import type {
  ListDeploymentsResponse,
  ListModelsResponse,
  ListVersionsResponse,
  RollbackResponse,
  VersionDetail,
} from '../../api/schemas/registry';
import { commandApi, type CliContext } from '../context';
import { printFields, printJson, printTable } from '../output';

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV rows as the API takes them: cells stay text (the server parses them like the training data), '' is null. */
export function readCsvRows(file: string): Array<Record<string, unknown>> {
  const records = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, bom: true }) as Array<
    Record<string, string>
  >;
  return records.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === '' ? null : v])));
}

type RowWarnings = PredictResponse['predictions'][number]['warnings'];

/** A row's input warnings for its CSV cell: `Origin:UNSEEN_CATEGORY; Weight:OUT_OF_RANGE` (ignored columns left out). */
function inputWarnings(warnings: RowWarnings): string {
  return (warnings ?? [])
    .filter((w) => w.code !== 'IGNORED_FIELD')
    .map((w) => `${w.field}:${w.code}`)
    .join('; ');
}

/** One stderr line per kind of warning: how many rows had it, with the first message as an example. */
function warningSummary(predictions: PredictResponse['predictions']): string[] {
  const byKind = new Map<string, { rows: number; example: string }>();
  for (const p of predictions) {
    for (const w of p.warnings ?? []) {
      const key = `${w.code} ${w.field}`;
      const seen = byKind.get(key);
      if (seen) seen.rows += 1;
      else byKind.set(key, { rows: 1, example: w.message });
    }
  }
  return [...byKind.entries()].map(([key, { rows, example }]) =>
    key.startsWith('IGNORED_FIELD')
      ? `column ${key.slice('IGNORED_FIELD '.length)} is not an input of the model: ignored`
      : `warning: ${rows} row(s) ${key} (e.g. ${example})`,
  );
}

export function registerModelCommands(program: Command, ctx: CliContext): void {
  const models = program
    .command('models [name]')
    .description('registered models; with a name, its versions')
    .option('-v, --version <n>', 'one version: metrics, lineage, artefacts, stage history')
    .action(async (name: string | undefined, o: { version?: string }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      if (!name) {
        const result = await client.request<z.infer<typeof ListModelsResponse>>('GET', '/v1/models');
        return json
          ? printJson(ctx.io, result)
          : printTable(ctx.io, result.items, ['name', 'task', 'productionVersion', 'createdAt']);
      }
      if (o.version) {
        const detail = await client.request<z.infer<typeof VersionDetail>>(
          'GET',
          `/v1/models/${encodeURIComponent(name)}/versions/${o.version}`,
        );
        if (json) return printJson(ctx.io, detail);
        printFields(ctx.io, {
          model: `${detail.model} v${detail.version}`,
          stage: detail.stage,
          run: detail.runId,
          candidate: detail.candidate,
          metrics: detail.metrics,
          modelSha256: detail.artifacts.model?.sha256 ?? null,
          deployedTo: detail.deployedTo.join(', ') || null,
        });
        ctx.io.out.write('\n');
        return printTable(ctx.io, detail.stageHistory, ['at', 'from', 'to', 'actor', 'reason']);
      }
      const result = await client.request<z.infer<typeof ListVersionsResponse>>(
        'GET',
        `/v1/models/${encodeURIComponent(name)}/versions`,
      );
      if (json) return printJson(ctx.io, result);
      printTable(
        ctx.io,
        result.items.map((v) => ({
          ...v,
          metrics: Object.entries(v.metrics)
            .map(([k, m]) => `${k}=${m.toFixed(4)}`)
            .join(' '),
        })),
        ['version', 'stage', 'candidate', 'metrics', 'runId', 'createdAt'],
      );
    });

  models
    .command('rollback <name>')
    .description('put the previous production version back (approver; audited)')
    .requiredOption('-r, --reason <text>', 'why (recorded in the audit log)')
    .action(async (name: string, o: { reason: string }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request<z.infer<typeof RollbackResponse>>(
        'POST',
        `/v1/models/${encodeURIComponent(name)}/rollback`,
        {
          body: { reason: o.reason },
        },
      );
      if (json) printJson(ctx.io, result);
      else
        ctx.io.out.write(
          `${result.model}: production is v${result.version} again (was v${result.replacedVersion ?? '?'})\n`,
        );
    });

  program
    .command('deployments')
    .description('what each serving slot points at')
    .action(async (_o: unknown, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request<z.infer<typeof ListDeploymentsResponse>>('GET', '/v1/deployments');
      if (json) return printJson(ctx.io, result);
      printTable(ctx.io, result.items, ['model', 'slot', 'version', 'previousVersion', 'deployedBy', 'deployedAt']);
    });

  program
    .command('predict <model>')
    .description('predict every row of a CSV file (header row = column names); prints the rows with predictions as CSV')
    .requiredOption('-f, --file <csv>', 'input CSV file')
    .option('--env <slot>', 'production or staging', 'production')
    .option('--batch-size <n>', 'rows per request (at most the API’s PREDICT_MAX_ROWS)', '500')
    .action(async (model: string, o: { file: string; env: string; batchSize: string }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const rows = readCsvRows(o.file);
      const size = Math.max(1, Number(o.batchSize));
      const responses: PredictResponse[] = [];
      for (let i = 0; i < rows.length; i += size) {
        responses.push(
          await client.request<PredictResponse>('POST', `/v1/predict/${encodeURIComponent(model)}`, {
            // Whole CSV rows are sent: id and other columns the model does not use are ignored, with a warning.
            query: { env: o.env, unknownFields: 'ignore' },
            body: { rows: rows.slice(i, i + size) },
          }),
        );
      }
      if (json) return printJson(ctx.io, responses);
      const predictions = responses.flatMap((r) => r.predictions);
      const classes = [...new Set(predictions.flatMap((p) => Object.keys(p.probabilities ?? {})))];
      const warned = predictions.some((p) => p.warnings?.some((w) => w.code !== 'IGNORED_FIELD'));
      const header = [
        ...Object.keys(rows[0] ?? {}),
        'prediction',
        ...classes.map((c) => `p_${c}`),
        ...(warned ? ['warnings'] : []),
      ];
      ctx.io.out.write(`${header.map(csvCell).join(',')}\n`);
      rows.forEach((row, i) => {
        const p = predictions[i];
        const values = [...Object.values(row), p?.prediction, ...classes.map((c) => p?.probabilities?.[c])];
        if (warned) values.push(inputWarnings(p?.warnings));
        ctx.io.out.write(`${values.map(csvCell).join(',')}\n`);
      });
      const versions = [...new Set(responses.map((r) => `v${r.version}`))].join(', ');
      ctx.io.err.write(`${rows.length} rows predicted by ${model} ${versions} (${o.env})\n`);
      for (const line of warningSummary(predictions)) ctx.io.err.write(`${line}\n`);
    });
}
