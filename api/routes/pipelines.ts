import { parse as parseYaml } from 'yaml';
import { recordAudit } from '../../lib/audit';
import { SpecError, modelNameOf, parseSpecDocument } from '../../lib/pipeline/load';
import { effectiveDefault } from '../../lib/pipeline/parameters';
import {
  UnknownPipelineError,
  applySpec,
  getStoredSpec,
  listSpecVersions,
  listStoredSpecs,
  type StoredSpec,
} from '../../lib/pipeline/store';
import type { ApiDeps } from '../deps';
import { defineRoute } from '../http/route';
import { isoRequired } from '../schemas/common';
import {
  ApplyPipelineBody,
  ApplyPipelineResponse,
  ListPipelineVersionsResponse,
  ListPipelinesResponse,
  PipelineDetail,
  PipelineParams,
} from '../schemas/pipelines';

function summaryOf(stored: StoredSpec) {
  const spec = parseSpecDocument(stored.raw, stored.name);
  return {
    name: stored.name,
    description: spec.description,
    task: spec.task,
    model: modelNameOf(spec),
    version: stored.version,
    specHash: stored.hash,
    appliedBy: stored.appliedBy,
    appliedAt: isoRequired(stored.appliedAt),
    source: stored.source,
    parameters: spec.parameters.map((p) => ({
      name: p.name,
      type: p.type,
      default: effectiveDefault(spec, p) ?? null,
      min: p.min ?? null,
      max: p.max ?? null,
      enum: p.enum ?? null,
      description: p.description,
      paths: p.paths,
    })),
    links: { self: `/v1/pipelines/${stored.name}`, runs: `/v1/runs?pipeline=${stored.name}` },
  };
}

function detailOf(stored: StoredSpec) {
  const spec = parseSpecDocument(stored.raw, stored.name);
  return { ...summaryOf(stored), spec: spec as unknown as Record<string, unknown>, sourceText: stored.sourceText };
}

function documentOf(body: { yaml?: string; spec?: Record<string, unknown> }): unknown {
  if (body.spec) return body.spec;
  try {
    return parseYaml(body.yaml as string);
  } catch (err) {
    throw new SpecError(`body.yaml is not valid YAML: ${(err as Error).message}`, {
      issues: [{ path: 'yaml', message: 'not valid YAML' }],
    });
  }
}

async function stored(deps: ApiDeps, name: string): Promise<StoredSpec> {
  const found = await getStoredSpec(deps.db, name);
  if (!found) {
    throw new UnknownPipelineError(
      `No pipeline named "${name}": GET /v1/pipelines lists them, POST /v1/pipelines applies one.`,
    );
  }
  return found;
}

export function pipelineRoutes(deps: ApiDeps) {
  return [
    defineRoute({
      operationId: 'listPipelines',
      method: 'get',
      path: '/v1/pipelines',
      summary: 'The pipelines that can be run: current spec version, task, model and declared parameters',
      tags: ['pipelines'],
      access: { role: 'viewer' },
      request: {},
      responses: { 200: ListPipelinesResponse },
      errors: [401, 403],
      async handle() {
        return { status: 200, body: { items: (await listStoredSpecs(deps.db)).map(summaryOf) } };
      },
    }),
    defineRoute({
      operationId: 'applyPipeline',
      method: 'post',
      path: '/v1/pipelines',
      summary: 'Apply a pipeline spec: validated, stored as a new version (content-addressed), audited',
      description: 'Applying a document equal to the current version changes nothing (200, created: false).',
      tags: ['pipelines'],
      access: { role: 'admin' },
      request: { body: ApplyPipelineBody },
      responses: { 201: ApplyPipelineResponse, 200: ApplyPipelineResponse },
      errors: [400, 401, 403, 415],
      async handle({ body, principal }) {
        const raw = documentOf(body);
        const applied = await applySpec(deps.db, {
          raw,
          sourceText: body.yaml,
          appliedBy: principal.id,
          source: 'api',
        });
        if (applied.created) {
          await recordAudit(deps.db, {
            actor: principal.id,
            action: 'pipeline.apply',
            target: `pipeline:${applied.stored.name}`,
            keyId: principal.keyId,
            details: { version: applied.stored.version, specHash: applied.stored.hash },
          });
        }
        const reply = { ...detailOf(applied.stored), created: applied.created };
        return { status: applied.created ? 201 : 200, body: reply };
      },
    }),
    defineRoute({
      operationId: 'getPipeline',
      method: 'get',
      path: '/v1/pipelines/:name',
      summary: "A pipeline's current spec (defaults filled in), its source text and declared parameters",
      tags: ['pipelines'],
      access: { role: 'viewer' },
      request: { params: PipelineParams },
      responses: { 200: PipelineDetail },
      errors: [400, 401, 403, 404],
      async handle({ params }) {
        return { status: 200, body: detailOf(await stored(deps, params.name)) };
      },
    }),
    defineRoute({
      operationId: 'listPipelineVersions',
      method: 'get',
      path: '/v1/pipelines/:name/versions',
      summary: "A pipeline's spec versions, newest first: who applied each and when",
      tags: ['pipelines'],
      access: { role: 'viewer' },
      request: { params: PipelineParams },
      responses: { 200: ListPipelineVersionsResponse },
      errors: [400, 401, 403, 404],
      async handle({ params }) {
        await stored(deps, params.name);
        const versions = await listSpecVersions(deps.db, params.name);
        const items = versions.map((v) => ({
          version: v.version,
          specHash: v.hash,
          appliedBy: v.appliedBy,
          appliedAt: isoRequired(v.appliedAt),
          source: v.source,
        }));
        return { status: 200, body: { items } };
      },
    }),
  ];
}
