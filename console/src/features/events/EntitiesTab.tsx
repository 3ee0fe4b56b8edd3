import { Link } from "../../app/router.tsx";
import { Button, Empty, Time } from "../../app/ui.tsx";
import { visible } from "../alerts/index.ts";
import { KindBadge, MaliciousFlag } from "./parts.tsx";
import type { EventEntity, Playbooks } from "./model.ts";

/**
 * EVT-5: the event's entities (malicious first) with when and where they were seen and a way to
 * their other events; analysts open the recommended handling of the malicious ones from here too.
 */
export function EntitiesTab({ items, error, hostOf, playbooks, onRecommend }: { items: EventEntity[] | null; error: string | null; hostOf: (id: string | null) => string; playbooks?: Playbooks; onRecommend?: () => void }) {
  const bad = (items ?? []).filter((x) => x.malicious).length;
  return (
    <section className="card evt-card" data-testid="event-entities">
      {onRecommend && (
        <div className="card-head evt-pad">
          <span className="muted small">{items ? `${bad} malicious of ${items.length}` : ""}</span><div className="spacer" />
          <Button kind="primary" onClick={onRecommend} data-testid="recommend-open">Recommended handling…</Button>
        </div>
      )}
      {error && <div className="alert-box error" role="alert">{error}</div>}
      <div className="evt-wrap">
        <table className="evt-table">
          <thead><tr><th>Kind</th><th>Entity</th><th>Malicious</th><th>First seen</th><th>Last seen</th><th>Assets</th><th className="num">Alerts</th><th /></tr></thead>
          <tbody>
            {(items ?? []).map((x) => (
              <tr key={x.key} className={x.malicious ? "evt-bad" : ""} data-testid="entity-row" data-kind={x.kind}>
                <td><KindBadge kind={x.kind} /></td>
                <td className="evt-entity"><span className="mono" title={visible(x.label, 4096)} data-testid="entity-label">{x.kind === "host" ? hostOf(x.assetId) : visible(x.label, 300)}</span></td>
                <td><MaliciousFlag malicious={x.malicious} /></td>
                <td><Time iso={x.firstSeen} seconds /></td>
                <td><Time iso={x.lastSeen} seconds /></td>
                <td>{x.assets.map((a) => a.hostname ?? a.id).join(", ") || <span className="muted">—</span>}</td>
                <td className="num" title={x.alertTypes.join(", ")}>{x.alertCount}</td>
                <td className="evt-act">
                  <Link to={`/entities?key=${encodeURIComponent(x.key)}`} className="btn ghost" >Other events</Link>
                  {playbooks?.has(x.kind) && <Button onClick={() => playbooks.open({ key: x.key, kind: x.kind, label: x.label, assetId: x.assetId })}>Playbooks…</Button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {items !== null && items.length === 0 && <Empty>No entities recorded for this event.</Empty>}
        {items === null && !error && <p className="muted evt-pad">Loading…</p>}
      </div>
    </section>
  );
}
