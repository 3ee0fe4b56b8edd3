import { useEffect, useMemo, useState } from "react";
import { Background, Controls, Handle, MarkerType, MiniMap, Position, ReactFlow, type Edge, type Node, type NodeProps } from "@xyflow/react";
import ELK from "elkjs/lib/elk.bundled.js";
import "@xyflow/react/dist/style.css";
import { visible } from "../alerts/index.ts";
import { EntityIcon } from "./parts.tsx";
import { KIND_LABEL, relationLabel, shortLabel, type EventGraph as Graph, type GraphNode } from "./model.ts";

/** Node box size: ELK lays out these boxes, the CSS draws them the same size. */
const W = 220;
const H = 62;
// the bundled build runs in this thread: no worker file to serve, no eval (the CSP allows neither)
const elk = new ELK();

interface EntityData extends Record<string, unknown> { node: GraphNode; title: string; sub: string }
type EntityNodeType = Node<EntityData, "entity">;

/** One entity: icon and colour by kind, the label as text, a malicious one marked. */
function EntityNode({ data, selected }: NodeProps<EntityNodeType>) {
  const n = data.node;
  return (
    <div className={`evg-node evk-${n.kind} ${n.malicious ? "bad" : ""} ${selected ? "sel" : ""}`} title={visible(n.label, 4096)} data-testid="graph-node" data-kind={n.kind} data-malicious={n.malicious ? "true" : "false"}>
      <Handle type="target" position={Position.Left} className="evg-handle" isConnectable={false} />
      <span className="evg-ico"><EntityIcon kind={n.kind} size={18} /></span>
      <span className="evg-text">
        <span className="evg-kind">{KIND_LABEL[n.kind] ?? n.kind}{n.malicious && <span className="evg-bad">malicious</span>}</span>
        <span className="evg-label" data-testid="graph-node-label">{data.title}</span>
        {data.sub && <span className="evg-sub">{data.sub}</span>}
      </span>
      <Handle type="source" position={Position.Right} className="evg-handle" isConnectable={false} />
    </div>
  );
}
const NODE_TYPES = { entity: EntityNode };

/** Edges as drawn: one per (from, to, relation), however many alerts showed it. */
function drawnEdges(g: Graph): { id: string; from: string; to: string; relation: string; alertIds: string[] }[] {
  const by = new Map<string, { id: string; from: string; to: string; relation: string; alertIds: string[] }>();
  for (const e of g.edges) {
    const k = `${e.from}\n${e.to}\n${e.relation}`;
    const x = by.get(k);
    if (x) { if (!x.alertIds.includes(e.alertId)) x.alertIds.push(e.alertId); }
    else by.set(k, { id: `e${by.size}`, from: e.from, to: e.to, relation: e.relation, alertIds: [e.alertId] });
  }
  return [...by.values()];
}

/**
 * EVT-4: the provenance graph — entities as nodes, relations as labelled edges — laid out by
 * ELK (layered, left to right: attacker → hosts → what ran there) once per data change, drawn
 * by React Flow with zoom and pan. Labels are attacker text: React text nodes only.
 */
export function EventGraphView({ graph, hostOf, selected, onSelect }: { graph: Graph; hostOf: (id: string | null) => string; selected: string | null; onSelect: (id: string | null) => void }) {
  const [laid, setLaid] = useState<{ nodes: EntityNodeType[]; edges: Edge[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const edges = useMemo(() => drawnEdges(graph), [graph]);
  const bad = useMemo(() => new Set(graph.nodes.filter((n) => n.malicious).map((n) => n.id)), [graph]);

  useEffect(() => {
    let live = true;
    setLaid(null);
    const known = new Set(graph.nodes.map((n) => n.id));
    elk.layout({
      id: "root",
      layoutOptions: {
        "elk.algorithm": "layered", "elk.direction": "RIGHT", "elk.edgeRouting": "SPLINES",
        "elk.layered.spacing.nodeNodeBetweenLayers": "110", "elk.spacing.nodeNode": "26", "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
        "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
      },
      children: graph.nodes.map((n) => ({ id: n.id, width: W, height: H })),
      edges: edges.filter((e) => known.has(e.from) && known.has(e.to)).map((e) => ({ id: e.id, sources: [e.from], targets: [e.to] })),
    }).then((out) => {
      if (!live) return;
      const pos = new Map((out.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
      const nodes: EntityNodeType[] = graph.nodes.map((n) => ({
        id: n.id, type: "entity", position: pos.get(n.id) ?? { x: 0, y: 0 }, width: W, height: H, connectable: false,
        data: { node: n, title: visible(shortLabel(n.kind, n.label, n.kind === "host" ? hostOf(n.assetId) : null), 200), sub: subLine(n, hostOf) },
      }));
      const drawn: Edge[] = edges.map((e) => {
        const hot = bad.has(e.from) || bad.has(e.to);
        return {
          id: e.id, source: e.from, target: e.to, label: e.alertIds.length > 1 ? `${relationLabel(e.relation)} ×${e.alertIds.length}` : relationLabel(e.relation),
          className: `evg-edge ${hot ? "hot" : ""}`, markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16, color: hot ? "#f87171" : "#6b7bb0" },
          labelBgPadding: [6, 3] as [number, number], labelBgBorderRadius: 4, focusable: false,
        };
      });
      setLaid({ nodes, edges: drawn });
      setError(null);
    }, (e: Error) => live && setError(e.message));
    return () => { live = false; };
    // hostOf changes identity when the agents load; the labels follow on the next data change
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [graph, edges, bad]);

  if (error) return <div className="alert-box error" role="alert">The graph could not be laid out: {error}</div>;
  if (!laid) return <div className="evg-wait muted">Laying out {graph.nodes.length} entities…</div>;
  return (
    <div className="evg" data-testid="event-graph">
      <ReactFlow
        defaultNodes={laid.nodes} defaultEdges={laid.edges} nodeTypes={NODE_TYPES} colorMode="dark"
        fitView fitViewOptions={{ padding: 0.12, maxZoom: 1.25 }} minZoom={0.15} maxZoom={2.5}
        nodesConnectable={false} edgesFocusable={false} deleteKeyCode={null}
        onNodeClick={(_, n) => onSelect(n.id)} onPaneClick={() => onSelect(null)}
        nodeOrigin={[0, 0]}
      >
        <Background gap={22} size={1} color="#1c2747" />
        <Controls showInteractive={false} position="bottom-left" />
        {/* a small graph is whole on screen: the overview map only helps a large one */}
        {graph.nodes.length > 14 && <MiniMap pannable zoomable nodeColor={(n) => (bad.has(n.id) ? "#ef4444" : "#3b4a7a")} maskColor="rgba(5,9,20,.6)" position="top-right" />}
      </ReactFlow>
      {selected === null && <div className="evg-hint muted small">Click a node for its details · scroll to zoom · drag to pan</div>}
    </div>
  );
}

function subLine(n: GraphNode, hostOf: (id: string | null) => string): string {
  if (n.kind === "host") return "";
  const where = n.assetId ? `on ${hostOf(n.assetId)}` : "";
  if ((n.kind === "process" || n.kind === "file") && n.label.includes("/")) return visible(n.label, 120);
  return where;
}
