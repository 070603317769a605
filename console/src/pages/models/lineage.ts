import type { AlertView, VersionInfo } from '../../data/types';
import type { GraphEdge, GraphNode } from '../../components/graph-types';

interface ObjectRef {
  sha256?: string;
  key?: string;
}
interface Lineage {
  pipeline?: string;
  codeVersion?: string;
  trigger?: { kind?: string; by?: string; alertId?: number };
  rawDataset?: ObjectRef;
  transform?: ObjectRef;
  abt?: { table?: string; rows?: number };
}

const short = (sha?: string) => (sha ? `sha256 ${sha.slice(0, 12)}` : undefined);

/**
 * data → ABT → run → version → deployments → alerts → retraining runs, from what the registry records for a version
 * (its lineage document and deployment slots) and the alerts monitoring raised on it.
 */
export function lineageGraph(info: VersionInfo, alerts: AlertView[]): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const lineage = info.lineage as Lineage;
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const run = `run:${info.runId}`;
  const version = `version:${info.version}`;
  if (lineage.rawDataset)
    nodes.push({ id: 'raw', kind: 'data', label: 'raw data', detail: short(lineage.rawDataset.sha256) });
  if (lineage.transform)
    nodes.push({ id: 'transform', kind: 'data', label: 'feature transform', detail: short(lineage.transform.sha256) });
  if (lineage.abt)
    nodes.push({
      id: 'abt',
      kind: 'data',
      label: 'ABT',
      detail: `${lineage.abt.table ?? ''} · ${lineage.abt.rows ?? '?'} rows`,
    });
  if (lineage.rawDataset && lineage.transform) edges.push({ from: 'raw', to: 'transform', label: 'fitted on' });
  if (lineage.rawDataset && lineage.abt) edges.push({ from: 'raw', to: 'abt' });
  if (lineage.transform && lineage.abt) edges.push({ from: 'transform', to: 'abt' });
  nodes.push({ id: run, kind: 'run', label: `run ${info.runId}`, detail: `trigger: ${lineage.trigger?.kind ?? '?'}` });
  const upstream = lineage.abt ? 'abt' : lineage.rawDataset ? 'raw' : undefined;
  if (upstream) edges.push({ from: upstream, to: run, label: 'trained on' });
  if (lineage.trigger?.alertId !== undefined) {
    const cause = `cause:${lineage.trigger.alertId}`;
    nodes.push({ id: cause, kind: 'alert', label: `alert #${lineage.trigger.alertId}`, detail: 'started this run' });
    edges.push({ from: cause, to: run });
  }
  nodes.push({
    id: version,
    kind: 'version',
    label: `${info.model} v${info.version}`,
    detail: `${info.stage} · ${info.candidate}`,
  });
  edges.push({ from: run, to: version, label: 'registered' });
  for (const slot of info.deployedTo) {
    nodes.push({ id: `slot:${slot}`, kind: 'deployment', label: `${slot} slot`, detail: 'serving this version' });
    edges.push({ from: version, to: `slot:${slot}`, label: 'deployed' });
  }
  for (const alert of alerts.filter((a) => a.versionId === info.versionId)) {
    const id = `alert:${alert.alertId}`;
    nodes.push({ id, kind: 'alert', label: `alert #${alert.alertId} (${alert.kind})`, detail: alert.status });
    edges.push({ from: version, to: id, label: 'raised' });
    if (alert.retrainingRunId) {
      const retrain = `retrain:${alert.retrainingRunId}`;
      nodes.push({ id: retrain, kind: 'run', label: `run ${alert.retrainingRunId}`, detail: 'retraining' });
      edges.push({ from: id, to: retrain, label: 'started' });
    }
  }
  return { nodes, edges };
}
