import { Graph as LayoutGraph, layout } from '@dagrejs/dagre';
import { Background, Controls, ReactFlow, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useMemo } from 'react';
import type { GraphEdge, GraphNode } from './graph-types';

const WIDTH = 220;
const HEIGHT = 58;

/** A left-to-right graph: dagre places the nodes, React Flow draws them (pan and zoom, read-only). */
export function FlowGraph({ nodes, edges, label }: { nodes: GraphNode[]; edges: GraphEdge[]; label: string }) {
  const flow = useMemo(() => {
    const g = new LayoutGraph();
    g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 56 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of nodes) g.setNode(n.id, { width: WIDTH, height: HEIGHT });
    for (const e of edges) g.setEdge(e.from, e.to);
    layout(g);
    const placed: Node[] = nodes.map((n) => {
      const p = g.node(n.id) as { x: number; y: number };
      return {
        id: n.id,
        position: { x: p.x - WIDTH / 2, y: p.y - HEIGHT / 2 },
        data: {
          label: (
            <div className="graph-node-label">
              <strong>{n.label}</strong>
              {n.detail ? <small>{n.detail}</small> : null}
            </div>
          ),
        },
        className: `graph-node graph-${n.kind}`,
        draggable: false,
        connectable: false,
        sourcePosition: 'right' as Node['sourcePosition'],
        targetPosition: 'left' as Node['targetPosition'],
      };
    });
    const lines: Edge[] = edges.map((e) => ({
      id: `${e.from}->${e.to}`,
      source: e.from,
      target: e.to,
      label: e.label,
      animated: false,
    }));
    return { placed, lines };
  }, [nodes, edges]);
  return (
    <div className="graph" aria-label={label} role="figure">
      <ReactFlow
        nodes={flow.placed}
        edges={flow.lines}
        fitView
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
