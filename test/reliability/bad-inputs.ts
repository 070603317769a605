// `npm run reliability:bad-inputs`: every case of the bad-input corpus (test/fixtures/corpus) through the real pipeline
// on the local stack, then one good run to show the workers survived; prints one table row per case.
// Env: CORPUS_CONCURRENCY (runs in flight, default 3), CORPUS_ONLY (comma-separated case ids).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { stackDown, stackUp } from '../../infra/stack';
import type { ServiceName } from '../../infra/stack/state';
import { printTable } from '../../bench/lib/report';
import { mapLimit } from '../../bench/lib-scale/stats';
import { CORPUS, prepareCorpus, type CorpusCase } from '../fixtures/corpus';
import { startPipelineHarness } from '../helpers/pipeline-harness';
import { runCorpusCase, type CaseOutcome } from './lib/bad-input-runner';

const CONCURRENCY = Number(process.env.CORPUS_CONCURRENCY ?? 3);

/** A plain good file after the corpus: the same workers must still train and deploy. */
const GOOD_RUN: CorpusCase = {
  id: 'good-run-after-corpus',
  group: 'valid',
  what: 'the plain file',
  expect: { succeeds: true },
};

function excerpt(text: string, width = 90): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

function verdict(o: CaseOutcome): string {
  const failed = o.checks.filter((c) => !c.ok).map((c) => `${c.name}${c.detail ? ` (${c.detail})` : ''}`);
  if (o.knownBug) return o.passed ? 'FIXED? known bug no longer reproduces' : `known product bug: ${failed.join('; ')}`;
  return o.passed ? 'pass' : `FAIL: ${failed.join('; ')}`;
}

/** A known-bug case is as expected while it still fails; once it passes, its note must go. */
const asExpected = (o: CaseOutcome) => (o.knownBug ? !o.passed : o.passed);

async function main(): Promise<number> {
  // Every case fails an activity on purpose: the worker's per-failure warnings would bury the table.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  process.env.LOG_LEVEL ??= 'fatal';
  const only = process.env.CORPUS_ONLY?.split(',').map((s) => s.trim());
  const cases = only ? CORPUS.filter((c) => only.includes(c.id)) : CORPUS;
  const started: ServiceName[] = (await stackUp()).filter((r) => r.action === 'started').map((r) => r.service);
  const dir = mkdtempSync(join(tmpdir(), 'mlops-corpus-'));
  const h = await startPipelineHarness();
  try {
    console.log(`bad inputs: ${cases.length} cases, ${CONCURRENCY} at a time (Node ${process.version})\n`);
    const t0 = Date.now();
    const outcomes = await mapLimit(prepareCorpus(dir, cases), CONCURRENCY, (p) => runCorpusCase(h, p));
    const [goodRun] = prepareCorpus(dir, [GOOD_RUN]);
    outcomes.push(await runCorpusCase(h, goodRun as NonNullable<typeof goodRun>));
    const seconds = (Date.now() - t0) / 1000;
    printTable(
      ['case', 'expected', 'got', 'message excerpt', 'result'],
      outcomes.map((o) => [o.id, o.expected, o.got, excerpt(o.message || '—'), verdict(o)]),
    );
    const unexpected = outcomes.filter((o) => !asExpected(o));
    const known = outcomes.filter((o) => o.knownBug && !o.passed);
    const byExpectation = (e: string) => cases.filter((c) => ('fails' in c.expect ? c.expect.fails : 'succeeds') === e);
    console.log(
      `\n${outcomes.filter((o) => o.passed).length}/${outcomes.length} passed, ${known.length} known product bugs, ` +
        `${unexpected.length} unexpected results, in ${seconds.toFixed(0)} s ` +
        `(${byExpectation('DataError').length} DataError, ${byExpectation('DataValidationFailed').length} ` +
        `DataValidationFailed, ${byExpectation('SpecError').length} SpecError, ` +
        `${byExpectation('succeeds').length} valid-but-unusual, + the good run after the corpus)`,
    );
    for (const o of known) console.log(`  known bug in ${o.id}: ${o.knownBug}`);
    return unexpected.length === 0 ? 0 : 1;
  } finally {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
    if (started.length) await stackDown(undefined, started);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
