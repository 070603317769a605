import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Express } from 'express';
import request from 'supertest';
import { runCli } from '../../../cli/program';
import { apiSettingsFrom } from '../../../api/deps';
import { readCsvText } from '../../../lib/batch/csv';
import type { ModelServer } from '../../../lib/serving/types';
import { type batchScoring } from '../../../workflows/batch/workflow';
import { apiOverHarness } from '../../helpers/api-over-harness';
import { saveHistory } from '../../helpers/histories';
import { testKey } from '../../helpers/keys';
import { readParquetRows } from '../../helpers/parquet';
import { startPipelineHarness, type PipelineHarness } from '../../helpers/pipeline-harness';
import { promoteAndDeploy, registerTinyModel } from '../api/model-fixture';

const MODEL = 'batch-tiny';
/** Every BAD_EVERY-th input row has a non-numeric x: it must land in the rejects, not in the output. */
const BAD_EVERY = 997;

function inputCsv(rows: number): string {
  const lines = ['id,x,colour'];
  for (let i = 1; i <= rows; i++) {
    const x = i % BAD_EVERY === 0 ? 'oops' : String((((i * 37) % 200) / 100 - 1).toFixed(3));
    lines.push(`${i},${x},${i % 3 === 0 ? 'red' : 'blue'}`);
  }
  return `${lines.join('\n')}\n`;
}
const badRows = (rows: number) => Math.floor(rows / BAD_EVERY);

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('batch scoring on the real stack', () => {
  let h: PipelineHarness;
  let app: Express;
  let models: ModelServer;
  let operator: string;
  let viewer: string;

  beforeAll(async () => {
    h = await startPipelineHarness({ trainingInProcess: false });
    const { db } = h.deps;
    ({ app, models } = apiOverHarness(h, {
      notify: false,
      deps: {
        // A killed worker's chunks are retried after 10 s without a heartbeat, not the default minute.
        settings: { ...apiSettingsFrom(h.config, 'test'), batchHeartbeatTimeout: '10s' },
        processMetrics: false,
        random: undefined,
      },
    }));
    operator = (await testKey(db, 'oscar', 'operator')).key;
    viewer = (await testKey(db, 'vera', 'viewer')).key;
    const version = await registerTinyModel(h.deps, { model: MODEL, runId: `batch-${randomUUID().slice(0, 8)}` });
    await promoteAndDeploy(h.deps, { model: MODEL, versionId: version.id });
  }, 180_000);

  afterAll(async () => {
    await models?.close?.();
    await h?.stop();
  });

  const start = (body: object, key = operator) =>
    request(app).post(`/v1/models/${MODEL}/batch-predictions`).set('Authorization', `Bearer ${key}`).send(body);
  const status = async (jobId: string) =>
    (await request(app).get(`/v1/models/${MODEL}/batch-predictions/${jobId}`).set('Authorization', `Bearer ${viewer}`))
      .body as {
      status: string;
      progress: Record<string, number | null>;
      error: string | null;
      rejectsLocation: string;
    };
  const putInput = async (rows: number) => {
    const key = `datasets/batch-test/${randomUUID()}.csv`;
    await h.deps.store.put(key, inputCsv(rows));
    return key;
  };

  it('SIGKILL of the worker mid-job: finishes with exactly one output row per valid input row', async () => {
    const rows = 40_000;
    const key = await putInput(rows);
    let worker = h.spawnTrainingWorker('batch-kill-1');
    const started = await start({
      input: { kind: 's3', key },
      output: { kind: 'postgres', table: 'kill_test', mode: 'replace' },
      options: { chunkRows: 2000, parallelism: 2, passthrough: ['id'] },
    });
    expect(started.status).toBe(202);
    const jobId = started.body.jobId as string;
    const handle = h.client.workflow.getHandle<typeof batchScoring>(jobId);

    // Killed while a chunk is being scored (started, not finished), so that chunk must be scored again elsewhere.
    const before = await until('5 chunks written and one in flight', async () => {
      const n = Number((await h.deps.db('batch_chunks').where({ job_id: jobId }).count({ n: '*' }).first())?.n);
      if (n < 5) return undefined;
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      const scoring = pending.some((a) => a.activityType?.name === 'scoreBatchChunk' && a.lastStartedTime);
      return scoring ? n : undefined;
    });
    worker.kill('SIGKILL');
    await new Promise((resolve) => worker.once('exit', resolve));
    const mid = await status(jobId);
    expect(mid.status).toBe('running');
    expect(mid.progress.rowsTotal).toBe(rows);
    expect(mid.progress.rowsPerSecond).toBeGreaterThan(0);
    expect(mid.progress.etaSeconds).not.toBeNull();
    expect(before).toBeLessThan(rows / 2000);
    worker = h.spawnTrainingWorker('batch-kill-2');

    const summary = await handle.result();
    worker.kill('SIGTERM');
    expect(summary).toMatchObject({ rowsTotal: rows, rowsRejected: badRows(rows), rowsScored: rows - badRows(rows) });

    const counts = await h.deps.db.raw(
      `select count(*)::int as n, count(distinct row_number)::int as distinct_rows, min(row_number)::int as lo,
              max(row_number)::int as hi, count(*) filter (where row_number::text <> id)::int as misplaced
       from batch_predictions.kill_test where job_id = ?`,
      [jobId],
    );
    expect(counts.rows[0]).toEqual({
      n: rows - badRows(rows),
      distinct_rows: rows - badRows(rows),
      lo: 1,
      hi: rows,
      misplaced: 0,
    });
    const rejected = await h.deps.db.raw(
      `select count(*)::int as n from batch_predictions.kill_test where job_id = ? and row_number % ${BAD_EVERY} = 0`,
      [jobId],
    );
    expect(rejected.rows[0].n).toBe(0);
    const chunks = await h.deps.db('batch_chunks').where({ job_id: jobId });
    expect(chunks).toHaveLength(rows / 2000);
    // The chunks in flight at the kill were scored again by the second worker (a second attempt).
    const history = await handle.fetchHistory();
    const retried = (history.events ?? []).filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
    expect(retried.length).toBeGreaterThan(0);

    const done = await status(jobId);
    expect(done).toMatchObject({ status: 'succeeded', error: null });
    expect(done.progress).toMatchObject({
      rowsDone: rows,
      rowsRejected: badRows(rows),
      percent: 100,
      etaSeconds: null,
    });
    // The rejects say which rows and why.
    const rejectKeys = [];
    for await (const o of h.deps.store.list(`batch-predictions/${MODEL}/${jobId}/rejects/`)) rejectKeys.push(o.key);
    let rejectRows = 0;
    for (const k of rejectKeys) {
      const parsed = await readCsvText((await h.deps.store.getBytes(k)).toString('utf8'));
      expect(parsed.header).toEqual(['row_number', 'reason', 'row']);
      for (let r = 0; r < parsed.count; r++) {
        expect(Number(parsed.fields[r * 3]) % BAD_EVERY).toBe(0);
        expect(parsed.fields[r * 3 + 1]).toBe('x: "oops" is not a number');
      }
      rejectRows += parsed.count;
    }
    expect(rejectRows).toBe(badRows(rows));
    // The staged input chunks are gone.
    const staged = [];
    for await (const o of h.deps.store.list(`batch-jobs/${jobId}/`)) staged.push(o.key);
    expect(staged).toEqual([]);
  }, 420_000);

  it('writes S3 CSV and Parquet parts in input order, reads a sources table, runs from the CLI with an upload, and fails a job over its rejected-share limit', async () => {
    const worker = h.spawnTrainingWorker('batch-s3');
    try {
      const rows = 5000;
      const key = await putInput(rows);
      const run = async (output: object, options: object = {}) => {
        const res = await start({ input: { kind: 's3', key }, output, options: { chunkRows: 1000, ...options } });
        expect(res.status).toBe(202);
        const jobId = res.body.jobId as string;
        const outcome = await h.client.workflow
          .getHandle<typeof batchScoring>(jobId)
          .result()
          .then(
            () => 'succeeded',
            (err: Error) => (err.cause as Error | undefined)?.message ?? err.message,
          );
        return { jobId, outcome };
      };
      const parts = async (prefix: string, ext: string) => {
        const keys: string[] = [];
        for await (const o of h.deps.store.list(prefix))
          if (o.key.endsWith(ext) && !o.key.includes('/rejects/')) keys.push(o.key);
        return keys.sort();
      };

      const csvJob = await run({ kind: 's3', format: 'csv', prefix: 'exports/batch-test' });
      expect(csvJob.outcome).toBe('succeeded');
      await saveHistory(h.client.workflow.getHandle(csvJob.jobId), 'v1-batch-scoring-s3');
      const csvParts = await parts(`exports/batch-test/${csvJob.jobId}/`, '.csv');
      expect(csvParts).toHaveLength(5);
      const numbers: number[] = [];
      for (const k of csvParts) {
        const parsed = await readCsvText((await h.deps.store.getBytes(k)).toString('utf8'));
        expect(parsed.header).toEqual(['row_number', 'id', 'x', 'colour', 'prediction', 'p_no', 'p_yes']);
        for (let r = 0; r < parsed.count; r++) numbers.push(Number(parsed.fields[r * 7]));
      }
      expect(numbers).toEqual(Array.from({ length: rows }, (_, i) => i + 1).filter((i) => i % BAD_EVERY !== 0));
      const manifest = JSON.parse(
        (await h.deps.store.getBytes(`exports/batch-test/${csvJob.jobId}/_manifest.json`)).toString('utf8'),
      ) as Record<string, unknown>;
      expect(manifest).toMatchObject({
        status: 'succeeded',
        rowsScored: rows - badRows(rows),
        rowsRejected: badRows(rows),
      });

      const parquetJob = await run({ kind: 's3', format: 'parquet' }, { passthrough: ['id'] });
      expect(parquetJob.outcome).toBe('succeeded');
      const parquetParts = await parts(`batch-predictions/${MODEL}/${parquetJob.jobId}/`, '.parquet');
      expect(parquetParts).toHaveLength(5);
      const first = readParquetRows(await h.deps.store.getBytes(parquetParts[0] as string));
      expect(first).toHaveLength(1000 - 1); // row 997 is rejected
      expect(Object.keys(first[0] ?? {})).toEqual(['row_number', 'id', 'prediction', 'p_no', 'p_yes']);
      expect(first[0]).toMatchObject({ row_number: '1', id: '1' });
      expect(['yes', 'no']).toContain(first[0]?.prediction);

      // A PostgreSQL table of the sources schema, read as the read-only role.
      await h.deps.db.raw('create schema if not exists sources');
      await h.deps.db.raw(`create table sources.batch_input as
        select i as id, (((i * 37) % 200) / 100.0 - 1)::double precision as x,
               case when i % 3 = 0 then 'red' else 'blue' end as colour
        from generate_series(1, 2500) as i`);
      const res = await start({
        input: { kind: 'postgres', table: 'sources.batch_input' },
        output: { kind: 'postgres', table: 'from_table' },
        options: { chunkRows: 1000 },
      });
      expect(res.status).toBe(202);
      await h.client.workflow.getHandle<typeof batchScoring>(res.body.jobId as string).result();
      const fromTable = await h.deps.db.raw(
        `select count(distinct row_number)::int as n, count(*) filter (where prediction is null)::int as missing
         from batch_predictions.from_table`,
      );
      expect(fromTable.rows[0]).toEqual({ n: 2500, missing: 0 });

      // The CLI: upload a local file, start, follow the progress bar to the end.
      const file = join(mkdtempSync(join(tmpdir(), 'batch-cli-')), 'input.csv');
      writeFileSync(file, inputCsv(3000));
      const server = app.listen(0);
      try {
        const { port } = server.address() as AddressInfo;
        const out = new Capture();
        const err = new Capture();
        const code = await runCli(
          ['batch-predict', MODEL, '--file', file, '--chunk-rows', '1000', '--output-table', 'from_cli', '--wait'],
          {
            io: { out, err, interactive: false },
            env: { MLOPS_API_URL: `http://127.0.0.1:${port}`, MLOPS_API_KEY: operator },
            pollMs: 200,
            exitCode: 0,
          },
        );
        expect(err.text).toMatch(/uploaded .*input\.csv/);
        expect(err.text).toMatch(
          /\[█{24}\] 100\.0 % {2}succeeded 3,000\/3,000 rows {2}[\d,]+ rows\/s {2}\(3 rejected\)/,
        );
        expect(out.text).toMatch(/status\s+succeeded/);
        expect(code).toBe(0);
      } finally {
        server.close();
      }
      const fromCli = await h.deps.db.raw(`select count(*)::int as n from batch_predictions.from_cli`);
      expect(fromCli.rows[0].n).toBe(3000 - 3);

      // A schedule starts jobs with the same request (trigger = schedule), named after the scheduled time.
      const scheduled = await request(app)
        .post(`/v1/models/${MODEL}/batch-predictions/schedules/nightly`)
        .set('Authorization', `Bearer ${operator}`)
        .send({
          job: {
            input: { kind: 's3', key },
            output: { kind: 'postgres', table: 'nightly' },
            options: { chunkRows: 2500 },
          },
          interval: '1d',
          paused: true,
        });
      expect(scheduled.status).toBe(200);
      expect(scheduled.body).toMatchObject({ scheduleId: `batch-${MODEL}-nightly`, paused: true, interval: '1d' });
      await h.client.schedule.getHandle(scheduled.body.scheduleId as string).trigger();
      const job = await until('the scheduled job to finish', async () => {
        const row = await h.deps.db('batch_jobs').where({ trigger: 'schedule', status: 'succeeded' }).first();
        return row ?? undefined;
      });
      expect(job.job_id).toMatch(new RegExp(`^batch-${MODEL}-nightly-`));
      expect(job.requested_by).toBe('oscar');
      const nightly = await h.deps.db.raw(`select count(*)::int as n from batch_predictions.nightly`);
      expect(nightly.rows[0].n).toBe(rows - badRows(rows));
      const del = () =>
        request(app)
          .delete(`/v1/models/${MODEL}/batch-predictions/schedules/nightly`)
          .set('Authorization', `Bearer ${operator}`);
      expect((await del()).status).toBe(204);
      expect((await del()).status).toBe(404);

      const strict = await run({ kind: 's3', format: 'csv' }, { maxRejectedRatio: 0.0001 });
      expect(strict.outcome).toMatch(/broke the model's input contract, more than options.maxRejectedRatio/);
      const failed = await status(strict.jobId);
      expect(failed.status).toBe('failed');
      expect(failed.rejectsLocation).toContain(`${strict.jobId}/rejects`);
    } finally {
      worker.kill('SIGTERM');
    }
  }, 300_000);

  it('refuses bad requests before starting anything', async () => {
    expect((await start({ input: { kind: 's3', key: 'datasets/x.csv' }, output: { kind: 's3' } }, viewer)).status).toBe(
      403,
    );
    const both = await start({
      input: { kind: 's3', key: 'datasets/x.csv' },
      output: { kind: 's3' },
      version: 1,
      slot: 'staging',
    });
    expect(both.status).toBe(400);
    const noVersion = await start({
      input: { kind: 's3', key: 'datasets/x.csv' },
      output: { kind: 's3' },
      version: 99,
    });
    expect(noVersion.status).toBe(404);
    const injected = await start({ input: { kind: 'postgres', table: 'x; drop table y' }, output: { kind: 's3' } });
    expect(injected.status).toBe(400);
  });
});
