import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzzApi } from './fuzz';

// The short run of `npm run fuzz:api` (docs/RELIABILITY.md has the full run's figures): schemathesis generates
// valid and invalid requests for every operation of /openapi.json as an admin (the widest surface), against the
// real stack, and no answer may be a 5xx.
describe('API fuzzing (schemathesis, short run: 30 s)', () => {
  it('answers every generated request without a server error', async () => {
    const [result] = await fuzzApi({
      examples: 5,
      maxTimeS: 30,
      seed: 20261202,
      roles: ['admin'],
      reportDir: join(tmpdir(), 'mlops-fuzz'),
    });
    const failures = result?.output.split('=== FAILURES ===')[1]?.split('=== WARNINGS ===')[0] ?? '';
    expect({ exitCode: result?.exitCode, failures: failures.trim().slice(0, 4000) }).toEqual({
      exitCode: 0,
      failures: '',
    });
    expect(result?.output).toMatch(/\d+ generated, \d+ passed/);
  }, 240_000);
});
