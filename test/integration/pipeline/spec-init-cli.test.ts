import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../../cli/program';
import { apiOverHarness, roleKeys, type HarnessApi } from '../../helpers/api-over-harness';
import { startPipelineHarness, type PipelineHarness } from '../../helpers/pipeline-harness';

// The first ten minutes with an unknown CSV, as a user goes through them: `mlops spec init` on the file, `mlops spec
// validate`, `mlops pipelines apply` through the API, `mlops run`, on the real stack with real workers; the proposed
// expectations must hold on the very data they were inferred from, and the proposed gate must be reachable.

describe('mlops spec init → spec validate → pipelines apply → run (real stack, real workers)', () => {
  let h: PipelineHarness;
  let models: HarnessApi['models'];
  let server: ReturnType<HarnessApi['app']['listen']>;
  let url: string;
  const keys: Record<string, string> = {};
  const runs: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'spec-init-cli-'));

  beforeAll(async () => {
    h = await startPipelineHarness();
    const api = apiOverHarness(h);
    models = api.models;
    server = api.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    Object.assign(keys, (await roleKeys(h, 'init', ['operator', 'admin'])).keys);
  }, 120_000);
  afterAll(async () => {
    for (const id of runs) {
      await h.client.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined);
    }
    await new Promise((r) => server?.close(r));
    await models?.close();
    await h?.stop();
  });

  const cli = async (args: string[], key = '') => {
    let out = '';
    let err = '';
    const sink = (append: (s: string) => void) =>
      new Writable({
        write(chunk: Buffer, _enc, done) {
          append(chunk.toString());
          done();
        },
      });
    const code = await runCli(args, {
      io: { out: sink((s) => (out += s)), err: sink((s) => (err += s)), interactive: false },
      // The workers of this harness read files under the OS temp folder (DATA_FILE_ROOTS): the spec points at it.
      env: { MLOPS_API_URL: url, MLOPS_API_KEY: key, DATA_FILE_ROOTS: h.env.DATA_FILE_ROOTS },
      pollMs: 500,
      exitCode: 0,
    });
    return { code, out, err };
  };

  it('proposes a spec that validates, applies through the API and runs past validation to approval', async () => {
    // A messy little file: a label learnable from the numbers, dates written as "Jun 12 2023", a categorical with
    // gaps written NA and ".", a number column with a few "?", an id.
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const rows = Array.from({ length: 240 }, (_, i) => {
      const usage = (i * 37) % 100;
      const tenure = (i * 11) % 60;
      const plan = i % 9 === 0 ? 'NA' : i % 20 === 1 ? '.' : ['basic', 'plus', 'pro'][i % 3];
      const signup = `${months[i % 12]} ${1 + (i % 27)} 2023`;
      const label = usage + tenure / 2 > 60 ? 'yes' : 'no';
      return [10_000 + i, signup, plan, usage, i % 40 === 5 ? '?' : tenure, label].join(',');
    });
    const data = join(dir, 'My Customers.csv');
    writeFileSync(data, ['customer_id,signup_date,plan,usage,tenure,churned', ...rows].join('\n') + '\n');
    const specFile = join(dir, 'customers.yaml');

    const unlabelled = await cli(['spec', 'init', data]);
    expect(unlabelled.code).toBe(2);
    expect(unlabelled.err).toContain('Give it with --label COLUMN');
    expect(unlabelled.err).toMatch(/churned\s+categorical, 2 distinct → classification/);

    const init = await cli(['spec', 'init', data, '--label', 'churned', '-o', specFile]);
    expect(init).toMatchObject({ code: 0 });
    expect(init.err).toContain('pipeline my-customers, classification of churned, 4 features (left out: customer_id)');
    const proposed = readFileSync(specFile, 'utf8');
    expect(proposed).toMatch(/^# yaml-language-server: \$schema=/);
    // The dates' format and the markers are declared, so the pipeline reads them as the person meant.
    expect(proposed).toMatch(/signup_date: \{ format: MMM d yyyy \}/);
    expect(proposed).toMatch(/plan:\s+missingValues: \[ \. \]/);
    expect(proposed).toMatch(/tenure:\s+missingValues: \[ "\?" \]/);

    const valid = await cli(['spec', 'validate', specFile]);
    expect(valid).toMatchObject({ code: 0, err: '' });
    expect(valid.out).toContain('OK: pipeline my-customers');

    const applied = await cli(['pipelines', 'apply', specFile], keys.admin);
    expect(applied).toMatchObject({ code: 0, out: 'my-customers: applied as version 1\n' });

    const run = await cli(['--json', 'run', 'my-customers'], keys.operator);
    const detail = JSON.parse(run.out) as { runId: string; status: string; error?: unknown };
    runs.push(detail.runId);
    expect({ code: run.code, status: detail.status, error: detail.error ?? null }).toEqual({
      code: 0,
      status: 'waiting_approval',
      error: null,
    });
  }, 300_000);

  it('spec validate refuses a broken spec with the path, the line and a did-you-mean, and exits 1', async () => {
    const broken = join(dir, 'broken.yaml');
    const text = readFileSync(join(dir, 'customers.yaml'), 'utf8').replace(
      '  maxQuarantinedRatio:',
      '  maxQuarantineRatio:',
    );
    writeFileSync(broken, text);
    const result = await cli(['spec', 'validate', broken]);
    expect(result.code).toBe(1);
    const line = text.split('\n').findIndex((l) => l.startsWith('  maxQuarantineRatio:')) + 1;
    expect(result.err).toContain(`${broken}:${line}:3: expectations.maxQuarantineRatio: unknown field`);
    expect(result.err).toContain('Did you mean "maxQuarantinedRatio"?');
  });
});
