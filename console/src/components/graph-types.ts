export interface GraphNode {
  id: string;
  label: string;
  detail?: string;
  /** Styles the node: data, run, version, deployment, alert. */
  kind: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  label?: string;
}
