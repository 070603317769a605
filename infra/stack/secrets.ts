import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { publicKeyOf } from '../../lib/governance/approval';
import { DATA_DIR } from '../../lib/config/paths';

// Credentials of the local stack, made once per checkout (.data/stack/secrets.json, readable by the owner only):
// the PostgreSQL superuser (used only to create roles and databases), the application and read-only roles, and
// the approval signing key the API and the workers share. Nothing here ships in the repository.

export interface StackSecrets {
  pgAdminUser: string;
  pgAdminPassword: string;
  appPassword: string;
  readerPassword: string;
  approvalKeyId: string;
  approvalPrivateKeyHex: string;
}

const STACK_DIR = join(DATA_DIR, 'stack');
const SECRETS_FILE = join(STACK_DIR, 'secrets.json');

export const APP_ROLE = 'mlops_app';
export const READER_ROLE = 'mlops_reader';

const token = () => randomBytes(24).toString('base64url');

export function stackSecrets(): StackSecrets {
  const existing = existsSync(SECRETS_FILE)
    ? (JSON.parse(readFileSync(SECRETS_FILE, 'utf8')) as Partial<StackSecrets>)
    : {};
  const secrets: StackSecrets = {
    pgAdminUser: existing.pgAdminUser ?? 'mlops_admin',
    pgAdminPassword: existing.pgAdminPassword ?? token(),
    appPassword: existing.appPassword ?? token(),
    readerPassword: existing.readerPassword ?? token(),
    approvalKeyId: existing.approvalKeyId ?? `dev-${randomBytes(3).toString('hex')}`,
    approvalPrivateKeyHex: existing.approvalPrivateKeyHex ?? randomBytes(32).toString('hex'),
  };
  if (JSON.stringify(existing) !== JSON.stringify(secrets)) {
    mkdirSync(STACK_DIR, { recursive: true });
    writeFileSync(SECRETS_FILE, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    chmodSync(SECRETS_FILE, 0o600);
  }
  return secrets;
}

/** What every process of this checkout reads as defaults (through the stack's endpoints file). */
export function approvalKeyEnv(secrets = stackSecrets()): Record<string, string> {
  const publicKey = publicKeyOf(secrets.approvalPrivateKeyHex);
  return {
    APPROVAL_SIGNING_KEY: `${secrets.approvalKeyId}:${secrets.approvalPrivateKeyHex}`,
    APPROVAL_VERIFY_KEYS: `${secrets.approvalKeyId}:${publicKey}`,
  };
}
