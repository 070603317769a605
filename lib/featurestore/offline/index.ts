import { Readable } from 'node:stream';
import type { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Db } from '../../db';
import type { ArtifactStore } from '../../store';
import { csvLine } from '../csv';
import type { FeatureDefinition, FeatureType } from '../definitions';
import { FeatureStoreError } from '../errors';
import { getView, type JoinKey, type StoredView } from '../registry';
import type { FeatureViewsSource } from '../spec';
import { openWorkClient } from '../source-db';
import { durationToMs } from '../time';
import { loadEntityFrame } from './entity-frame';
import { pointInTimeJoinSql } from './join';
import { stageView } from './stage';

/** Which view version a training set used and how its features are named there: the lineage and the serving map. */
export interface ViewUse {
  name: string;
  version: number;
  hash: string;
  joinKeys: JoinKey[];
  columns: Array<{ column: string; feature: string; type: FeatureType }>;
  ttlMs?: number;
}

export interface TrainingSet {
  /** CSV with a header: the entity dataframe's columns, then each view's feature columns. */
  stream: Readable;
  describe: string;
  views: ViewUse[];
  entityRows: number;
  close(): Promise<void>;
}

interface ResolvedRef {
  view: StoredView;
  features: FeatureDefinition[];
  use: ViewUse;
}

async function resolveRefs(db: Db, source: FeatureViewsSource): Promise<ResolvedRef[]> {
  const seen = new Set<string>();
  const resolved: ResolvedRef[] = [];
  for (const ref of source.views) {
    const { name, prefix } = ref;
    if (seen.has(name)) throw trainingSetError(`feature view ${name} is listed twice in data.source.views`);
    seen.add(name);
    const view = await getView(db, name, 'version' in ref ? ref.version : undefined);
    const wanted = 'features' in ref && ref.features ? ref.features : undefined;
    const unknown = (wanted ?? []).filter((f) => !view.definition.features.some((d) => d.name === f));
    if (unknown.length > 0) {
      const has = view.definition.features.map((f) => f.name).join(', ');
      throw trainingSetError(
        `feature view ${name} v${view.version} has no feature ${unknown.join(', ')} (it has ${has})`,
      );
    }
    const features = wanted
      ? wanted.map((f) => view.definition.features.find((d) => d.name === f) as FeatureDefinition)
      : view.definition.features;
    const ttl = view.definition.ttl;
    resolved.push({
      view,
      features,
      use: {
        name,
        version: view.version,
        hash: view.hash,
        joinKeys: view.joinKeys,
        columns: features.map((f) => ({
          column: prefix ? `${name}__${f.name}` : f.name,
          feature: f.name,
          type: f.type,
        })),
        ttlMs: ttl === undefined ? undefined : durationToMs(ttl),
      },
    });
  }
  return resolved;
}

function trainingSetError(message: string): FeatureStoreError {
  return new FeatureStoreError('INVALID_TRAINING_SET', `Training set: ${message}.`);
}

/** The join keys of all views together; one name must mean one type everywhere. */
function unionKeys(refs: ResolvedRef[]): JoinKey[] {
  const keys = new Map<string, JoinKey>();
  for (const { view } of refs) {
    for (const key of view.joinKeys) {
      const known = keys.get(key.name);
      if (known && known.type !== key.type) {
        throw trainingSetError(`join key ${key.name} is ${known.type} in one view and ${key.type} in ${view.name}`);
      }
      keys.set(key.name, key);
    }
  }
  return [...keys.values()];
}

function checkColumnNames(entityColumns: string[], refs: ResolvedRef[]): void {
  const owner = new Map(entityColumns.map((c) => [c, 'the entity dataframe']));
  for (const { use } of refs) {
    for (const { column } of use.columns) {
      const taken = owner.get(column);
      if (taken) {
        throw trainingSetError(
          `column ${column} comes from both ${taken} and feature view ${use.name}: set prefix: true on the view ` +
            'reference (columns become view__feature) or select features explicitly',
        );
      }
      owner.set(column, `feature view ${use.name}`);
    }
  }
}

/**
 * Builds a training set in PostgreSQL: the entity dataframe and each view's usable rows go to temporary tables of
 * one session, then one point-in-time join streams the result out as CSV (bounded memory at any size).
 */
export async function openTrainingSet(
  deps: { db: Db; store: ArtifactStore; workUrl: string; sourceUrl: string },
  source: FeatureViewsSource,
  heartbeat: (details: unknown) => void = () => undefined,
): Promise<TrainingSet> {
  const refs = await resolveRefs(deps.db, source);
  const joinKeys = unionKeys(refs);
  const work: Client = await openWorkClient(deps.workUrl);
  try {
    const frame = await loadEntityFrame(work, { spec: source.entities, joinKeys, ...deps, heartbeat });
    checkColumnNames(frame.columns, refs);
    if (frame.rows === 0 || !frame.minTime || !frame.maxTime)
      throw trainingSetError('the entity dataframe has no rows');
    const views = [];
    for (const [index, ref] of refs.entries()) {
      const staged = await stageView(work, {
        index,
        view: ref.view,
        features: ref.features,
        minTime: frame.minTime,
        maxTime: frame.maxTime,
        sourceUrl: deps.sourceUrl,
        store: deps.store,
        heartbeat,
      });
      views.push({ staged, entityKeys: ref.view.joinKeys.map((k) => frame.keyColumn.get(k.name) as string) });
    }
    const sql = pointInTimeJoinSql({ passthrough: frame.columns.length, views });
    const header = csvLine([...frame.columns, ...refs.flatMap((r) => r.use.columns.map((c) => c.column))]);
    const rows = work.query(copyTo(`COPY (${sql}) TO STDOUT WITH (FORMAT csv)`));
    const stream = Readable.from(
      (async function* () {
        yield Buffer.from(header);
        for await (const chunk of rows) yield chunk as Buffer;
      })(),
    );
    const names = refs.map((r) => `${r.view.name} v${r.view.version}`).join(', ');
    return {
      stream,
      describe: `point-in-time join of ${frame.rows} entity rows with ${names}`,
      views: refs.map((r) => r.use),
      entityRows: frame.rows,
      close: () => work.end(),
    };
  } catch (err) {
    await work.end().catch(() => undefined);
    throw err;
  }
}
