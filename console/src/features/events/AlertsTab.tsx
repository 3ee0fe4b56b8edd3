import { api } from "../../app/api.ts";
import type { Alert } from "../../app/types.ts";
import { Empty, SeverityBadge, StatusBadge, Time, ago, useLoad } from "../../app/ui.tsx";
import { visible } from "../alerts/index.ts";

/** The event's alerts, oldest first; a row opens the alert drawer (?alert=…). */
export function AlertsTab({ id, tick, hostOf, open, onOpen }: { id: string; tick: number; hostOf: (id: string | null) => string; open: string | null; onOpen: (alertId: string) => void }) {
  const list = useLoad(() => api<{ items: Alert[] }>(`/api/v1/events/${encodeURIComponent(id)}/alerts`), [id, tick]);
  const items = list.data?.items ?? [];
  return (
    <section className="card evt-card" data-testid="event-alerts">
      {list.error && <div className="alert-box error" role="alert">{list.error}</div>}
      <div className="evt-wrap">
        <table className="evt-table">
          <thead><tr><th>Severity</th><th>Alert</th><th>Asset</th><th>Source</th><th>User</th><th className="num">Count</th><th>Status</th><th>First seen</th><th>Last seen</th></tr></thead>
          <tbody>
            {items.map((a) => (
              <tr key={a.id} className={`clickable ${open === a.id ? "on" : ""}`} onClick={() => onOpen(a.id)} onKeyDown={(e) => { if (e.key === "Enter" && e.target === e.currentTarget) onOpen(a.id); }} tabIndex={0} data-testid="event-alert-row" data-id={a.id}>
                <td><SeverityBadge severity={a.severity} /></td>
                <td><div className="evt-strong">{a.name}</div><div className="muted small mono">{a.type}</div></td>
                <td>{hostOf(a.assetId)}</td>
                <td className="mono">{a.source.ip ?? <span className="muted">—</span>}</td>
                <td className="evt-clip" data-testid="event-alert-user">{a.user.name === null ? <span className="muted">—</span> : visible(a.user.name, 200)}</td>
                <td className="num">{a.count.toLocaleString()}</td>
                <td><StatusBadge status={a.status} /></td>
                <td><Time iso={a.firstSeen} /></td>
                <td title={a.lastSeen}>{ago(a.lastSeen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {!list.loading && items.length === 0 && !list.error && <Empty>No alerts left in this event (whitelisted alerts leave it).</Empty>}
      </div>
    </section>
  );
}
