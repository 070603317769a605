import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
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
const EnvSchema = z.object({
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
  ORCHESTRATION_ACTIVITY_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  API_PORT: port.default(8080),
  API_HOST: z.string().default('127.0.0.1'),
  API_PUBLIC_URL: urlString(['http:', 'https:']).optional(),
  METRICS_ENABLED: bool.default(true),
});

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
  };
  taskQueues: { orchestration: string; training: string };
  database: { url: string; poolMax: number };
  artifacts:
    | { kind: 's3'; endpoint: string; accessKey: string; secretKey: string; region: string; bucket: string }
    | { kind: 'fs'; rootDir: string };
  s3: { endpoint: string; accessKey: string; secretKey: string; region: string; bucket: string };
  tfjsBackend: Env['TFJS_BACKEND'];
  workers: { trainingConcurrency: number; orchestrationActivityConcurrency: number };
  api: { port: number; host: string; publicUrl: string };
  metricsEnabled: boolean;
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
  const result = EnvSchema.safeParse({ ...stackDefaults(), ...defined });
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue?.path[0] ?? '?');
    const value = defined[name] ?? stackDefaults()[name];
    throw new ConfigError(`Invalid configuration: ${name}=${JSON.stringify(value)} ${issue?.message ?? ''}`.trim());
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
    },
    taskQueues: { orchestration: env.TASK_QUEUE_ORCHESTRATION, training: env.TASK_QUEUE_TRAINING },
    database: { url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX },
    artifacts: env.ARTIFACT_STORE === 's3' ? { kind: 's3', ...s3 } : { kind: 'fs', rootDir },
    s3,
    tfjsBackend: env.TFJS_BACKEND,
    workers: {
      trainingConcurrency: env.TRAINING_CONCURRENCY,
      orchestrationActivityConcurrency: env.ORCHESTRATION_ACTIVITY_CONCURRENCY,
    },
    api: {
      port: env.API_PORT,
      host: env.API_HOST,
      publicUrl: env.API_PUBLIC_URL ?? `http://${env.API_HOST}:${env.API_PORT}`,
    },
    metricsEnabled: env.METRICS_ENABLED,
  };
}
