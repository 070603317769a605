import type { Db } from '../db';
import type { ViewUse } from './offline';

/** Which views (and versions) a run's training set used: lineage, the run report and online lookup read it. */
export async function recordViewUsage(db: Db, runId: string, views: ViewUse[]): Promise<void> {
  for (const v of views) {
    await db('feature_view_usage')
      .insert({
        run_id: runId,
        view: v.name,
        version: v.version,
        hash: v.hash,
        join_keys: JSON.stringify(v.joinKeys),
        columns: JSON.stringify(v.columns),
        ttl_ms: v.ttlMs ?? null,
      })
      .onConflict(['run_id', 'view'])
      .merge(['version', 'hash', 'join_keys', 'columns', 'ttl_ms']);
  }
}

interface UsageRow {
  view: string;
  version: number;
  hash: string;
  join_keys: ViewUse['joinKeys'];
  columns: ViewUse['columns'];
  ttl_ms: number | null;
}

export async function viewsOfRun(db: Db, runId: string): Promise<ViewUse[]> {
  const rows = (await db('feature_view_usage').where({ run_id: runId }).orderBy('id')) as UsageRow[];
  return rows.map((r) => ({
    name: r.view,
    version: Number(r.version),
    hash: r.hash,
    joinKeys: r.join_keys,
    columns: r.columns,
    ttlMs: r.ttl_ms === null ? undefined : Number(r.ttl_ms),
  }));
}

export interface ViewLineageEntry {
  runId: string;
  version: number;
  pipeline: string | null;
  runStatus: string | null;
  usedAt: Date;
  models: Array<{ model: string; version: number; stage: string }>;
}

/** Every run that trained on a view (newest first) and the model versions those runs registered. */
export async function viewLineage(db: Db, view: string, limit = 100): Promise<ViewLineageEntry[]> {
  const rows = (await db('feature_view_usage as u')
    .leftJoin('pipeline_runs as r', 'r.run_id', 'u.run_id')
    .where('u.view', view)
    .orderBy('u.id', 'desc')
    .limit(limit)
    .select('u.run_id', 'u.version', 'u.created_at', 'r.pipeline', 'r.status')) as Array<Record<string, unknown>>;
  const runIds = rows.map((r) => r.run_id as string);
  const versions = (await db('model_versions')
    .whereIn('run_id', runIds)
    .select('run_id', 'model_name', 'version', 'stage')) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    runId: r.run_id as string,
    version: Number(r.version),
    pipeline: (r.pipeline as string | null) ?? null,
    runStatus: (r.status as string | null) ?? null,
    usedAt: r.created_at as Date,
    models: versions
      .filter((v) => v.run_id === r.run_id)
      .map((v) => ({ model: v.model_name as string, version: Number(v.version), stage: v.stage as string })),
  }));
}
