import type { Db } from '../db';

// Lineage as a graph you can ask: datasets (raw lake objects by SHA-256), resolved specs, code versions, runs,
// ABTs, candidates, model versions, deployment slots, monitors, alerts and the retraining runs alerts started.
// Edges point downstream (from what was used to what it produced); walking "up" follows them backwards. Every node
// is found from rows the pipeline already writes, so the graph needs no bookkeeping of its own.

export const NODE_KINDS = [
  'dataset',
  'spec',
  'code',
  'run',
  'abt',
  'candidate',
  'version',
  'deployment',
  'monitor',
  'alert',
] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

export interface LineageNode {
  kind: NodeKind;
  /** dataset: sha256; spec: resolved spec hash; code: version; run: run id; abt: artifact id; candidate:
   * `<run>:<candidate>`; version: `<model>@<n>`; deployment: `<model>:<slot>`; monitor: monitor id; alert: id. */
  id: string;
  /** Hops from the node asked about. */
  depth: number;
  attributes: Record<string, unknown>;
}

export interface LineageEdge {
  from: string;
  to: string;
  relation: string;
}

export interface LineageGraph {
  root: string;
  direction: 'up' | 'down' | 'both';
  depth: number;
  nodes: LineageNode[];
  edges: LineageEdge[];
  /** True when the node limit stopped the walk before the depth did. */
  truncated: boolean;
}

export class LineageNotFoundError extends Error {}

interface Ref {
  kind: NodeKind;
  id: string;
}
interface Found extends Ref {
  attributes: Record<string, unknown>;
}
interface Link {
  node: Ref;
  relation: string;
}

const key = (r: Ref) => `${r.kind}/${r.id}`;

function splitLast(id: string, sep: string): [string, string] | undefined {
  const at = id.lastIndexOf(sep);
  return at > 0 && at < id.length - 1 ? [id.slice(0, at), id.slice(at + 1)] : undefined;
}

type Row = Record<string, unknown>;

/** A node's own row (its attributes); undefined when it does not exist. */
async function describe(db: Db, ref: Ref): Promise<Found | undefined> {
  const found = (attributes: Row | undefined) => (attributes ? { ...ref, attributes } : undefined);
  switch (ref.kind) {
    case 'dataset': {
      const row = (await db('artifacts')
        .where({ kind: 'raw_dataset', sha256: ref.id })
        .orderBy('id')
        .first('uri', 'size_bytes', 'metadata', 'deleted_at')) as Row | undefined;
      return found(
        row && {
          uri: row.uri,
          sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
          source: (row.metadata as Row)?.source ?? null,
          removed: row.deleted_at !== null,
        },
      );
    }
    case 'spec': {
      const row = (await db('resolved_specs').where({ hash: ref.id }).first('pipeline', 'created_at')) as
        Row | undefined;
      return found(row && { pipeline: row.pipeline, createdAt: row.created_at });
    }
    case 'code': {
      const row = (await db('pipeline_runs').where({ code_version: ref.id }).count({ n: '*' }).first()) as Row;
      return Number(row.n) > 0 ? found({ runs: Number(row.n) }) : undefined;
    }
    case 'run': {
      const row = (await db('pipeline_runs')
        .where({ run_id: ref.id })
        .first(
          'pipeline',
          'status',
          'trigger',
          'started_at',
          'ended_at',
          'resolved_spec_hash',
          'code_version',
          'data_version',
          'rerun_of',
          'params',
        )) as Row | undefined;
      return found(
        row && {
          pipeline: row.pipeline,
          status: row.status,
          trigger: row.trigger,
          startedAt: row.started_at,
          endedAt: row.ended_at,
          spec: row.resolved_spec_hash,
          code: row.code_version,
          data: row.data_version,
          rerunOf: row.rerun_of,
          params: row.params,
        },
      );
    }
    case 'abt': {
      if (!/^\d{1,18}$/.test(ref.id)) return undefined;
      const row = (await db('artifacts')
        .where({ id: ref.id, kind: 'abt' })
        .first('uri', 'name', 'run_id', 'metadata', 'deleted_at')) as Row | undefined;
      return found(
        row && {
          uri: row.uri,
          table: String(row.uri).replace(/^postgres:/, ''),
          rows: (row.metadata as Row)?.rows ?? null,
          run: row.run_id,
          removed: row.deleted_at !== null,
        },
      );
    }
    case 'candidate': {
      const parts = splitLast(ref.id, ':');
      if (!parts) return undefined;
      const row = (await db('run_candidates')
        .where({ run_id: parts[0], candidate: parts[1] })
        .first('kind', 'best', 'test_metrics', 'backend')) as Row | undefined;
      return found(
        row && { run: parts[0], candidate: parts[1], kind: row.kind, best: row.best, metrics: row.test_metrics },
      );
    }
    case 'version': {
      const parts = splitLast(ref.id, '@');
      if (!parts || !/^\d{1,9}$/.test(parts[1])) return undefined;
      const row = (await db('model_versions')
        .where({ model_name: parts[0], version: Number(parts[1]) })
        .first('id', 'stage', 'run_id', 'candidate', 'metrics', 'created_at')) as Row | undefined;
      return found(
        row && {
          model: parts[0],
          version: Number(parts[1]),
          versionId: Number(row.id),
          stage: row.stage,
          run: row.run_id,
          candidate: row.candidate,
          metrics: row.metrics,
        },
      );
    }
    case 'deployment': {
      const parts = splitLast(ref.id, ':');
      if (!parts) return undefined;
      const row = (await db('deployments as d')
        .join('model_versions as v', 'v.id', 'd.model_version_id')
        .where({ 'd.model_name': parts[0], 'd.slot': parts[1] })
        .first('v.version', 'd.deployed_by', 'd.deployed_at')) as Row | undefined;
      return found(
        row && {
          model: parts[0],
          slot: parts[1],
          version: row.version,
          deployedBy: row.deployed_by,
          at: row.deployed_at,
        },
      );
    }
    case 'monitor': {
      const row = (await db('monitoring_reports')
        .where({ monitor_id: ref.id })
        .select('model', 'version')
        .count({ windows: '*' })
        .groupBy('model', 'version')
        .first()) as Row | undefined;
      return found(row && { model: row.model, version: row.version, windows: Number(row.windows) });
    }
    case 'alert': {
      if (!/^\d{1,18}$/.test(ref.id)) return undefined;
      const row = (await db('alerts')
        .where({ id: ref.id })
        .first('model', 'kind', 'status', 'message', 'action', 'created_at')) as Row | undefined;
      return found(row && { ...row, createdAt: row.created_at, created_at: undefined });
    }
  }
}

const refs = (kind: NodeKind, ids: unknown[], relation: string): Link[] =>
  [...new Set(ids.filter((id) => id !== null && id !== undefined).map(String))].map((id) => ({
    node: { kind, id },
    relation,
  }));

async function pluck(q: Promise<Row[]>, column: string): Promise<unknown[]> {
  return (await q).map((r) => r[column]);
}

/** What the node was made from (edges into it). */
async function upstream(db: Db, ref: Ref): Promise<Link[]> {
  switch (ref.kind) {
    case 'dataset':
    case 'spec':
    case 'code':
      return [];
    case 'run': {
      const row = (await db('pipeline_runs')
        .where({ run_id: ref.id })
        .first('resolved_spec_hash', 'code_version', 'data_version', 'rerun_of')) as Row | undefined;
      if (!row) return [];
      const alerts = await pluck(db('alerts').where({ retraining_run_id: ref.id }).select('id'), 'id');
      return [
        ...refs('dataset', [row.data_version], 'input_of'),
        ...refs('spec', [row.resolved_spec_hash], 'configured'),
        ...refs('code', [row.code_version], 'built'),
        ...refs('run', [row.rerun_of], 'rerun_as'),
        ...refs('alert', alerts, 'started'),
      ];
    }
    case 'abt': {
      const raws = await pluck(
        db('lineage_edges as e')
          .join('artifacts as a', 'a.id', 'e.from_artifact_id')
          .where({ 'e.to_artifact_id': ref.id, 'a.kind': 'raw_dataset' })
          .select('a.sha256'),
        'sha256',
      );
      const runs = await pluck(db('artifacts').where({ id: ref.id }).select('run_id'), 'run_id');
      return [...refs('dataset', raws, 'derived_into'), ...refs('run', runs, 'produced')];
    }
    case 'candidate': {
      const parts = splitLast(ref.id, ':');
      if (!parts) return [];
      const abts = await pluck(
        db('run_candidates as c')
          .join('lineage_edges as e', 'e.to_artifact_id', 'c.model_artifact_id')
          .join('artifacts as a', 'a.id', 'e.from_artifact_id')
          .where({ 'c.run_id': parts[0], 'c.candidate': parts[1], 'a.kind': 'abt' })
          .select('a.id'),
        'id',
      );
      return [...refs('run', [parts[0]], 'trained'), ...refs('abt', abts, 'trained')];
    }
    case 'version': {
      const parts = splitLast(ref.id, '@');
      if (!parts) return [];
      const row = (await db('model_versions')
        .where({ model_name: parts[0], version: Number(parts[1]) || -1 })
        .first('run_id', 'candidate')) as Row | undefined;
      return row ? refs('candidate', [`${String(row.run_id)}:${String(row.candidate)}`], 'registered_as') : [];
    }
    case 'deployment': {
      const parts = splitLast(ref.id, ':');
      if (!parts) return [];
      const rows = (await db('deployments as d')
        .join('model_versions as v', 'v.id', 'd.model_version_id')
        .where({ 'd.model_name': parts[0], 'd.slot': parts[1] })
        .select('v.model_name', 'v.version')) as Row[];
      return refs(
        'version',
        rows.map((r) => `${String(r.model_name)}@${String(r.version)}`),
        'deployed_to',
      );
    }
    case 'monitor': {
      const rows = (await db('monitoring_reports').where({ monitor_id: ref.id }).distinct('model', 'version')) as Row[];
      return refs(
        'version',
        rows.map((r) => `${String(r.model)}@${String(r.version)}`),
        'monitored_by',
      );
    }
    case 'alert': {
      if (!/^\d{1,18}$/.test(ref.id)) return [];
      const row = (await db('alerts as a')
        .leftJoin('monitoring_reports as r', 'r.id', 'a.report_id')
        .join('model_versions as v', 'v.id', 'a.version_id')
        .where({ 'a.id': ref.id })
        .first('r.monitor_id', 'v.model_name', 'v.version')) as Row | undefined;
      if (!row) return [];
      return row.monitor_id
        ? refs('monitor', [row.monitor_id], 'raised')
        : refs('version', [`${String(row.model_name)}@${String(row.version)}`], 'raised');
    }
  }
}

/** What was made from the node (edges out of it). */
async function downstream(db: Db, ref: Ref): Promise<Link[]> {
  switch (ref.kind) {
    case 'dataset': {
      const runs = await pluck(db('pipeline_runs').where({ data_version: ref.id }).select('run_id'), 'run_id');
      const abts = await pluck(
        db('artifacts as raw')
          .join('lineage_edges as e', 'e.from_artifact_id', 'raw.id')
          .join('artifacts as a', 'a.id', 'e.to_artifact_id')
          .where({ 'raw.kind': 'raw_dataset', 'raw.sha256': ref.id, 'a.kind': 'abt' })
          .select('a.id'),
        'id',
      );
      return [...refs('run', runs, 'input_of'), ...refs('abt', abts, 'derived_into')];
    }
    case 'spec':
      return refs(
        'run',
        await pluck(db('pipeline_runs').where({ resolved_spec_hash: ref.id }).select('run_id'), 'run_id'),
        'configured',
      );
    case 'code':
      return refs(
        'run',
        await pluck(db('pipeline_runs').where({ code_version: ref.id }).select('run_id'), 'run_id'),
        'built',
      );
    case 'run': {
      const abts = await pluck(db('artifacts').where({ run_id: ref.id, kind: 'abt' }).select('id'), 'id');
      const candidates = await pluck(db('run_candidates').where({ run_id: ref.id }).select('candidate'), 'candidate');
      const reruns = await pluck(db('pipeline_runs').where({ rerun_of: ref.id }).select('run_id'), 'run_id');
      return [
        ...refs('abt', abts, 'produced'),
        ...refs(
          'candidate',
          candidates.map((c) => `${ref.id}:${String(c)}`),
          'trained',
        ),
        ...refs('run', reruns, 'rerun_as'),
      ];
    }
    case 'abt': {
      if (!/^\d{1,18}$/.test(ref.id)) return [];
      const rows = (await db('lineage_edges as e')
        .join('run_candidates as c', 'c.model_artifact_id', 'e.to_artifact_id')
        .where({ 'e.from_artifact_id': ref.id, 'e.relation': 'trained_on' })
        .select('c.run_id', 'c.candidate')) as Row[];
      return refs(
        'candidate',
        rows.map((r) => `${String(r.run_id)}:${String(r.candidate)}`),
        'trained',
      );
    }
    case 'candidate': {
      const parts = splitLast(ref.id, ':');
      if (!parts) return [];
      const rows = (await db('model_versions')
        .where({ run_id: parts[0], candidate: parts[1] })
        .select('model_name', 'version')) as Row[];
      return refs(
        'version',
        rows.map((r) => `${String(r.model_name)}@${String(r.version)}`),
        'registered_as',
      );
    }
    case 'version': {
      const parts = splitLast(ref.id, '@');
      if (!parts) return [];
      const version = (await db('model_versions')
        .where({ model_name: parts[0], version: Number(parts[1]) || -1 })
        .first('id')) as Row | undefined;
      if (!version) return [];
      const slots = await pluck(db('deployments').where({ model_version_id: version.id }).select('slot'), 'slot');
      const monitors = await pluck(
        db('monitoring_reports').where({ version_id: version.id }).distinct('monitor_id'),
        'monitor_id',
      );
      const direct = await pluck(
        db('alerts').where({ version_id: version.id }).whereNull('report_id').select('id'),
        'id',
      );
      return [
        ...refs(
          'deployment',
          slots.map((s) => `${parts[0]}:${String(s)}`),
          'deployed_to',
        ),
        ...refs('monitor', monitors, 'monitored_by'),
        ...refs('alert', direct, 'raised'),
      ];
    }
    case 'deployment':
      return [];
    case 'monitor':
      return refs(
        'alert',
        await pluck(
          db('alerts as a')
            .join('monitoring_reports as r', 'r.id', 'a.report_id')
            .where({ 'r.monitor_id': ref.id })
            .select('a.id'),
          'id',
        ),
        'raised',
      );
    case 'alert': {
      if (!/^\d{1,18}$/.test(ref.id)) return [];
      return refs(
        'run',
        await pluck(
          db('alerts').where({ id: ref.id }).whereNotNull('retraining_run_id').select('retraining_run_id'),
          'retraining_run_id',
        ),
        'started',
      );
    }
  }
}

/**
 * The lineage graph around one node: `up` walks to what it was made from (data, spec, code), `down` to what was made
 * from it (versions, deployments, monitors, alerts, retraining runs), `both` does each from the root (not zig-zag).
 */
export async function lineageGraph(
  db: Db,
  input: { kind: NodeKind; id: string; direction: 'up' | 'down' | 'both'; depth: number; maxNodes?: number },
): Promise<LineageGraph> {
  const root = await describe(db, input);
  if (!root) throw new LineageNotFoundError(`No ${input.kind} "${input.id}" in the metadata store.`);
  const maxNodes = input.maxNodes ?? 500;
  const nodes = new Map<string, LineageNode>([[key(root), { ...root, depth: 0 }]]);
  const edges = new Map<string, LineageEdge>();
  let truncated = false;
  const walk = async (dir: 'up' | 'down') => {
    let frontier: Ref[] = [root];
    for (let depth = 1; depth <= input.depth && frontier.length > 0; depth += 1) {
      const next: Ref[] = [];
      for (const ref of frontier) {
        const links = dir === 'up' ? await upstream(db, ref) : await downstream(db, ref);
        for (const link of links) {
          const [from, to] = dir === 'up' ? [key(link.node), key(ref)] : [key(ref), key(link.node)];
          if (!nodes.has(key(link.node))) {
            if (nodes.size >= maxNodes) {
              truncated = true;
              continue;
            }
            const found = await describe(db, link.node);
            if (!found) continue;
            nodes.set(key(found), { ...found, depth });
            next.push(found);
          }
          edges.set(`${from}|${to}|${link.relation}`, { from, to, relation: link.relation });
        }
      }
      frontier = next;
    }
  };
  if (input.direction !== 'down') await walk('up');
  if (input.direction !== 'up') await walk('down');
  return {
    root: key(root),
    direction: input.direction,
    depth: input.depth,
    nodes: [...nodes.values()].map((n) => ({
      ...n,
      attributes: Object.fromEntries(Object.entries(n.attributes).filter(([, v]) => v !== undefined)),
    })),
    edges: [...edges.values()],
    truncated,
  };
}

/** `churn-classifier@3` → version, a 64-hex digest → dataset, `kind/id` → that kind, anything else → run. */
export function parseLineageRef(ref: string): { kind: NodeKind; id: string } {
  const slash = ref.indexOf('/');
  if (slash > 0 && (NODE_KINDS as readonly string[]).includes(ref.slice(0, slash))) {
    return { kind: ref.slice(0, slash) as NodeKind, id: ref.slice(slash + 1) };
  }
  if (/^[0-9a-f]{64}$/.test(ref)) return { kind: 'dataset', id: ref };
  if (/@\d+$/.test(ref)) return { kind: 'version', id: ref };
  return { kind: 'run', id: ref };
}
