// `npm run secrets:env`: writes .env for docker-compose with fresh random secrets (database roles, S3, the approval
// signing key pair). Refuses to overwrite an existing .env unless --force: rotating a secret is a deliberate act.
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/config/paths';
import { publicKeyOf } from '../lib/governance/approval';

// `npm run secrets:env -- --approval-key`: prints a new approval key pair for a rotation, writes nothing.
if (process.argv.includes('--approval-key')) {
  const id = `k${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}`;
  const seed = randomBytes(32).toString('hex');
  console.log(`APPROVAL_SIGNING_KEY=${id}:${seed}`);
  console.log(`# add to APPROVAL_VERIFY_KEYS on every worker (comma-separated, keep the old one during the rotation):`);
  console.log(`${id}:${publicKeyOf(seed)}`);
  process.exit(0);
}

const target = join(PROJECT_ROOT, '.env');
if (existsSync(target) && !process.argv.includes('--force')) {
  console.error(`${target} exists: edit it, or pass --force to replace every secret in it.`);
  process.exit(1);
}
const secret = () => randomBytes(24).toString('base64url');
const keyId = `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;
const privateKey = randomBytes(32).toString('hex');
const lines = [
  '# Secrets for docker-compose (never commit this file). Made by `npm run secrets:env`.',
  `POSTGRES_PASSWORD=${secret()}`,
  `MLOPS_DB_PASSWORD=${secret()}`,
  `MLOPS_READER_PASSWORD=${secret()}`,
  `TEMPORAL_DB_PASSWORD=${secret()}`,
  `S3_ACCESS_KEY=mlops-${randomBytes(4).toString('hex')}`,
  `S3_SECRET_KEY=${secret()}`,
  '# The API signs approval decisions with the private key; API and workers verify with the public keys.',
  `APPROVAL_SIGNING_KEY=${keyId}:${privateKey}`,
  `APPROVAL_VERIFY_KEYS=${keyId}:${publicKeyOf(privateKey)}`,
  '# URL prefixes the workers may POST alerts to (comma-separated); empty: no webhooks.',
  'OUTBOUND_WEBHOOK_ALLOWLIST=',
];
writeFileSync(target, `${lines.join('\n')}\n`, { mode: 0o600 });
console.log(`wrote ${target} (readable by you only)`);
