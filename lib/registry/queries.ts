import type { Db } from '../db';
import type { ArtifactRow } from '../metadata/artifacts';
import type { DeploymentRow, ModelVersionRow, Slot } from './index';

// Read models for the API, beside the registry's own writers.

export interface ModelRow {
  name: string;
  task: string;
  description: string | null;
  created_at: Date;
}

export async function getModel(db: Db, name: string): Promise<ModelRow | undefined> {
  return db<ModelRow>('models').where({ name }).first();
}

export interface DeploymentView extends DeploymentRow {
  version: number;
  previous_version: number | null;
}

/** Deployments with the version numbers of the served and the previous version. */
export async function listDeploymentViews(db: Db): Promise<DeploymentView[]> {
  return db('deployments as d')
    .join('model_versions as v', 'v.id', 'd.model_version_id')
    .leftJoin('model_versions as p', 'p.id', 'd.previous_version_id')
    .select('d.*', 'v.version as version', 'p.version as previous_version')
    .orderBy([{ column: 'd.model_name' }, { column: 'd.slot' }]);
}

export async function deploymentsOfVersion(db: Db, versionId: number): Promise<Slot[]> {
  const rows = await db('deployments').where({ model_version_id: versionId }).select('slot');
  return rows.map((r: { slot: Slot }) => r.slot);
}

export async function versionArtifacts(
  db: Db,
  version: Pick<ModelVersionRow, 'model_artifact_id' | 'transform_artifact_id'>,
): Promise<{ model?: ArtifactRow; transform?: ArtifactRow }> {
  const ids = [version.model_artifact_id, version.transform_artifact_id].filter((id): id is number => id !== null);
  const rows = ids.length ? await db<ArtifactRow>('artifacts').whereIn('id', ids) : [];
  return {
    model: rows.find((r) => Number(r.id) === Number(version.model_artifact_id)),
    transform: rows.find((r) => Number(r.id) === Number(version.transform_artifact_id)),
  };
}
