import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { recordAudit } from '../audit';
import type { Db } from '../db';
import { canonicalJson } from '../metadata/step-cache';
import { formatIssues } from '../pipeline/issues';
import {
  FeatureDefinitionsSchema,
  definitionIssues,
  type EntityDefinition,
  type FeatureDefinitions,
  type FeatureViewDefinition,
} from './definitions';
import { FeatureStoreError } from './errors';

export interface JoinKey {
  name: string;
  type: 'string' | 'int';
}

export interface StoredEntity {
  name: string;
  version: number;
  hash: string;
  definition: EntityDefinition;
  appliedBy: string;
  appliedAt: Date;
}

export interface StoredView {
  name: string;
  version: number;
  hash: string;
  definition: FeatureViewDefinition;
  /** The entities' join keys, pinned when the view was applied. */
  joinKeys: JoinKey[];
  owner: string;
  appliedBy: string;
  appliedAt: Date;
}

export type ApplyStatus = 'created' | 'updated' | 'unchanged';
export interface ApplyResult {
  entities: Array<{ name: string; version: number; hash: string; status: ApplyStatus }>;
  featureViews: Array<{ name: string; version: number; hash: string; status: ApplyStatus }>;
}

export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

type Row = Record<string, unknown>;
type Conn = Db | Knex.Transaction;

function entityFromRow(r: Row): StoredEntity {
  return {
    name: r.name as string,
    version: Number(r.version),
    hash: r.hash as string,
    definition: r.definition as EntityDefinition,
    appliedBy: r.applied_by as string,
    appliedAt: r.applied_at as Date,
  };
}

function viewFromRow(r: Row): StoredView {
  return {
    name: r.name as string,
    version: Number(r.version),
    hash: r.hash as string,
    definition: r.definition as FeatureViewDefinition,
    joinKeys: r.join_keys as JoinKey[],
    owner: r.owner as string,
    appliedBy: r.applied_by as string,
    appliedAt: r.applied_at as Date,
  };
}

/** The latest version of every row of a definitions table (one per name). */
function latest(db: Conn, table: 'feature_entities' | 'feature_views') {
  return db(table)
    .distinctOn('name')
    .orderBy([{ column: 'name' }, { column: 'version', order: 'desc' }]);
}

export async function listEntities(db: Conn): Promise<StoredEntity[]> {
  return ((await latest(db, 'feature_entities')) as Row[]).map(entityFromRow);
}

export async function listViews(db: Conn): Promise<StoredView[]> {
  return ((await latest(db, 'feature_views')) as Row[]).map(viewFromRow);
}

/** A view at a version (default: the latest); throws VIEW_NOT_FOUND naming what exists. */
export async function getView(db: Conn, name: string, version?: number): Promise<StoredView> {
  const query = db('feature_views').where({ name }).orderBy('version', 'desc').first();
  if (version !== undefined) void query.where({ version });
  const row = (await query) as Row | undefined;
  if (!row) {
    const versions = (await db('feature_views').where({ name }).pluck('version')) as number[];
    const hint = versions.length
      ? `it has versions ${versions.sort((a, b) => a - b).join(', ')}`
      : 'apply its definition first (mlops features apply FILE)';
    throw new FeatureStoreError(
      'VIEW_NOT_FOUND',
      `No feature view ${name}${version === undefined ? '' : ` version ${version}`}: ${hint}.`,
    );
  }
  return viewFromRow(row);
}

export async function viewVersions(db: Conn, name: string): Promise<StoredView[]> {
  return ((await db('feature_views').where({ name }).orderBy('version', 'desc')) as Row[]).map(viewFromRow);
}

export async function getEntity(db: Conn, name: string): Promise<StoredEntity> {
  const row = (await db('feature_entities').where({ name }).orderBy('version', 'desc').first()) as Row | undefined;
  if (!row) throw new FeatureStoreError('ENTITY_NOT_FOUND', `No entity ${name}: apply its definition first.`);
  return entityFromRow(row);
}

/** Validates raw definitions (a parsed YAML file or an API body); throws INVALID_DEFINITION with field paths. */
export async function parseDefinitions(db: Conn, raw: unknown, where: string): Promise<FeatureDefinitions> {
  const parsed = FeatureDefinitionsSchema.safeParse(raw);
  if (!parsed.success) throw invalid(where, formatIssues(parsed.error, raw, FeatureDefinitionsSchema));
  const known = new Map((await listEntities(db)).map((e) => [e.name, e.definition]));
  const issues = definitionIssues(parsed.data, known);
  if (issues.length > 0) throw invalid(where, issues);
  return parsed.data;
}

function invalid(where: string, issues: Array<{ path: string; message: string }>): FeatureStoreError {
  const lines = issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n');
  return new FeatureStoreError(
    'INVALID_DEFINITION',
    `Invalid feature definitions ${where}:\n${lines}\nFix these fields and apply again.`,
    { issues },
  );
}

async function applyOne(
  trx: Knex.Transaction,
  table: 'feature_entities' | 'feature_views',
  name: string,
  hash: string,
  row: Row,
  audit: { actor: string; reason?: string; source: string },
): Promise<{ name: string; version: number; hash: string; status: ApplyStatus }> {
  const current = (await trx(table).where({ name }).orderBy('version', 'desc').first('version', 'hash')) as
    { version: number; hash: string } | undefined;
  if (current?.hash === hash) return { name, version: Number(current.version), hash, status: 'unchanged' };
  const version = Number(current?.version ?? 0) + 1;
  await trx(table).insert({ name, version, hash, applied_by: audit.actor, ...row });
  const kind = table === 'feature_views' ? 'feature_view' : 'entity';
  await recordAudit(trx as unknown as Db, {
    actor: audit.actor,
    action: 'features.apply',
    target: `${kind}:${name}`,
    reason: audit.reason,
    details: { version, hash, previousVersion: current?.version ?? null, source: audit.source },
    idempotencyKey: `features:${kind}:${name}:v${version}`,
  });
  return { name, version, hash, status: current ? 'updated' : 'created' };
}

/**
 * Registers definitions: each entity or view whose content hash differs from its latest version becomes a new
 * version (who, when, audited); identical ones are left alone, so applying the same file twice changes nothing.
 */
export async function applyDefinitions(
  db: Db,
  raw: unknown,
  options: { actor: string; reason?: string; source: string },
): Promise<ApplyResult> {
  return db.transaction(async (trx) => {
    // One apply at a time: version numbers are read and written in the same transaction.
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', ['mlops.feature_registry']);
    const defs = await parseDefinitions(trx, raw, options.source);
    const result: ApplyResult = { entities: [], featureViews: [] };
    const entities = new Map((await listEntities(trx)).map((e) => [e.name, e.definition]));
    for (const entity of defs.entities) {
      const hash = contentHash(entity);
      result.entities.push(
        await applyOne(trx, 'feature_entities', entity.name, hash, { definition: JSON.stringify(entity) }, options),
      );
      entities.set(entity.name, entity);
    }
    for (const view of defs.featureViews) {
      const joinKeys = view.entities.flatMap((e) => entities.get(e)?.joinKeys ?? []);
      const hash = contentHash({ view, joinKeys });
      const row = { definition: JSON.stringify(view), join_keys: JSON.stringify(joinKeys), owner: view.owner };
      result.featureViews.push(await applyOne(trx, 'feature_views', view.name, hash, row, options));
    }
    return result;
  });
}
