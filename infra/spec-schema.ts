import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/config/paths';
import { generatedSpecFiles } from './spec-docs';

// Writes pipelines/spec.schema.json and docs/SPEC.md from the zod schema. With --check it writes nothing and exits 1
// when either file differs from what it would write (test/unit/pipeline/spec-schema.test.ts runs that).
async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [file, text] of Object.entries(await generatedSpecFiles())) {
    const path = join(PROJECT_ROOT, file);
    if (!check) {
      writeFileSync(path, text);
      process.stdout.write(`wrote ${file}\n`);
    } else if (readFileSync(path, 'utf8') !== text) {
      stale++;
      process.stdout.write(`${file} is stale: run \`npm run spec:schema\`\n`);
    }
  }
  if (stale > 0) process.exit(1);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
