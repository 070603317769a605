import type { Knex } from 'knex';
import { recordAudit } from '../audit';
import type { Db } from '../db';

export type Stage = 'none' | 'staging' | 'production' | 'archived';
export type Slot = 'staging' | 'production';

export interface ModelVersionRow {
  id: number;
  model_name: string;
  version: number;
  run_id: string;
  candidate: string;
  stage: Stage;
  metrics: Record<string, number>;
  lineage: Record<string, unknown>;
  model_artifact_id: number | null;
  transform_artifact_id: number | null;
  /** The input signature (lib/ml/signature.ts); null for versions registered before signatures were stored. */
  signature: unknown;
  created_at: Date;
}

export class RegistryError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'INVALID_TRANSITION' | 'NO_PREVIOUS_VERSION' | 'NEVER_APPROVED',
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export async function ensureModel(db: Db, model: { name: string; task: string; description?: string }): Promise<void> {
  await db('models')
    .insert({ name: model.name, task: model.task, description: model.description ?? null })
    .onConflict('name')
    .merge(['task', 'description']);
}

export interface RegisterInput {
  modelName: string;
  runId: string;
  candidate: string;
  metrics: Record<string, number>;
  lineage: Record<string, unknown>;
  modelArtifactId: number;
  transformArtifactId: number;
  /** The model's input signature (lib/ml/signature.ts), checked on every predict. */
  signature?: unknown;
}

/** Idempotent on run + candidate: a retried registration returns the version the first attempt created. */
export async function registerModelVersion(
  db: Db,
  input: RegisterInput,
): Promise<{ version: ModelVersionRow; created: boolean }> {
  return db.transaction(async (trx) => {
    // Serialise version numbering per model.
    await trx('models').where({ name: input.modelName }).forUpdate().first();
    const existing = await trx<ModelVersionRow>('model_versions')
      .where({ run_id: input.runId, candidate: input.candidate })
      .first();
    if (existing) return { version: existing, created: false };
    const max = await trx('model_versions').where({ model_name: input.modelName }).max({ v: 'version' }).first();
    const [version] = await trx<ModelVersionRow>('model_versions')
      .insert({
        model_name: input.modelName,
        version: Number(max?.v ?? 0) + 1,
        run_id: input.runId,
        candidate: input.candidate,
        metrics: JSON.stringify(input.metrics) as unknown as Record<string, number>,
        lineage: JSON.stringify(input.lineage) as unknown as Record<string, unknown>,
        model_artifact_id: input.modelArtifactId,
        transform_artifact_id: input.transformArtifactId,
        signature: input.signature === undefined ? null : JSON.stringify(input.signature),
      })
      .returning('*');
    return { version: version as ModelVersionRow, created: true };
  });
}

export async function getVersionById(db: Db | Knex.Transaction, id: number): Promise<ModelVersionRow> {
  const row = await db<ModelVersionRow>('model_versions').where({ id }).first();
  if (!row) throw new RegistryError('NOT_FOUND', `Model version id ${id} does not exist`);
  return row;
}

export async function getVersion(db: Db, modelName: string, version: number): Promise<ModelVersionRow | undefined> {
  return db<ModelVersionRow>('model_versions').where({ model_name: modelName, version }).first();
}

export interface TransitionInput {
  versionId: number;
  toStage: Stage;
  actor: string;
  reason?: string;
  idempotencyKey?: string;
}

async function transition(trx: Knex.Transaction, input: TransitionInput): Promise<void> {
  const current = await getVersionById(trx, input.versionId);
  if (current.stage === input.toStage) return;
  await trx('model_versions').where({ id: input.versionId }).update({ stage: input.toStage });
  await trx('model_stage_transitions')
    .insert({
      model_version_id: input.versionId,
      from_stage: current.stage,
      to_stage: input.toStage,
      actor: input.actor,
      reason: input.reason ?? null,
      idempotency_key: input.idempotencyKey ?? null,
    })
    .onConflict('idempotency_key')
    .ignore();
  await recordAudit(trx as unknown as Db, {
    actor: input.actor,
    action: `stage.${input.toStage}`,
    target: `model:${current.model_name}:v${current.version}`,
    reason: input.reason,
    details: { from: current.stage, to: input.toStage },
    idempotencyKey: input.idempotencyKey,
  });
}

/** Moves a version to a stage, with who, when and why in the stage history and the audit log. */
export async function setStage(db: Db, input: TransitionInput): Promise<ModelVersionRow> {
  return db.transaction(async (trx) => {
    await transition(trx, input);
    return getVersionById(trx, input.versionId);
  });
}

/** The version becomes production; the one that was production is archived (one production version per model). */
export async function promoteToProduction(db: Db, input: Omit<TransitionInput, 'toStage'>): Promise<ModelVersionRow> {
  return db.transaction(async (trx) => {
    const target = await getVersionById(trx, input.versionId);
    await trx('models').where({ name: target.model_name }).forUpdate().first();
    const previous = await trx<ModelVersionRow>('model_versions')
      .where({ model_name: target.model_name, stage: 'production' })
      .whereNot({ id: target.id });
    for (const p of previous) {
      await transition(trx, {
        versionId: p.id,
        toStage: 'archived',
        actor: input.actor,
        reason: `superseded by v${target.version}`,
        idempotencyKey: input.idempotencyKey ? `${input.idempotencyKey}:archive:${p.id}` : undefined,
      });
    }
    await transition(trx, { ...input, toStage: 'production' });
    return getVersionById(trx, target.id);
  });
}

export interface DeploymentRow {
  model_name: string;
  slot: Slot;
  model_version_id: number;
  previous_version_id: number | null;
  deployed_by: string;
  run_id: string | null;
  deployed_at: Date;
}

/** Points a serving slot at a version; the slot's previous version is kept for rollback. Idempotent. */
export async function deployToSlot(
  db: Db,
  input: { modelName: string; slot: Slot; versionId: number; actor: string; runId?: string },
): Promise<DeploymentRow> {
  return db.transaction(async (trx) => {
    const current = await trx<DeploymentRow>('deployments')
      .where({ model_name: input.modelName, slot: input.slot })
      .forUpdate()
      .first();
    if (current?.model_version_id === input.versionId) return current;
    const row = {
      model_name: input.modelName,
      slot: input.slot,
      model_version_id: input.versionId,
      previous_version_id: current?.model_version_id ?? null,
      deployed_by: input.actor,
      run_id: input.runId ?? null,
      deployed_at: new Date(),
    };
    await trx('deployments').insert(row).onConflict(['model_name', 'slot']).merge();
    // Tell every prediction service to reload this slot now rather than at its next poll.
    await trx.raw('select pg_notify(?, ?)', [
      'mlops_deployments',
      JSON.stringify({ model: input.modelName, slot: input.slot }),
    ]);
    return row;
  });
}

/**
 * Takes a version out of every slot that holds it (a rejected or archived version must not be served): the slot is
 * left empty, so predict answers 404 MODEL_NOT_DEPLOYED instead of serving it. Audited; prediction services are told
 * to reload the slot at once. Returns the slots it left.
 */
export async function undeployVersion(
  db: Db,
  input: { versionId: number; actor: string; reason: string; idempotencyKey?: string },
): Promise<Slot[]> {
  return db.transaction(async (trx) => {
    const rows = await trx<DeploymentRow>('deployments').where({ model_version_id: input.versionId }).forUpdate();
    if (rows.length === 0) return [];
    await trx('deployments').where({ model_version_id: input.versionId }).delete();
    const version = await getVersionById(trx, input.versionId);
    for (const row of rows) {
      await trx.raw('select pg_notify(?, ?)', [
        'mlops_deployments',
        JSON.stringify({ model: row.model_name, slot: row.slot }),
      ]);
    }
    const slots = rows.map((r) => r.slot);
    await recordAudit(trx as unknown as Db, {
      actor: input.actor,
      action: 'undeploy',
      target: `model:${version.model_name}:v${version.version}`,
      reason: input.reason,
      details: { slots },
      idempotencyKey: input.idempotencyKey,
    });
    return slots;
  });
}

export async function getDeployment(db: Db, modelName: string, slot: Slot): Promise<DeploymentRow | undefined> {
  return db<DeploymentRow>('deployments').where({ model_name: modelName, slot }).first();
}

export async function listDeployments(db: Db): Promise<DeploymentRow[]> {
  return db<DeploymentRow>('deployments').orderBy(['model_name', 'slot']);
}

export async function getProductionVersion(db: Db, modelName: string): Promise<ModelVersionRow | undefined> {
  const deployment = await getDeployment(db, modelName, 'production');
  return deployment ? getVersionById(db, deployment.model_version_id) : undefined;
}

export async function listModels(db: Db) {
  return db('models as m')
    .leftJoin('deployments as d', function joinProduction() {
      this.on('d.model_name', '=', 'm.name').andOn('d.slot', '=', db.raw('?', ['production']));
    })
    .leftJoin('model_versions as v', 'v.id', 'd.model_version_id')
    .select('m.name', 'm.task', 'm.description', 'm.created_at', 'v.version as production_version')
    .orderBy('m.name');
}

export async function listVersions(db: Db, modelName: string): Promise<ModelVersionRow[]> {
  return db<ModelVersionRow>('model_versions').where({ model_name: modelName }).orderBy('version', 'desc');
}

export async function stageHistory(db: Db, versionId: number) {
  return db('model_stage_transitions').where({ model_version_id: versionId }).orderBy('id');
}

/** Production goes back to the version it replaced; audited like a promotion. */
/**
 * Puts an earlier production version back in production: one transaction under the model's lock, so concurrent or
 * repeated calls cannot flip production back and forth. Naming the version that is already in production changes
 * nothing (idempotent: `changed: false`). Only a version that was approved into production before may return there.
 */
export async function rollbackProduction(
  db: Db,
  input: { modelName: string; version: number; actor: string; reason: string; keyId?: string },
): Promise<{ deployment: DeploymentRow; changed: boolean; replacedVersionId: number | null }> {
  return db.transaction(async (trx) => {
    await trx('models').where({ name: input.modelName }).forUpdate().first();
    const target = await trx<ModelVersionRow>('model_versions')
      .where({ model_name: input.modelName, version: input.version })
      .first();
    if (!target) {
      throw new RegistryError('NOT_FOUND', `Model ${input.modelName} has no version ${input.version}`);
    }
    const current = await getDeployment(trx, input.modelName, 'production');
    if (current?.model_version_id === Number(target.id)) {
      return { deployment: current, changed: false, replacedVersionId: current.previous_version_id };
    }
    const approved = await trx('model_stage_transitions')
      .where({ model_version_id: target.id, to_stage: 'production' })
      .first();
    if (!approved) {
      throw new RegistryError(
        'NEVER_APPROVED',
        `Version ${input.version} of ${input.modelName} was never approved into production, so it cannot be rolled back to: only earlier production versions can.`,
      );
    }
    await promoteToProduction(trx, {
      versionId: Number(target.id),
      actor: input.actor,
      reason: `rollback: ${input.reason}`,
    });
    const deployment = await deployToSlot(trx, {
      modelName: input.modelName,
      slot: 'production',
      versionId: Number(target.id),
      actor: input.actor,
    });
    await recordAudit(trx, {
      actor: input.actor,
      action: 'rollback',
      target: `model:${input.modelName}`,
      reason: input.reason,
      keyId: input.keyId,
      details: { from: current?.model_version_id ?? null, to: Number(target.id), toVersion: input.version },
    });
    return { deployment, changed: true, replacedVersionId: current?.model_version_id ?? null };
  });
}
