import { listAudit } from '../../lib/audit';
import {
  getVersion,
  listModels,
  listVersions,
  rollbackProduction,
  stageHistory,
  type ModelVersionRow,
} from '../../lib/registry';
import { deploymentsOfVersion, getModel, listDeploymentViews, versionArtifacts } from '../../lib/registry/queries';
import type { FittedTransforms } from '../../lib/ml/features/types';
import { isModelSignature, signatureFromTransforms, type ModelSignature } from '../../lib/ml/signature';
import type { ApiDeps } from '../deps';
import { handOverMonitoring } from '../services/monitor-handover';
import { ApiError } from '../http/errors';
import { defineRoute } from '../http/route';
import { iso, isoRequired } from '../schemas/common';
import {
  ListDeploymentsResponse,
  ListModelsResponse,
  ListVersionsResponse,
  ModelParams,
  SignatureResponse,
  RollbackBody,
  RollbackResponse,
  VersionDetail,
  VersionParams,
} from '../schemas/registry';

const READ = { role: 'viewer' } as const;

/** The registry row of a model, or the 404 every model-addressed route answers. */
export async function requireModel(deps: ApiDeps, name: string) {
  const model = await getModel(deps.db, name);
  if (!model)
    throw new ApiError(404, 'MODEL_NOT_FOUND', `No model named "${name}" in the registry: GET /v1/models lists them.`);
  return model;
}

function versionSummary(v: ModelVersionRow) {
  return {
    model: v.model_name,
    version: v.version,
    versionId: Number(v.id),
    stage: v.stage,
    runId: v.run_id,
    candidate: v.candidate,
    metrics: v.metrics,
    createdAt: isoRequired(v.created_at),
  };
}

const artifactRef = (a?: { uri: string; sha256: string | null; size_bytes: number | null }) =>
  a ? { uri: a.uri, sha256: a.sha256, sizeBytes: a.size_bytes === null ? null : Number(a.size_bytes) } : null;

/** The stored signature, else one reconstructed from the version's transform (versions registered before). */
async function signatureOfVersion(deps: ApiDeps, version: ModelVersionRow): Promise<ModelSignature | undefined> {
  if (isModelSignature(version.signature)) return version.signature;
  const { transform } = await versionArtifacts(deps.db, version);
  const key = transform?.store_key;
  if (!key || !deps.store) return undefined;
  const fitted = JSON.parse((await deps.store.getBytes(key)).toString('utf8')) as FittedTransforms;
  return fitted.signature ?? signatureFromTransforms(fitted);
}

export function registryRoutes(deps: ApiDeps) {
  return [
    defineRoute({
      operationId: 'listModels',
      method: 'get',
      path: '/v1/models',
      summary: 'Registered models with their production version',
      tags: ['registry'],
      access: READ,
      request: {},
      responses: { 200: ListModelsResponse },
      errors: [401, 403],
      async handle() {
        const rows = (await listModels(deps.db)) as Array<{
          name: string;
          task: string;
          description: string | null;
          created_at: Date;
          production_version: number | null;
        }>;
        const items = rows.map((m) => ({
          name: m.name,
          task: m.task,
          description: m.description,
          createdAt: isoRequired(m.created_at),
          productionVersion: m.production_version,
        }));
        return { status: 200, body: { items } };
      },
    }),
    defineRoute({
      operationId: 'listModelVersions',
      method: 'get',
      path: '/v1/models/:name/versions',
      summary: "A model's versions, newest first",
      tags: ['registry'],
      access: READ,
      request: { params: ModelParams },
      responses: { 200: ListVersionsResponse },
      errors: [400, 401, 403, 404],
      async handle({ params }) {
        await requireModel(deps, params.name);
        const versions = await listVersions(deps.db, params.name);
        return { status: 200, body: { items: versions.map(versionSummary) } };
      },
    }),
    defineRoute({
      operationId: 'getModelSignature',
      method: 'get',
      path: '/v1/models/:name/versions/:version/signature',
      summary: 'The input signature of a model version: what POST /v1/predict accepts',
      description:
        'The raw columns a request sends, their types, which are required, and the categories and ranges seen in ' +
        'training. Predict refuses (400) a row with a required column missing, an unknown field or a value of the ' +
        'wrong type, and answers unseen categories and out-of-range numbers with per-row warnings.',
      tags: ['registry'],
      access: READ,
      request: { params: VersionParams },
      responses: { 200: SignatureResponse },
      errors: [400, 401, 403, 404],
      async handle({ params }) {
        await requireModel(deps, params.name);
        const version = await getVersion(deps.db, params.name, params.version);
        if (!version) {
          throw new ApiError(
            404,
            'VERSION_NOT_FOUND',
            `Model ${params.name} has no version ${params.version}: GET /v1/models/${params.name}/versions lists them.`,
          );
        }
        const signature = await signatureOfVersion(deps, version);
        if (!signature) {
          throw new ApiError(
            404,
            'SIGNATURE_NOT_FOUND',
            `Model ${params.name} v${params.version} has no transform to read a signature from.`,
          );
        }
        const { task, label, inputs, observedRows, source } = signature;
        return {
          status: 200,
          body: { model: params.name, version: params.version, task, label, inputs, observedRows, source },
        };
      },
    }),
    defineRoute({
      operationId: 'getModelVersion',
      method: 'get',
      path: '/v1/models/:name/versions/:version',
      summary: 'A model version: metrics, lineage, artifacts with their SHA-256 and stage history',
      tags: ['registry'],
      access: READ,
      request: { params: VersionParams },
      responses: { 200: VersionDetail },
      errors: [400, 401, 403, 404],
      async handle({ params }) {
        await requireModel(deps, params.name);
        const version = await getVersion(deps.db, params.name, params.version);
        if (!version) {
          throw new ApiError(
            404,
            'VERSION_NOT_FOUND',
            `Model ${params.name} has no version ${params.version}: GET /v1/models/${params.name}/versions lists them.`,
          );
        }
        const [history, artifacts, deployedTo] = await Promise.all([
          stageHistory(deps.db, version.id),
          versionArtifacts(deps.db, version),
          deploymentsOfVersion(deps.db, version.id),
        ]);
        const stages = (
          history as Array<{ from_stage: string; to_stage: string; actor: string; reason: string | null; at: Date }>
        ).map((h) => ({
          from: h.from_stage,
          to: h.to_stage,
          actor: h.actor,
          reason: h.reason,
          at: isoRequired(h.at),
        }));
        return {
          status: 200,
          body: {
            ...versionSummary(version),
            lineage: version.lineage,
            stageHistory: stages,
            artifacts: { model: artifactRef(artifacts.model), transform: artifactRef(artifacts.transform) },
            deployedTo,
          },
        };
      },
    }),
    defineRoute({
      operationId: 'listDeployments',
      method: 'get',
      path: '/v1/deployments',
      summary: 'What each serving slot points at, and what this process has loaded',
      tags: ['registry'],
      access: READ,
      request: {},
      responses: { 200: ListDeploymentsResponse },
      errors: [401, 403],
      async handle() {
        const loaded = deps.models.loaded();
        const items = (await listDeploymentViews(deps.db)).map((d) => {
          const served = loaded.find((l) => l.model === d.model_name && l.slot === d.slot);
          return {
            model: d.model_name,
            slot: d.slot,
            version: d.version,
            versionId: Number(d.model_version_id),
            previousVersion: d.previous_version,
            deployedBy: d.deployed_by,
            deployedAt: isoRequired(d.deployed_at),
            runId: d.run_id,
            served: served
              ? { version: served.version, loadedAt: served.loadedAt, modelSha256: served.modelSha256 }
              : null,
          };
        });
        return { status: 200, body: { items } };
      },
    }),
    defineRoute({
      operationId: 'rollbackModel',
      method: 'post',
      path: '/v1/models/:name/rollback',
      summary: 'Put an earlier production version back in production (audited, idempotent)',
      description:
        'body.version names the version to restore; naming the version already in production changes nothing (changed: false).',
      tags: ['registry'],
      access: { role: 'approver' },
      request: { params: ModelParams, body: RollbackBody },
      responses: { 200: RollbackResponse },
      errors: [400, 401, 403, 404, 409],
      async handle({ params, body, principal }) {
        await requireModel(deps, params.name);
        const result = await rollbackProduction(deps.db, {
          modelName: params.name,
          version: body.version,
          actor: principal.id,
          reason: body.reason,
          keyId: principal.keyId,
        });
        const row = result.deployment;
        if (result.changed) {
          // pg NOTIFY tells every API process; refreshing here makes this one serve the old version before answering.
          await deps.models.refresh(params.name, 'production').catch((err: Error) => {
            deps.log.warn(
              { model: params.name, err: err.message },
              'reload after rollback failed; the NOTIFY will retry',
            );
          });
        }
        const [restored, audit] = await Promise.all([
          deps.db<ModelVersionRow>('model_versions').where({ id: row.model_version_id }).first(),
          listAudit(deps.db, { target: `model:${params.name}`, action: 'rollback', limit: 1 }),
        ]);
        const replaced = result.replacedVersionId
          ? await deps.db<ModelVersionRow>('model_versions').where({ id: result.replacedVersionId }).first()
          : undefined;
        if (restored && result.changed) await handOverMonitoring(deps, { from: replaced, to: restored });
        return {
          status: 200,
          body: {
            model: params.name,
            slot: 'production' as const,
            version: restored?.version ?? 0,
            versionId: Number(row.model_version_id),
            replacedVersion: result.changed ? (replaced?.version ?? null) : null,
            changed: result.changed,
            by: principal.id,
            reason: body.reason,
            at: result.changed ? iso(audit[0]?.at) : null,
          },
        };
      },
    }),
  ];
}
