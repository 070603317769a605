import { relative } from 'node:path';
import { PROJECT_ROOT } from '../config/paths';
import type { Db } from '../db';
import {
  listSpecFiles,
  parseSpecDocument,
  PIPELINE_NAME,
  PIPELINES_DIR,
  readSpecFile,
  resolveSpec,
  specDocumentHash,
  SpecError,
} from './load';
import type { ParameterValues } from './parameters';
import type { PipelineSpec } from './spec';

// Pipeline specs live in the metadata store, versioned by content hash, each version applied by a named principal
// (or seeded from a file in pipelines/). A run pins the version it started with, so an edit applies to new runs only
// and a re-run can use exactly the spec an earlier run used.

/** No stored spec by that name (or with that version hash): a 404, not a malformed spec. */
export class UnknownPipelineError extends SpecError {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownPipelineError';
  }
}

export interface StoredSpec {
  name: string;
  version: number;
  hash: string;
  raw: unknown;
  sourceText: string | null;
  appliedBy: string;
  appliedAt: Date;
  source: string;
}

interface VersionRow {
  name: string;
  version: number;
  spec_hash: string;
  applied_by: string;
  applied_at: Date;
  source: string;
  content?: unknown;
  source_text?: string | null;
}

function toStored(row: VersionRow): StoredSpec {
  return {
    name: row.name,
    version: row.version,
    hash: row.spec_hash,
    raw: row.content,
    sourceText: row.source_text ?? null,
    appliedBy: row.applied_by,
    appliedAt: row.applied_at,
    source: row.source,
  };
}

function versionsWithContent(db: Db) {
  return db<VersionRow>('pipeline_spec_versions as v')
    .join('pipeline_specs as s', 's.hash', 'v.spec_hash')
    .select(
      'v.name',
      'v.version',
      'v.spec_hash',
      'v.applied_by',
      'v.applied_at',
      'v.source',
      's.content',
      's.source_text',
    );
}

export interface ApplySpecInput {
  raw: unknown;
  sourceText?: string;
  appliedBy: string;
  /** 'api', or file:<path> for specs seeded from pipelines/. */
  source: string;
  /** When given, the document's name must be this one (PUT /v1/pipelines/{name}). */
  expectedName?: string;
}

/**
 * Validates and stores a spec; a document identical to the pipeline's current version adds nothing (idempotent).
 * Versions of one pipeline are numbered under an advisory lock, so concurrent applies never share a number.
 */
export async function applySpec(
  db: Db,
  input: ApplySpecInput,
): Promise<{ stored: StoredSpec; created: boolean; spec: PipelineSpec }> {
  const where = input.source.startsWith('file:') ? input.source.slice(5) : `applied by ${input.appliedBy}`;
  const spec = parseSpecDocument(input.raw, where);
  if (input.expectedName && spec.name !== input.expectedName) {
    throw new SpecError(`The spec declares name "${spec.name}" but was applied as "${input.expectedName}".`, {
      issues: [{ path: 'name', message: `must be "${input.expectedName}"` }],
    });
  }
  const hash = specDocumentHash(input.raw);
  return db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`pipeline-spec:${spec.name}`]);
    await trx('pipeline_specs')
      .insert({
        hash,
        name: spec.name,
        content: JSON.stringify(input.raw),
        source_text: input.sourceText ?? null,
      })
      .onConflict('hash')
      .ignore();
    const latest = await trx<VersionRow>('pipeline_spec_versions')
      .where({ name: spec.name })
      .orderBy('version', 'desc')
      .first();
    if (latest?.spec_hash === hash) {
      const [row] = await versionsWithContent(trx).where({ 'v.name': spec.name, 'v.version': latest.version });
      return { stored: toStored(row as VersionRow), created: false, spec };
    }
    const version = (latest?.version ?? 0) + 1;
    await trx('pipeline_spec_versions').insert({
      name: spec.name,
      version,
      spec_hash: hash,
      applied_by: input.appliedBy,
      source: input.source,
    });
    const [row] = await versionsWithContent(trx).where({ 'v.name': spec.name, 'v.version': version });
    return { stored: toStored(row as VersionRow), created: true, spec };
  });
}

/** The pipeline's current version, or the version with the given content hash. */
export async function getStoredSpec(db: Db, name: string, hash?: string): Promise<StoredSpec | undefined> {
  const query = versionsWithContent(db).where({ 'v.name': name }).orderBy('v.version', 'desc').first();
  if (hash) void query.where({ 'v.spec_hash': hash });
  const row = (await query) as VersionRow | undefined;
  return row ? toStored(row) : undefined;
}

/** The current version of every pipeline, by name. */
export async function listStoredSpecs(db: Db): Promise<StoredSpec[]> {
  const rows = (await versionsWithContent(db)
    .whereRaw('v.version = (select max(version) from pipeline_spec_versions x where x.name = v.name)')
    .orderBy('v.name')) as VersionRow[];
  return rows.map(toStored);
}

export async function listSpecVersions(db: Db, name: string): Promise<Array<Omit<StoredSpec, 'raw' | 'sourceText'>>> {
  const rows = await db<VersionRow>('pipeline_spec_versions').where({ name }).orderBy('version', 'desc');
  return rows.map((row) => {
    const { raw: _raw, sourceText: _text, ...rest } = toStored(row);
    return rest;
  });
}

export interface LoadedSpec {
  spec: PipelineSpec;
  /** Content hash of the stored spec version (what a re-run pins). */
  specHash: string;
  specVersion: number;
  /** The run's parameter values, declared defaults filled in. */
  parameters: ParameterValues;
  /** Where the version came from, for messages: `pipelines/churn.yaml` or `api (by ada)`. */
  file: string;
}

export function describeSource(stored: Pick<StoredSpec, 'source' | 'appliedBy'>): string {
  return stored.source.startsWith('file:') ? stored.source.slice(5) : `${stored.source} (by ${stored.appliedBy})`;
}

/** The spec a run uses: the pinned (or current) stored version with the run's declared parameters applied. */
export async function loadPipelineSpec(
  db: Db,
  input: { pipeline: string; specHash?: string; params?: Record<string, unknown> },
): Promise<LoadedSpec> {
  if (!PIPELINE_NAME.test(input.pipeline)) {
    throw new UnknownPipelineError(
      `Pipeline name ${JSON.stringify(input.pipeline)} is invalid: use lower-case letters, digits and dashes.`,
    );
  }
  const stored = await getStoredSpec(db, input.pipeline, input.specHash);
  if (!stored) {
    const known = (await listStoredSpecs(db)).map((s) => s.name).join(', ') || 'none';
    const which = input.specHash ? ` with spec version ${input.specHash.slice(0, 12)}` : '';
    throw new UnknownPipelineError(
      `No pipeline named "${input.pipeline}"${which} (known: ${known}). Apply its spec with \`mlops pipelines apply FILE\`.`,
    );
  }
  const where = `${describeSource(stored)} v${stored.version}`;
  const { spec, parameters } = resolveSpec(stored.raw, where, input.params ?? {});
  return { spec, specHash: stored.hash, specVersion: stored.version, parameters, file: where };
}

/**
 * Applies the spec files of a folder (pipelines/ by default) whose content changed since that file was last seeded.
 * A version applied through the API stays current until the file itself changes. Invalid files are reported, not
 * fatal: one bad file must not keep a worker or the API from starting.
 */
export async function seedSpecsFromFiles(
  db: Db,
  options: { dir?: string; log?: (level: 'info' | 'warn', message: string) => void } = {},
): Promise<Array<{ name: string; version: number; created: boolean }>> {
  const results: Array<{ name: string; version: number; created: boolean }> = [];
  for (const { name, file } of listSpecFiles(options.dir ?? PIPELINES_DIR)) {
    const source = `file:${relative(PROJECT_ROOT, file) || file}`;
    try {
      const { raw, text } = readSpecFile(file);
      const hash = specDocumentHash(raw);
      const lastFromFile = await db<VersionRow>('pipeline_spec_versions')
        .where({ name, source })
        .orderBy('version', 'desc')
        .first();
      if (lastFromFile?.spec_hash === hash) continue;
      const applied = await applySpec(db, {
        raw,
        sourceText: text,
        appliedBy: 'system:seed',
        source,
        expectedName: name,
      });
      results.push({ name, version: applied.stored.version, created: applied.created });
      if (applied.created)
        options.log?.('info', `pipeline ${name} v${applied.stored.version} seeded from ${source.slice(5)}`);
    } catch (err) {
      options.log?.('warn', `pipeline spec ${source.slice(5)} was not seeded: ${(err as Error).message}`);
    }
  }
  return results;
}
