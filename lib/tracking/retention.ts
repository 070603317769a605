import type { Db } from '../db';
import type { ArtifactStore } from '../store';

// Retention: removes what old runs left behind (ABT tables, training checkpoints, stored artefacts) and keeps the
// record of the run (its tracking rows, metrics, lineage), marked with when its artefacts went. Never touched:
// runs still open, runs with a model version that is deployed, in staging or production, or archived after serving
// production (kept for audit and rollback), raw lake objects (the data versions re-runs read), and any object or ABT table a
// kept run also references (step-cache hits share them).

const OPEN = ['running', 'waiting_approval'];
const ABT_URI = /^postgres:([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)$/;

export interface RetentionPolicy {
  /** Runs that ended before this time. */
  endedBefore: Date;
  pipeline?: string;
  /** At most this many runs per call (the rest on the next call). */
  limit?: number;
}

export interface RetainedRun {
  runId: string;
  reason: string;
}

export interface RemovedRun {
  runId: string;
  pipeline: string;
  endedAt: Date;
  objects: number;
  bytes: number;
  abtTables: string[];
}

export interface RetentionReport {
  dryRun: boolean;
  endedBefore: Date;
  runs: RemovedRun[];
  /** Old runs kept, and why. */
  kept: RetainedRun[];
  freed: { objects: number; bytes: number; abtTables: number; abtBytes: number };
}

interface ArtifactRef {
  id: number;
  run_id: string;
  kind: string;
  uri: string;
  store_key: string | null;
  size_bytes: string | number | null;
}

async function protectedReasons(db: Db, runIds: string[]): Promise<Map<string, string>> {
  const reasons = new Map<string, string>();
  if (runIds.length === 0) return reasons;
  const versions = (await db('model_versions as v')
    .leftJoin('deployments as d', 'd.model_version_id', 'v.id')
    .whereIn('v.run_id', runIds)
    .select(
      'v.run_id',
      'v.model_name',
      'v.version',
      'v.stage',
      'd.slot',
      db.raw(
        `exists (select 1 from model_stage_transitions t where t.model_version_id = v.id and t.to_stage = 'production') as served`,
      ),
    )) as Array<{
    run_id: string;
    model_name: string;
    version: number;
    stage: string;
    slot: string | null;
    served: boolean;
  }>;
  for (const v of versions) {
    const name = `${v.model_name} v${v.version}`;
    if (v.slot) reasons.set(v.run_id, `${name} is deployed to ${v.slot}`);
    else if (reasons.has(v.run_id)) continue;
    else if (v.stage === 'production' || v.stage === 'staging') reasons.set(v.run_id, `${name} is in ${v.stage}`);
    else if (v.stage === 'archived' && v.served)
      reasons.set(v.run_id, `${name} served production (archived for audit)`);
  }
  return reasons;
}

async function tableBytes(db: Db, schema: string, name: string): Promise<number | undefined> {
  const { rows } = (await db.raw(
    `select pg_total_relation_size(c.oid) as bytes
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ? and c.relname = ?`,
    [schema, name],
  )) as { rows: Array<{ bytes: string | number }> };
  return rows[0] ? Number(rows[0].bytes) : undefined;
}

/**
 * Applies (or, with dryRun, only reports) the policy. Idempotent: a run whose artefacts are gone is marked and not
 * visited again; an object already missing counts as freed nothing.
 */
export async function applyRetention(
  db: Db,
  store: ArtifactStore,
  policy: RetentionPolicy,
  options: { dryRun: boolean; checkpointPrefix: (runId: string) => string },
): Promise<RetentionReport> {
  const q = db('pipeline_runs')
    .whereNotNull('ended_at')
    .where('ended_at', '<', policy.endedBefore)
    .whereNotIn('status', OPEN)
    .whereNull('artifacts_removed_at')
    .orderBy('ended_at')
    .limit(policy.limit ?? 200)
    .select('run_id', 'pipeline', 'ended_at');
  if (policy.pipeline) void q.where({ pipeline: policy.pipeline });
  const candidates = (await q) as Array<{ run_id: string; pipeline: string; ended_at: Date }>;
  const reasons = await protectedReasons(
    db,
    candidates.map((c) => c.run_id),
  );
  const kept = candidates
    .filter((c) => reasons.has(c.run_id))
    .map((c) => ({ runId: c.run_id, reason: reasons.get(c.run_id) as string }));
  const removable = candidates.filter((c) => !reasons.has(c.run_id));
  const removableIds = removable.map((r) => r.run_id);

  const artifacts = (
    removableIds.length
      ? await db('artifacts')
          .whereIn('run_id', removableIds)
          .whereNot({ kind: 'raw_dataset' })
          .whereNull('deleted_at')
          .select('id', 'run_id', 'kind', 'uri', 'store_key', 'size_bytes')
      : []
  ) as ArtifactRef[];
  // Objects and tables that a run outside this batch also references stay (cache hits share them).
  const keys = [...new Set(artifacts.map((a) => a.store_key).filter((k): k is string => k !== null))];
  const uris = [...new Set(artifacts.filter((a) => a.kind === 'abt').map((a) => a.uri))];
  const shared = new Set<string>();
  if (keys.length || uris.length) {
    const others = (await db('artifacts')
      .where((w) => {
        void w.whereNotIn('run_id', removableIds).orWhereNull('run_id');
      })
      .where((w) => {
        if (keys.length) void w.whereIn('store_key', keys);
        if (uris.length) void w.orWhereIn('uri', uris);
      })
      .select('store_key', 'uri')) as Array<{ store_key: string | null; uri: string }>;
    for (const o of others) {
      if (o.store_key) shared.add(`key:${o.store_key}`);
      shared.add(`uri:${o.uri}`);
    }
  }

  const report: RetentionReport = {
    dryRun: options.dryRun,
    endedBefore: policy.endedBefore,
    runs: [],
    kept,
    freed: { objects: 0, bytes: 0, abtTables: 0, abtBytes: 0 },
  };
  const seenKeys = new Set<string>();
  const seenTables = new Set<string>();
  for (const run of removable) {
    const mine = artifacts.filter((a) => a.run_id === run.run_id);
    const removed: RemovedRun = {
      runId: run.run_id,
      pipeline: run.pipeline,
      endedAt: run.ended_at,
      objects: 0,
      bytes: 0,
      abtTables: [],
    };
    const objectKeys: string[] = [];
    for (const a of mine) {
      if (a.kind === 'abt') {
        const m = ABT_URI.exec(a.uri);
        if (!m || shared.has(`uri:${a.uri}`) || seenTables.has(a.uri)) continue;
        seenTables.add(a.uri);
        const bytes = await tableBytes(db, m[1] as string, m[2] as string);
        if (bytes === undefined) continue;
        removed.abtTables.push(`${m[1]}.${m[2]}`);
        report.freed.abtTables += 1;
        report.freed.abtBytes += bytes;
        if (!options.dryRun) await db.schema.withSchema(m[1] as string).dropTableIfExists(m[2] as string);
      } else if (a.store_key && !shared.has(`key:${a.store_key}`) && !seenKeys.has(a.store_key)) {
        seenKeys.add(a.store_key);
        objectKeys.push(a.store_key);
      }
    }
    for await (const o of store.list(options.checkpointPrefix(run.run_id))) {
      if (!seenKeys.has(o.key)) {
        seenKeys.add(o.key);
        objectKeys.push(o.key);
      }
    }
    for (const key of objectKeys) {
      const info = await store.stat(key);
      if (!info) continue;
      removed.objects += 1;
      removed.bytes += info.size;
      if (!options.dryRun) await store.delete(key);
    }
    report.freed.objects += removed.objects;
    report.freed.bytes += removed.bytes;
    report.runs.push(removed);
    if (!options.dryRun) {
      await db.transaction(async (trx) => {
        await trx('artifacts')
          .whereIn(
            'id',
            mine.map((a) => a.id),
          )
          .update({ deleted_at: trx.fn.now() });
        await trx('pipeline_runs').where({ run_id: run.run_id }).update({ artifacts_removed_at: trx.fn.now() });
        // Cached step outputs of this run point at what was just removed: later runs compute them again.
        await trx('step_cache').where({ producer_run_id: run.run_id }).delete();
      });
    }
  }
  return report;
}
