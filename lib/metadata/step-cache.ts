import { createHash } from 'node:crypto';
import type { Db } from '../db';

/** Canonical JSON (sorted keys), so that the same spec section always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function stepCacheKey(step: string, rawSha256: string, specSection: unknown): string {
  return createHash('sha256')
    .update(`${step}\n${rawSha256}\n${canonicalJson(specSection)}`)
    .digest('hex');
}

export async function lookupStepCache<T>(
  db: Db,
  cacheKey: string,
): Promise<{ outputs: T; producerRunId: string } | undefined> {
  const row = await db('step_cache').where({ cache_key: cacheKey }).first();
  if (!row) return undefined;
  await db('step_cache').where({ cache_key: cacheKey }).increment('hits', 1);
  return { outputs: row.outputs as T, producerRunId: row.producer_run_id as string };
}

/** First writer wins: a concurrent run that computed the same outputs does not replace them. */
export async function storeStepCache(
  db: Db,
  entry: { cacheKey: string; step: string; producerRunId: string; outputs: unknown },
): Promise<void> {
  await db('step_cache')
    .insert({
      cache_key: entry.cacheKey,
      step: entry.step,
      producer_run_id: entry.producerRunId,
      outputs: JSON.stringify(entry.outputs),
    })
    .onConflict('cache_key')
    .ignore();
}
