import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { resolveTool } from '../../../infra/tools/resolve';
import { startApiHarness, type Holder } from './harness';

// Schemathesis against the live API (real PostgreSQL, Temporal and S3 from the stack): every operation of
// /openapi.json with generated valid and invalid requests, as each role. The property: no request, however
// malformed, gets a 5xx answer (the API's own 503 "dependency unavailable" included: the stack is up).

const SELF_LOCKOUT = ['revokeApiKey', 'disablePrincipal'];

export interface FuzzOptions {
  /** Examples per operation and phase. */
  examples: number;
  /** Time budget in seconds for each role's run. */
  maxTimeS: number;
  seed: number;
  roles: Holder[];
  /** Where the JUnit reports go. */
  reportDir: string;
}

export interface FuzzResult {
  role: Holder;
  exitCode: number;
  output: string;
  seconds: number;
  operations?: string;
}

export async function fuzzApi(options: FuzzOptions): Promise<FuzzResult[]> {
  const st = await resolveTool('schemathesis');
  const h = await startApiHarness();
  const server: Server = h.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  mkdirSync(options.reportDir, { recursive: true });
  const results: FuzzResult[] = [];
  try {
    for (const role of options.roles) {
      const started = Date.now();
      const args = [
        'run',
        `${origin}/openapi.json`,
        '--header',
        `Authorization: Bearer ${h.keys[role]}`,
        '--checks',
        'not_a_server_error',
        '--max-examples',
        String(options.examples),
        '--seed',
        String(options.seed),
        '--max-time',
        String(options.maxTimeS),
        '--workers',
        '1',
        '--request-timeout',
        '30',
        '--generation-allow-x00',
        'true',
        '--report',
        'junit',
        '--report-junit-path',
        join(options.reportDir, `fuzz-${role}.xml`),
        '--no-color',
        // An admin revoking its own key or disabling itself locks the fuzzer out for the rest of the run (every
        // later request answers 401); both are covered by test/security and test/integration/api/admin.test.ts.
        ...SELF_LOCKOUT.flatMap((id) => ['--exclude-operation-id', id]),
      ];
      const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
        const child = spawn(st.path, args, { env: { ...process.env, NO_COLOR: '1' } });
        const chunks: Buffer[] = [];
        child.stdout.on('data', (c: Buffer) => chunks.push(c));
        child.stderr.on('data', (c: Buffer) => chunks.push(c));
        child.on('error', reject);
        child.on('close', (c) => resolve({ code: c ?? 1, output: Buffer.concat(chunks).toString('utf8') }));
      });
      const operations = /(\d+) operations? (?:tested|selected)[^\n]*/i.exec(output)?.[0];
      results.push({ role, exitCode: code, output, seconds: (Date.now() - started) / 1000, operations });
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await h.stop();
  }
  return results;
}
