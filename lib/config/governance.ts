import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { publicKeyOf, type VerificationKeys } from '../governance/approval';
import { DATA_DIR, PROJECT_ROOT } from './paths';

// Settings of the trust boundaries: approval signing keys, where data sources may be read from and as whom, where
// the workers may send webhooks, and the credentials production refuses to run with.

const HEX32 = /^[0-9a-f]{64}$/i;
const KEY_ID = /^[A-Za-z0-9._-]{1,40}$/;

export const GovernanceEnvSchema = z.object({
  /** `id:<64 hex chars>`: the Ed25519 private key (seed) the API signs approval decisions with. API only. */
  APPROVAL_SIGNING_KEY: z.string().optional(),
  /** `id:<64 hex public key>,...`: keys workers accept decisions from (several during a rotation). */
  APPROVAL_VERIFY_KEYS: z.string().optional(),
  /** PostgreSQL URL of the read-only role that `postgres` data sources run as (default: the stack's reader). */
  DATA_SOURCE_DATABASE_URL: z.string().optional(),
  DATA_SOURCE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(1000).default(600_000),
  /** Folders (comma-separated) that `file` data sources may read from, symlinks resolved. */
  DATA_FILE_ROOTS: z.string().optional(),
  /** Key prefixes (comma-separated) of the artifact bucket that `s3` data sources may read. */
  DATA_S3_PREFIXES: z.string().default('datasets/,uploads/,lake/raw/'),
  /** URL prefixes (comma-separated) the workers may POST alerts to; empty: no webhooks at all. */
  OUTBOUND_WEBHOOK_ALLOWLIST: z.string().default(''),
});
export type GovernanceEnv = z.infer<typeof GovernanceEnvSchema>;

export interface GovernanceConfig {
  approval: {
    /** The API's signing key; absent on workers. */
    signer?: { id: string; privateKeyHex: string };
    verifyKeys: VerificationKeys;
  };
  dataSources: {
    /** Connection of the read-only role for `postgres` sources on the metadata database. */
    readerUrl?: string;
    statementTimeoutMs: number;
    fileRoots: string[];
    s3Prefixes: string[];
  };
  outbound: { webhookAllowlist: string[] };
}

export class GovernanceConfigError extends Error {}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

function parseSigner(value: string | undefined): GovernanceConfig['approval']['signer'] {
  if (!value) return undefined;
  const [id = '', hex = ''] = value.split(':');
  if (!KEY_ID.test(id) || !HEX32.test(hex)) {
    throw new GovernanceConfigError(
      'Invalid configuration: APPROVAL_SIGNING_KEY must be id:<64 hex characters> (npm run stack -- up writes one for development)',
    );
  }
  return { id, privateKeyHex: hex.toLowerCase() };
}

function parseVerifyKeys(value: string | undefined): VerificationKeys {
  const keys: VerificationKeys = {};
  for (const pair of list(value)) {
    const [id = '', hex = ''] = pair.split(':');
    if (!KEY_ID.test(id) || !HEX32.test(hex)) {
      throw new GovernanceConfigError(
        `Invalid configuration: APPROVAL_VERIFY_KEYS entry "${id}" must be id:<64 hex characters of a public key>`,
      );
    }
    keys[id] = hex.toLowerCase();
  }
  return keys;
}

/** The folders `file` data sources may read (DATA_FILE_ROOTS, or pipelines/ and .data/uploads), as absolute paths. */
export function rootsFrom(value: string | undefined): string[] {
  const roots = list(value);
  const given = roots.length ? roots : [join(PROJECT_ROOT, 'pipelines'), join(DATA_DIR, 'uploads')];
  return given.map((r) => (isAbsolute(r) ? r : join(PROJECT_ROOT, r)));
}

function allowlistFrom(value: string): string[] {
  return list(value).map((prefix) => {
    let url: URL;
    try {
      url = new URL(prefix);
    } catch {
      throw new GovernanceConfigError(
        `Invalid configuration: OUTBOUND_WEBHOOK_ALLOWLIST entry "${prefix}" is not a URL`,
      );
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new GovernanceConfigError(
        `Invalid configuration: OUTBOUND_WEBHOOK_ALLOWLIST entry "${prefix}" is not http(s)`,
      );
    }
    return prefix;
  });
}

export function governanceFrom(env: GovernanceEnv): GovernanceConfig {
  const signer = parseSigner(env.APPROVAL_SIGNING_KEY);
  const verifyKeys = parseVerifyKeys(env.APPROVAL_VERIFY_KEYS);
  // The API verifies what it signs with: its own public key is always accepted.
  if (signer && !verifyKeys[signer.id]) verifyKeys[signer.id] = publicKeyOf(signer.privateKeyHex);
  return {
    approval: { signer, verifyKeys },
    dataSources: {
      readerUrl: env.DATA_SOURCE_DATABASE_URL,
      statementTimeoutMs: env.DATA_SOURCE_STATEMENT_TIMEOUT_MS,
      fileRoots: rootsFrom(env.DATA_FILE_ROOTS),
      s3Prefixes: list(env.DATA_S3_PREFIXES),
    },
    outbound: { webhookAllowlist: allowlistFrom(env.OUTBOUND_WEBHOOK_ALLOWLIST) },
  };
}

/** Whether a webhook URL is under one of the admin's allowed prefixes (exact origin, path prefix). */
export function webhookAllowed(url: string, allowlist: readonly string[]): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (target.username || target.password) return false;
  return allowlist.some((prefix) => {
    const allowed = new URL(prefix);
    return target.origin === allowed.origin && target.pathname.startsWith(allowed.pathname);
  });
}

/** Credentials that ship in the repository: fine on a laptop, refused in production. */
const DEFAULT_SECRETS = ['mlops-local', 'mlops-local-secret', 'mlops', 'postgres', 'changeme'];

/** The reasons a production process must not start with these settings (empty when it may). */
export function productionCredentialProblems(settings: {
  databaseUrl: string;
  s3AccessKey: string;
  s3SecretKey: string;
  authDisabled: boolean;
  role: 'api' | 'worker';
  governance: GovernanceConfig;
}): string[] {
  const problems: string[] = [];
  const db = new URL(settings.databaseUrl);
  if (!db.password || DEFAULT_SECRETS.includes(decodeURIComponent(db.password))) {
    problems.push('DATABASE_URL uses a default or empty password');
  }
  if (db.username === 'postgres') problems.push('DATABASE_URL connects as the superuser "postgres"');
  if (DEFAULT_SECRETS.includes(settings.s3AccessKey) || DEFAULT_SECRETS.includes(settings.s3SecretKey)) {
    problems.push('S3_ACCESS_KEY / S3_SECRET_KEY are the development defaults');
  }
  if (settings.role === 'api' && !settings.governance.approval.signer) {
    problems.push('APPROVAL_SIGNING_KEY is not set: the API could not sign approvals');
  }
  if (Object.keys(settings.governance.approval.verifyKeys).length === 0) {
    problems.push('APPROVAL_VERIFY_KEYS is not set: workers could not verify approvals');
  }
  return problems;
}
