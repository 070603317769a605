// `npm run fuzz:api`: schemathesis against the live API as viewer, operator, approver and admin, at depth (the
// short run is in `npm test`). Starts the stack if needed; JUnit reports in .data/fuzz/. Exit 1 on any 5xx.
import { join } from 'node:path';
import { DATA_DIR } from '../lib/config/paths';
import { stackUp } from '../infra/stack';
import { fuzzApi } from '../test/integration/api/fuzz';

async function main(): Promise<void> {
  process.env.NODE_ENV ??= 'test';
  await stackUp();
  const examples = Number(process.env.FUZZ_EXAMPLES ?? 50);
  const maxTimeS = Number(process.env.FUZZ_MAX_TIME_S ?? 600);
  const seed = Number(process.env.FUZZ_SEED ?? 20261202);
  const reportDir = join(DATA_DIR, 'fuzz');
  const started = Date.now();
  const results = await fuzzApi({
    examples,
    maxTimeS,
    seed,
    roles: ['viewer', 'operator', 'approver', 'admin', 'predictor'],
    reportDir,
  });
  console.log(`fuzz:api — schemathesis 4.32.5, ${examples} examples per operation and phase, seed ${seed}`);
  for (const r of results) {
    const cases = /(\d+) generated[^\n]*/.exec(r.output)?.[0] ?? '?';
    const failures = /❌[^\n]*/g.exec(r.output)?.[0];
    console.log(
      `  ${r.role.padEnd(9)} exit ${r.exitCode}  ${r.seconds.toFixed(0)} s  ${cases}${failures ? `  ${failures}` : ''}`,
    );
    if (r.exitCode !== 0) console.log(r.output.split('=== FAILURES ===')[1]?.split('=== WARNINGS ===')[0] ?? r.output);
  }
  console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s; JUnit reports in ${reportDir}`);
  process.exitCode = results.every((r) => r.exitCode === 0) ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
