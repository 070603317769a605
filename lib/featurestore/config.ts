import { z } from 'zod';
import { ConfigError } from '../config';

// Feature-store settings, read from the environment like lib/config (kept here so the store can be switched
// and tested on its own; lib/config may absorb them).
const EnvSchema = z.object({
  FEATURE_ONLINE_STORE: z.enum(['postgres', 'redis']).default('postgres'),
  FEATURE_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0')
    .optional(),
  FEATURE_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,40}$/)
    .default('mlops:fs'),
  FEATURE_SOURCE_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// URL')
    .optional(),
  FEATURE_LOOKUP_CACHE_MS: z.coerce.number().int().min(0).max(3_600_000).default(2_000),
});

export interface FeatureStoreConfig {
  online: { kind: 'postgres' } | { kind: 'redis'; url: string; prefix: string };
  /**
   * Where user-declared sources (view tables, entity queries) are read: a read-only role in production. Default:
   * the metadata database, still in read-only sessions.
   */
  sourceDatabaseUrl?: string;
  /** How long the prediction service trusts which feature views a deployed version uses before re-reading. */
  lookupCacheMs: number;
}

export function loadFeatureStoreConfig(source: NodeJS.ProcessEnv = process.env): FeatureStoreConfig {
  const defined = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = EnvSchema.safeParse(defined);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue?.path[0] ?? '?');
    const shown = name.endsWith('_URL') ? '[redacted]' : JSON.stringify(defined[name]);
    throw new ConfigError(`Invalid configuration: ${name}=${shown} ${issue?.message ?? ''}`.trim());
  }
  const env = result.data;
  if (env.FEATURE_ONLINE_STORE === 'redis' && !env.FEATURE_REDIS_URL) {
    throw new ConfigError('Invalid configuration: FEATURE_ONLINE_STORE=redis needs FEATURE_REDIS_URL');
  }
  return {
    online:
      env.FEATURE_ONLINE_STORE === 'redis'
        ? { kind: 'redis', url: env.FEATURE_REDIS_URL as string, prefix: env.FEATURE_REDIS_PREFIX }
        : { kind: 'postgres' },
    sourceDatabaseUrl: env.FEATURE_SOURCE_DATABASE_URL,
    lookupCacheMs: env.FEATURE_LOOKUP_CACHE_MS,
  };
}
