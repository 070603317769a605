import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import {
  GovernanceConfigError,
  GovernanceEnvSchema,
  governanceFrom,
  productionCredentialProblems,
  type GovernanceConfig,
} from './governance';
import { DATA_DIR, PROJECT_ROOT, STACK_ENV_FILE } from './paths';

export { DATA_DIR, PROJECT_ROOT, TOOLS_DIR } from './paths';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(1).max(65535);

const urlString = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );

/** Every setting, its environment variable and its default. README's config table mirrors this. */
const BaseEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d+$/, 'must be host:port, e.g. 127.0.0.1:7233')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('mlops'),
  TEMPORAL_UI_URL: urlString(['http:', 'https:']).default('http://127.0.0.1:8233'),
  TEMPORAL_TLS_CERT: z.string().optional(),
  TEMPORAL_TLS_KEY: z.string().optional(),
  TEMPORAL_TLS_CA: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_API_KEY: z.string().optional(),
  TASK_QUEUE_ORCHESTRATION: z.string().min(1).default('mlops-orchestration'),
  TASK_QUEUE_TRAINING: z.string().min(1).default('mlops-training'),
  DATABASE_URL: urlString(['postgres:', 'postgresql:']).default('postgres://mlops:mlops@127.0.0.1:5432/mlops'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  ARTIFACT_STORE: z.enum(['s3', 'fs']).default('s3'),
  ARTIFACT_DIR: z.string().default(join(DATA_DIR, 'artifacts')),
  S3_ENDPOINT: urlString(['http:', 'https:']).default('http://127.0.0.1:9000'),
  S3_ACCESS_KEY: z.string().min(1).default('mlops-local'),
  S3_SECRET_KEY: z.string().min(1).default('mlops-local-secret'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name (3-63 lowercase letters, digits, -)')
    .default('mlops'),
  TFJS_BACKEND: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  TRAINING_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  RESOURCE_WARN_RATIO: z.coerce.number().min(0.1).max(1).default(0.85),
  WORKER_MEMORY_LIMIT_MB: z.coerce.number().positive().optional(),
  DB_SIZE_LIMIT_MB: z.coerce.number().positive().default(10_240),
  STORE_SIZE_LIMIT_MB: z.coerce.number().positive().default(51_200),
  ORCHESTRATION_ACTIVITY_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** Activity pollers of the orchestration worker: fewer than its slots, so slots stay free for eager dispatch. */
  /** How long a batch chunk may go without a heartbeat before Temporal retries it on another worker. */
  BATCH_HEARTBEAT_TIMEOUT: z
    .string()
    .regex(/^\d+(ms|s|m)$/, 'a duration such as 60s')
    .default('60s'),
  ORCHESTRATION_ACTIVITY_POLLERS: z.coerce.number().int().min(1).max(64).default(2),
  API_PORT: port.default(8080),
  API_HOST: z.string().default('127.0.0.1'),
  API_PUBLIC_URL: urlString(['http:', 'https:']).optional(),
  METRICS_ENABLED: bool.default(true),
  API_BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, "a size such as '512kb' or '1mb'")
    .default('1mb'),
  AUTH_DISABLED: bool.default(false),
  AUTH_JWKS_URL: urlString(['http:', 'https:']).optional(),
  AUTH_JWT_ISSUER: z.string().min(1).optional(),
  AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
  AUTH_JWT_ROLES_CLAIM: z.string().min(1).default('roles'),
  AUTH_JWT_IDENTITY_CLAIM: z.string().min(1).default('sub'),
  AUTH_JWT_ALGORITHMS: z
    .string()
    .regex(/^(RS|PS|ES)(256|384|512)(,(RS|PS|ES)(256|384|512)|,EdDSA)*$|^EdDSA(,.+)?$/, 'a list such as RS256,ES256')
    .default('RS256,PS256,ES256,EdDSA'),
  /** Failed authentications per client address per minute before 429 (brute force, key scanning). */
  AUTH_FAILURE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  PREDICT_MAX_ROWS: z.coerce.number().int().min(1).max(100_000).default(1000),
  PREDICTION_LOG_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(1),
  PREDICT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(6000),
  PAYLOAD_ENCRYPTION_KEYS: z
    .string()
    .regex(
      /^[A-Za-z0-9._-]+:[A-Za-z0-9+/=_-]+(,[A-Za-z0-9._-]+:[A-Za-z0-9+/=_-]+)*$/,
      'must be id:base64key pairs separated by commas, e.g. k2:<base64 of 32 bytes>,k1:<base64>',
    )
    .optional(),
  PAYLOAD_ENCRYPTION_ACTIVE_KEY: z.string().min(1).optional(),
  CODEC_CORS_ORIGINS: z.string().optional(),
});

const EnvSchema = BaseEnvSchema.extend(GovernanceEnvSchema.shape);

/** Never echoed in a ConfigError: a typo in one of these must not print the key. */
const SECRET_VARS = new Set([
  'PAYLOAD_ENCRYPTION_KEYS',
  'S3_SECRET_KEY',
  'TEMPORAL_API_KEY',
  'APPROVAL_SIGNING_KEY',
  'DATABASE_URL',
  'DATA_SOURCE_DATABASE_URL',
]);

type Env = z.infer<typeof EnvSchema>;

export interface AppConfig {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  temporal: {
    address: string;
    namespace: string;
    uiUrl: string;
    tls?: { certPath?: string; keyPath?: string; caPath?: string; serverName?: string };
    apiKey?: string;
    /** Set when PAYLOAD_ENCRYPTION_KEYS is: client and workers then encrypt every payload. */
    encryption?: PayloadEncryptionConfig;
  };
  taskQueues: { orchestration: string; training: string };
  database: { url: string; poolMax: number };
  artifacts:
    | { kind: 's3'; endpoint: string; accessKey: string; secretKey: string; region: string; bucket: string }
    | { kind: 'fs'; rootDir: string };
  s3: { endpoint: string; accessKey: string; secretKey: string; region: string; bucket: string };
  tfjsBackend: Env['TFJS_BACKEND'];
  workers: {
    trainingConcurrency: number;
    orchestrationActivityConcurrency: number;
    /** Activity task pollers (each holds a slot while it polls; the rest serve eagerly dispatched activities). */
    orchestrationActivityPollers: number;
    /** BATCH_HEARTBEAT_TIMEOUT: a batch chunk without a heartbeat this long is retried elsewhere. */
    batchHeartbeatTimeout: string;
    /** Port of the worker's Prometheus endpoint; undefined: orchestration 9464, training 9465 (0 disables). */
    metricsPort?: number;
  };
  resources: { warnRatio: number; memoryLimitMb?: number; dbSizeLimitMb: number; storeSizeLimitMb: number };
  api: { port: number; host: string; publicUrl: string; bodyLimit: string; codecCorsOrigins: string[] };
  metricsEnabled: boolean;
  auth: {
    /** Every request acts as an admin: local experiments only, refused when NODE_ENV=production. */
    disabled: boolean;
    jwt?: {
      jwksUrl: string;
      issuer: string;
      audience: string;
      algorithms: string[];
      rolesClaim: string;
      identityClaim: string;
    };
    failureLimitPerMinute: number;
  };
  governance: GovernanceConfig;
  predict: { maxRows: number; logSampleRate: number; rateLimitPerMinute: number };
}

/**
 * AES-256 keys by id. The key bytes sit behind a function so that logging or serialising the config never
 * prints them.
 */
export interface PayloadEncryptionConfig {
  activeKeyId: string;
  keyIds: string[];
  keyMaterial(id: string): Buffer | undefined;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Addresses recorded by `npm run stack -- up`; the environment always wins over them. */
function stackDefaults(): Record<string, string> {
  if (!existsSync(STACK_ENV_FILE)) return {};
  try {
    return JSON.parse(readFileSync(STACK_ENV_FILE, 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

function parseEnv(source: NodeJS.ProcessEnv): Env {
  const defined = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  // A production process never picks up a development stack's addresses and keys from the checkout.
  const defaults = defined.NODE_ENV === 'production' ? {} : stackDefaults();
  const result = EnvSchema.safeParse({ ...defaults, ...defined });
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue?.path[0] ?? '?');
    const value = defined[name] ?? defaults[name];
    const shown = SECRET_VARS.has(name) ? '[redacted]' : JSON.stringify(value);
    throw new ConfigError(`Invalid configuration: ${name}=${shown} ${issue?.message ?? ''}`.trim());
  }
  return result.data;
}

function tlsFrom(env: Env): AppConfig['temporal']['tls'] {
  const { TEMPORAL_TLS_CERT: certPath, TEMPORAL_TLS_KEY: keyPath, TEMPORAL_TLS_CA: caPath } = env;
  if (!certPath && !keyPath && !caPath) return undefined;
  if (Boolean(certPath) !== Boolean(keyPath)) {
    throw new ConfigError('Invalid configuration: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together');
  }
  return { certPath, keyPath, caPath, serverName: env.TEMPORAL_TLS_SERVER_NAME };
}

function encryptionFrom(env: Env): PayloadEncryptionConfig | undefined {
  if (!env.PAYLOAD_ENCRYPTION_KEYS) {
    if (env.PAYLOAD_ENCRYPTION_ACTIVE_KEY) {
      throw new ConfigError(
        'Invalid configuration: PAYLOAD_ENCRYPTION_ACTIVE_KEY is set but PAYLOAD_ENCRYPTION_KEYS is not',
      );
    }
    return undefined;
  }
  const keys = new Map<string, Buffer>();
  for (const pair of env.PAYLOAD_ENCRYPTION_KEYS.split(',')) {
    const [id = '', encoded = ''] = pair.split(':');
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32 || keys.has(id)) {
      const problem = keys.has(id) ? 'is listed twice' : `is ${key.length} bytes, AES-256 needs 32`;
      throw new ConfigError(`Invalid configuration: PAYLOAD_ENCRYPTION_KEYS key "${id}" ${problem}`);
    }
    keys.set(id, key);
  }
  const keyIds = [...keys.keys()];
  const activeKeyId = env.PAYLOAD_ENCRYPTION_ACTIVE_KEY ?? (keyIds[0] as string);
  if (!keys.has(activeKeyId)) {
    throw new ConfigError(
      `Invalid configuration: PAYLOAD_ENCRYPTION_ACTIVE_KEY="${activeKeyId}" is not one of the ids in PAYLOAD_ENCRYPTION_KEYS (${keyIds.join(', ')})`,
    );
  }
  return { activeKeyId, keyIds, keyMaterial: (id) => keys.get(id) };
}

function authFrom(env: Env): AppConfig['auth'] {
  if (env.AUTH_DISABLED && env.NODE_ENV === 'production') {
    throw new ConfigError('Invalid configuration: AUTH_DISABLED=true is refused when NODE_ENV=production');
  }
  if (env.AUTH_JWKS_URL && (!env.AUTH_JWT_ISSUER || !env.AUTH_JWT_AUDIENCE)) {
    // Without both, a token the same identity provider minted for any other application would be accepted here.
    throw new ConfigError(
      'Invalid configuration: AUTH_JWKS_URL is set, so AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE must be set too',
    );
  }
  const jwt =
    env.AUTH_JWKS_URL && env.AUTH_JWT_ISSUER && env.AUTH_JWT_AUDIENCE
      ? {
          jwksUrl: env.AUTH_JWKS_URL,
          issuer: env.AUTH_JWT_ISSUER,
          audience: env.AUTH_JWT_AUDIENCE,
          algorithms: env.AUTH_JWT_ALGORITHMS.split(','),
          rolesClaim: env.AUTH_JWT_ROLES_CLAIM,
          identityClaim: env.AUTH_JWT_IDENTITY_CLAIM,
        }
      : undefined;
  return { disabled: env.AUTH_DISABLED, jwt, failureLimitPerMinute: env.AUTH_FAILURE_LIMIT_PER_MINUTE };
}

function governed(env: Env): GovernanceConfig {
  try {
    return governanceFrom(env);
  } catch (err) {
    if (err instanceof GovernanceConfigError) throw new ConfigError(err.message);
    throw err;
  }
}

/**
 * NODE_ENV=production refuses the credentials that ship in the repository and missing approval keys; called by
 * the API and the workers at start, so a misconfigured deployment stops with one line saying what to set.
 */
export function assertProductionReady(config: AppConfig, role: 'api' | 'worker'): void {
  if (config.env !== 'production') return;
  const problems = productionCredentialProblems({
    databaseUrl: config.database.url,
    s3AccessKey: config.s3.accessKey,
    s3SecretKey: config.s3.secretKey,
    authDisabled: config.auth.disabled,
    role,
    governance: config.governance,
  });
  if (problems.length > 0) {
    throw new ConfigError(
      `Refusing to start with NODE_ENV=production: ${problems.join('; ')}. Set real secrets (see docs/SECURITY.md).`,
    );
  }
}

/** Reads and validates the whole configuration; a bad value throws one line naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const env = parseEnv(source);
  const s3 = {
    endpoint: env.S3_ENDPOINT,
    accessKey: env.S3_ACCESS_KEY,
    secretKey: env.S3_SECRET_KEY,
    region: env.S3_REGION,
    bucket: env.S3_BUCKET,
  };
  const rootDir = isAbsolute(env.ARTIFACT_DIR) ? env.ARTIFACT_DIR : join(PROJECT_ROOT, env.ARTIFACT_DIR);
  return {
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      uiUrl: env.TEMPORAL_UI_URL,
      tls: tlsFrom(env),
      apiKey: env.TEMPORAL_API_KEY,
      encryption: encryptionFrom(env),
    },
    taskQueues: { orchestration: env.TASK_QUEUE_ORCHESTRATION, training: env.TASK_QUEUE_TRAINING },
    database: { url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX },
    artifacts: env.ARTIFACT_STORE === 's3' ? { kind: 's3', ...s3 } : { kind: 'fs', rootDir },
    s3,
    tfjsBackend: env.TFJS_BACKEND,
    workers: {
      trainingConcurrency: env.TRAINING_CONCURRENCY,
      orchestrationActivityConcurrency: env.ORCHESTRATION_ACTIVITY_CONCURRENCY,
      batchHeartbeatTimeout: env.BATCH_HEARTBEAT_TIMEOUT,
      orchestrationActivityPollers: Math.min(
        env.ORCHESTRATION_ACTIVITY_POLLERS,
        env.ORCHESTRATION_ACTIVITY_CONCURRENCY,
      ),
      metricsPort: env.WORKER_METRICS_PORT,
    },
    resources: {
      warnRatio: env.RESOURCE_WARN_RATIO,
      memoryLimitMb: env.WORKER_MEMORY_LIMIT_MB,
      dbSizeLimitMb: env.DB_SIZE_LIMIT_MB,
      storeSizeLimitMb: env.STORE_SIZE_LIMIT_MB,
    },
    api: {
      port: env.API_PORT,
      host: env.API_HOST,
      publicUrl: env.API_PUBLIC_URL ?? `http://${env.API_HOST}:${env.API_PORT}`,
      bodyLimit: env.API_BODY_LIMIT,
      codecCorsOrigins: (env.CODEC_CORS_ORIGINS ?? new URL(env.TEMPORAL_UI_URL).origin)
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    },
    metricsEnabled: env.METRICS_ENABLED,
    auth: authFrom(env),
    governance: governed(env),
    predict: {
      maxRows: env.PREDICT_MAX_ROWS,
      logSampleRate: env.PREDICTION_LOG_SAMPLE_RATE,
      rateLimitPerMinute: env.PREDICT_RATE_LIMIT_PER_MINUTE,
    },
  };
}
