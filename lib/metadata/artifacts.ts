import type { Db } from '../db';

export type ArtifactKind =
  | 'raw_dataset'
  | 'validation_report'
  | 'quarantine'
  | 'transform'
  | 'split'
  | 'abt'
  | 'model'
  | 'checkpoint'
  | 'evaluation'
  | 'report'
  | 'reference_profile';

export interface ArtifactInput {
  runId: string;
  step: string;
  name: string;
  kind: ArtifactKind;
  uri: string;
  storeKey?: string;
  sha256?: string;
  sizeBytes?: number;
  metadata?: Record<string, unknown>;
}

export interface ArtifactRow {
  id: number;
  run_id: string | null;
  step: string;
  name: string;
  kind: ArtifactKind;
  uri: string;
  store_key: string | null;
  sha256: string | null;
  size_bytes: number | null;
  metadata: Record<string, unknown>;
  created_at: Date;
}

/** Idempotent on (run, step, name): a retried step updates its artifact row and gets the same id back. */
export async function recordArtifact(db: Db, a: ArtifactInput): Promise<number> {
  const [row] = await db('artifacts')
    .insert({
      run_id: a.runId,
      step: a.step,
      name: a.name,
      kind: a.kind,
      uri: a.uri,
      store_key: a.storeKey ?? null,
      sha256: a.sha256 ?? null,
      size_bytes: a.sizeBytes ?? null,
      metadata: JSON.stringify(a.metadata ?? {}),
    })
    .onConflict(['run_id', 'step', 'name'])
    .merge(['kind', 'uri', 'store_key', 'sha256', 'size_bytes', 'metadata'])
    .returning('id');
  return (row as { id: number }).id;
}

export type LineageRelation =
  'derived_from' | 'validated' | 'trained_on' | 'evaluated_on' | 'uses_transform' | 'reports_on';

export async function recordLineage(
  db: Db,
  edge: { fromId: number; toId: number; relation: LineageRelation; runId: string },
): Promise<void> {
  await db('lineage_edges')
    .insert({ from_artifact_id: edge.fromId, to_artifact_id: edge.toId, relation: edge.relation, run_id: edge.runId })
    .onConflict(['from_artifact_id', 'to_artifact_id', 'relation'])
    .ignore();
}

export async function listArtifacts(db: Db, runId: string): Promise<ArtifactRow[]> {
  return db<ArtifactRow>('artifacts').where({ run_id: runId }).orderBy('id');
}

export interface LineageEdgeRow {
  from_artifact_id: number;
  to_artifact_id: number;
  relation: LineageRelation;
}

/** Every artifact upstream of the given one (what it was derived from, transitively). */
export async function upstreamLineage(db: Db, artifactId: number): Promise<Array<ArtifactRow & { depth: number }>> {
  const { rows } = (await db.raw(
    `with recursive up(id, depth) as (
       select from_artifact_id, 1 from lineage_edges where to_artifact_id = ?
       union
       select e.from_artifact_id, up.depth + 1 from lineage_edges e join up on e.to_artifact_id = up.id where up.depth < 20
     )
     select a.*, min(up.depth) as depth from up join artifacts a on a.id = up.id group by a.id order by depth, a.id`,
    [artifactId],
  )) as { rows: Array<ArtifactRow & { depth: number }> };
  return rows;
}
