import { lazy, Suspense, useMemo, useState } from "react";
import { api } from "../../app/api.ts";
import { Link } from "../../app/router.tsx";
import { Button, Empty, SeverityBadge, Time, useLoad } from "../../app/ui.tsx";
import { visible } from "../alerts/index.ts";
import { KindBadge } from "./parts.tsx";
import { relationLabel, shortLabel, type EventGraph, type GraphNode, type TimelineItem, type Playbooks } from "./model.ts";

// React Flow and ELK are most of the console's weight: loaded when a chain is first opened
const EventGraphView = lazy(() => import("./EventGraph.tsx").then((m) => ({ default: m.EventGraphView })));

/** EVT-4: the event's chain — its alerts in time order with their stage, and the provenance graph. */
export function ChainTab({ id, tick, timeline, hostOf, onAlert, playbooks }: { id: string; tick: number; timeline: TimelineItem[] | null; hostOf: (id: string | null) => string; onAlert: (alertId: string) => void; playbooks?: Playbooks }) {
  const graph = useLoad(() => api<EventGraph>(`/api/v1/events/${encodeURIComponent(id)}/graph`), [id, tick]);
  const [selected, setSelected] = useState<string | null>(null);
  const g = graph.data;
  const node = g?.nodes.find((n) => n.id === selected) ?? null;

  return (
    <div className="evc" data-testid="event-chain">
      <section className="card evc-timeline" aria-label="Timeline">
        <div className="card-head"><h3>Timeline</h3><div className="spacer" /><span className="muted small">{timeline ? `${timeline.length} alerts, oldest first` : ""}</span></div>
        {timeline === null ? <p className="muted">Loading…</p> : timeline.length === 0 ? <Empty>No alerts left in this event.</Empty> : (
          <ol className="evc-list" data-testid="timeline">
            {timeline.map((a) => (
              <li key={a.alertId} className={`evc-item sev-line-${a.severity}`} data-testid="timeline-item">
                <button type="button" className="evc-btn" onClick={() => onAlert(a.alertId)} title="Open the alert">
                  <div className="evc-when"><Time iso={a.at} seconds />{a.count > 1 && <span className="muted"> · {a.count}×</span>}</div>
                  <div className="evc-name"><SeverityBadge severity={a.severity} /> <span>{a.name}</span></div>
                  {a.stage && <div className="evc-stage" data-testid="timeline-stage">{a.stage.name}</div>}
                  <div className="evc-facts muted small">
                    <span>{a.asset.hostname ?? a.asset.id}</span>
                    {a.sourceIp && <span className="mono">from {a.sourceIp}</span>}
                    {a.userName && <span>user <span className="evc-user" data-testid="timeline-user">{visible(a.userName, 200)}</span></span>}
                  </div>
                </button>
              </li>
            ))}
          </ol>
        )}
      </section>

      <section className="card evc-graph" aria-label="Provenance graph">
        <div className="card-head">
          <h3>Provenance graph</h3><div className="spacer" />
          {g && <span className="muted small" data-testid="graph-counts">{g.nodes.length} entities · {g.edges.length} relations</span>}
        </div>
        {graph.error && <div className="alert-box error" role="alert">{graph.error}</div>}
        {g && g.nodes.length === 0 && <Empty>No entities recorded for this event.</Empty>}
        {g && g.nodes.length > 0 && (
          <div className="evc-canvas">
            <Suspense fallback={<div className="evg-wait muted">Loading the graph…</div>}>
              <EventGraphView graph={g} hostOf={hostOf} selected={selected} onSelect={setSelected} />
            </Suspense>
            {node && <NodePanel node={node} graph={g} hostOf={hostOf} alertName={(a) => timeline?.find((x) => x.alertId === a)} onClose={() => setSelected(null)} onAlert={onAlert} playbooks={playbooks} />}
          </div>
        )}
      </section>
    </div>
  );
}

/** A clicked node: what it is, when, where, how it relates to the others, and what can be done about it. */
function NodePanel({ node, graph, hostOf, alertName, onClose, onAlert, playbooks }: { node: GraphNode; graph: EventGraph; hostOf: (id: string | null) => string; alertName: (id: string) => TimelineItem | undefined; onClose: () => void; onAlert: (id: string) => void; playbooks?: Playbooks }) {
  const byId = useMemo(() => new Map(graph.nodes.map((n) => [n.id, n])), [graph]);
  const name = (id: string) => {
    const n = byId.get(id);
    return n ? visible(shortLabel(n.kind, n.label, n.kind === "host" ? hostOf(n.assetId) : null), 120) : id;
  };
  const rel = graph.edges.filter((e) => e.from === node.id || e.to === node.id);
  const seen = new Set<string>();
  const lines = rel.filter((e) => { const k = `${e.from}\n${e.to}\n${e.relation}`; if (seen.has(k)) return false; seen.add(k); return true; });
  const alerts = [...new Set(rel.map((e) => e.alertId))];
  return (
    <aside className={`evc-panel ${node.malicious ? "bad" : ""}`} data-testid="node-details" aria-label="Entity details">
      <div className="evc-panel-head"><KindBadge kind={node.kind} />{node.malicious && <span className="badge ev-bad">malicious</span>}<div className="spacer" /><button className="x" onClick={onClose} aria-label="Close details">×</button></div>
      <div className="evc-panel-label mono" data-testid="node-label">{node.kind === "host" ? hostOf(node.assetId) : visible(node.label, 4096)}</div>
      <dl className="kv evc-kv">
        {node.kind === "host" && <><dt>Asset id</dt><dd className="mono">{node.label}</dd></>}
        {node.assetId && node.kind !== "host" && <><dt>Asset</dt><dd>{hostOf(node.assetId)}</dd></>}
        <dt>First seen</dt><dd><Time iso={node.firstSeen} seconds /></dd>
        <dt>Last seen</dt><dd><Time iso={node.lastSeen} seconds /></dd>
      </dl>
      {lines.length > 0 && (
        <ul className="evc-rels" aria-label="Relations">
          {lines.map((e, i) => (
            <li key={i}>{e.from === node.id ? <><b>this</b> {relationLabel(e.relation)} <span className="mono">{name(e.to)}</span></> : <><span className="mono">{name(e.from)}</span> {relationLabel(e.relation)} <b>this</b></>}</li>
          ))}
        </ul>
      )}
      {alerts.length > 0 && (
        <div className="evc-panel-alerts">
          <div className="muted small">Shown by</div>
          {alerts.map((a) => {
            const t = alertName(a);
            return <button key={a} type="button" className="evc-alert" onClick={() => onAlert(a)} title="Open the alert">{t ? <><SeverityBadge severity={t.severity} /> {t.name} <span className="muted small">on {t.asset.hostname ?? t.asset.id}</span></> : <span className="mono">{a}</span>}</button>;
          })}
        </div>
      )}
      <div className="row evc-panel-act">
        <Link to={`/entities?key=${encodeURIComponent(node.id)}`} className="btn ghost">Its other events</Link>
        {playbooks?.has(node.kind) && <Button onClick={() => playbooks.open({ key: node.id, kind: node.kind, label: node.label, assetId: node.assetId })} data-testid="node-playbooks">Playbooks…</Button>}
      </div>
    </aside>
  );
}
