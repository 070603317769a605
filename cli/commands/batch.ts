import { createReadStream, existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import type { z } from 'zod';
import type { BatchJobList, BatchJobView, BatchStartResponse, UploadResponse } from '../../api/schemas/batch';
import type { BatchJobRequestInput } from '../../lib/batch/spec';
import { commandApi, type CliContext } from '../context';
import type { Io } from '../output';
import { printFields, printJson, printTable } from '../output';

type JobView = z.infer<typeof BatchJobView>;
const BAR_WIDTH = 24;

function duration(seconds: number | null): string {
  if (seconds === null) return '?';
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

/** `[█████░░░] 41.0 %  49,200/120,000 rows  2,310 rows/s  ETA 31s  (12 rejected)` */
export function batchProgressLine(job: JobView): string {
  const p = job.progress;
  const fraction = p.percent === null ? 0 : p.percent / 100;
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
  const rows = `${p.rowsDone.toLocaleString('en-US')}/${p.rowsTotal === null ? '?' : p.rowsTotal.toLocaleString('en-US')} rows`;
  const rate = p.rowsPerSecond === null ? '' : `  ${Math.round(p.rowsPerSecond).toLocaleString('en-US')} rows/s`;
  const eta = job.status === 'running' && p.etaSeconds !== null ? `  ETA ${duration(p.etaSeconds)}` : '';
  const rejected = p.rowsRejected > 0 ? `  (${p.rowsRejected.toLocaleString('en-US')} rejected)` : '';
  const percent = p.percent === null ? '  ?  %' : `${p.percent.toFixed(1).padStart(5)} %`;
  return `[${bar}] ${percent}  ${job.status.padEnd(9)} ${rows}${rate}${eta}${rejected}`;
}

function renderer(io: Io) {
  let last = '';
  return {
    update(job: JobView) {
      const line = batchProgressLine(job);
      if (line === last) return;
      last = line;
      io.err.write(io.interactive ? `\r\x1b[2K${line}` : `${line}\n`);
    },
    finish() {
      if (io.interactive && last) io.err.write('\n');
    },
  };
}

interface StartOptions {
  file?: string;
  key?: string;
  table?: string;
  version?: string;
  slot?: 'production' | 'staging';
  outputTable?: string;
  mode?: 'append' | 'replace';
  outputPrefix?: string;
  format?: 'csv' | 'parquet';
  chunkRows?: string;
  parallelism?: string;
  passthrough?: string;
  logSampleRate?: string;
  maxRejectedRatio?: string;
  wait?: boolean;
}

const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));

function requestOf(o: StartOptions, uploadId?: string): BatchJobRequestInput {
  const inputs = [o.file, o.key, o.table].filter((v) => v !== undefined);
  if (inputs.length !== 1) throw new Error('give exactly one input: --file <csv>, --key <s3 key> or --table <table>');
  const input: BatchJobRequestInput['input'] = uploadId
    ? { kind: 'upload', uploadId }
    : o.key
      ? { kind: 's3', key: o.key }
      : { kind: 'postgres', table: o.table as string };
  const output: BatchJobRequestInput['output'] = o.outputTable
    ? { kind: 'postgres', table: o.outputTable, mode: o.mode ?? 'append' }
    : { kind: 's3', format: o.format ?? 'csv', prefix: o.outputPrefix };
  return {
    input,
    output,
    version: num(o.version),
    slot: o.slot,
    options: {
      chunkRows: num(o.chunkRows),
      parallelism: num(o.parallelism),
      passthrough: o.passthrough?.split(',').map((c) => c.trim()),
      logSampleRate: num(o.logSampleRate),
      maxRejectedRatio: num(o.maxRejectedRatio),
    },
  };
}

function printJob(io: Io, job: JobView): void {
  printFields(io, {
    job: job.jobId,
    model: `${job.model}${job.version === null ? '' : ` v${job.version}`}`,
    status: job.status,
    progress: batchProgressLine(job),
    output: job.outputLocation,
    rejects: job.rejectsLocation,
    error: job.error,
    startedAt: job.startedAt,
    endedAt: job.endedAt,
  });
}

export function registerBatchCommands(program: Command, ctx: CliContext): void {
  program
    .command('batch-predict <model>')
    .description('score a whole file, S3 object or table as a durable batch job (operator)')
    .option('-f, --file <csv>', 'a local CSV file (uploaded first)')
    .option('--key <key>', 'an S3 object of the artifact bucket (under a data prefix)')
    .option('--table <table>', 'a table or view of the sources schema (read as the read-only role)')
    .option('-v, --version <n>', 'the model version (default: the one in --slot)')
    .option('--slot <slot>', 'production (default) or staging')
    .option('--output-table <table>', 'write to batch_predictions.<table> in PostgreSQL instead of S3')
    .option('--mode <mode>', 'with --output-table: append (default) or replace')
    .option('--output-prefix <prefix>', 'S3 folder for the parts (default batch-predictions/<model>/)')
    .option('--format <format>', 'S3 parts: csv (default) or parquet')
    .option('--chunk-rows <n>', 'rows per chunk (default 50000)')
    .option('--parallelism <n>', 'chunks scored at once (default 2)')
    .option('--passthrough <columns>', 'input columns copied to the output, comma-separated (default: all)')
    .option('--log-sample-rate <share>', 'share of rows written to the prediction log (default 0)')
    .option('--max-rejected-ratio <share>', 'fail the job when more rows than this share are rejected')
    .option('-w, --wait', 'follow the job with a progress bar until it ends')
    .action(async (model: string, o: StartOptions, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const base = `/v1/models/${encodeURIComponent(model)}/batch-predictions`;
      let uploadId: string | undefined;
      if (o.file) {
        if (!existsSync(o.file)) throw new Error(`no such file: ${o.file}`);
        const uploaded = await client.request<z.infer<typeof UploadResponse>>('POST', `${base}/uploads`, {
          rawBody: Readable.toWeb(createReadStream(o.file)) as ReadableStream<Uint8Array>,
          headers: { 'Content-Type': 'text/csv' },
        });
        uploadId = uploaded.uploadId;
        if (!json) ctx.io.err.write(`uploaded ${o.file} (${uploaded.bytes} bytes)\n`);
      }
      const started = await client.request<z.infer<typeof BatchStartResponse>>('POST', base, {
        body: requestOf(o, uploadId),
      });
      if (!o.wait) {
        if (json) return printJson(ctx.io, started);
        ctx.io.out.write(`${started.jobId}\n`);
        return;
      }
      const progress = renderer(ctx.io);
      let job: JobView | undefined;
      for (;;) {
        job = await client
          .request<JobView>('GET', `${base}/${encodeURIComponent(started.jobId)}`)
          .catch((err: { code?: string }) => {
            if (err.code === 'JOB_PENDING') return undefined;
            throw err;
          });
        if (job && !json) progress.update(job);
        if (job && job.status !== 'running') break;
        await new Promise((r) => setTimeout(r, ctx.pollMs ?? 1_000));
      }
      progress.finish();
      if (json) printJson(ctx.io, job);
      else printJob(ctx.io, job);
      if (job.status !== 'succeeded') ctx.exitCode = 1;
    });

  program
    .command('batch-jobs <model> [jobId]')
    .description("a model's batch jobs with progress; with a job id, that job")
    .option('-n, --limit <n>', 'at most this many jobs', '20')
    .action(async (model: string, jobId: string | undefined, o: { limit: string }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const base = `/v1/models/${encodeURIComponent(model)}/batch-predictions`;
      if (jobId) {
        const job = await client.request<JobView>('GET', `${base}/${encodeURIComponent(jobId)}`);
        return json ? printJson(ctx.io, job) : printJob(ctx.io, job);
      }
      const list = await client.request<z.infer<typeof BatchJobList>>('GET', base, { query: { limit: o.limit } });
      if (json) return printJson(ctx.io, list);
      printTable(
        ctx.io,
        list.items.map((j) => ({
          ...j,
          version: j.version,
          rows: `${j.progress.rowsDone}/${j.progress.rowsTotal ?? '?'}`,
          rejected: j.progress.rowsRejected,
        })),
        ['jobId', 'version', 'status', 'rows', 'rejected', 'startedAt', 'endedAt'],
      );
    });
}
