import { stackUp } from '../../infra/stack';

/** Integration tests run on the real stack: start it, or reuse the one `npm test` / `npm run stack -- up` started. */
export default async function globalSetup(): Promise<void> {
  const results = await stackUp((m) => process.stderr.write(`[stack] ${m}\n`));
  for (const r of results) process.stderr.write(`[stack] ${r.service}: ${r.action}\n`);
}
