import { useEffect, useState } from "react";
import { api, qs } from "../../app/api.ts";
import { Link, useRouter } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { canAct, type Alert } from "../../app/types.ts";
import { Button, Empty, SeverityBadge, StatusBadge, Time, ago, useLoad } from "../../app/ui.tsx";
import { AlertDrawer, useAgents, visible } from "../alerts/index.ts";
import { ENTITY_KINDS, EventStatusBadge, KIND_LABEL, KindBadge, MaliciousFlag, StageChips, type AssetRef, type EventOverview } from "../events/index.ts";
import "./entities.css";

const PAGE = 50;
interface EntityRow { key: string; kind: string; label: string; malicious: boolean; assetId: string | null; hostname: string | null; firstSeen: string; lastSeen: string; events: number }
interface EntityPage { items: EntityRow[]; total: number; truncated: boolean }
interface Task { kind: string; id: string; assetId: string | null; what: string; status: string; at: string; result: string | null }
interface EntityDetail { entity: { key: string; kind: string; label: string; malicious: boolean; firstSeen: string; lastSeen: string; assets: AssetRef[] }; events: EventOverview[]; alerts: Alert[]; tasks: Task[] }
interface AffectedAsset { id: string; hostname: string | null; events: number; bySeverity: Record<string, number>; open: number; lastSeen: string }

/** A host entity's label is its asset id: show the host name. */
const labelOf = (x: { kind: string; label: string; hostname?: string | null }, hostOf: (id: string | null) => string) => (x.kind === "host" ? (x.hostname ?? hostOf(x.label)) : visible(x.label, 300));

/**
 * EVT-5: every entity of the last 30 days' events — addresses, hosts, accounts, processes,
 * files, domains, URLs — and one entity with its events, alerts and handling tasks; plus the
 * affected-assets view. Entity labels are attacker text: React text only.
 */
export function EntitiesView() {
  const { route } = useRouter();
  const key = route.query.get("key");
  if (key) return <EntityDetails key={key} entityKey={key} />;
  return route.query.get("view") === "assets" ? <AffectedAssets /> : <EntityList />;
}

function Switch({ on }: { on: "entities" | "assets" }) {
  return (
    <nav className="tabs ent-tabs" aria-label="Entities views">
      <Link to="/entities" className={`tab ${on === "entities" ? "on" : ""}`}>Entities</Link>
      <Link to="/entities?view=assets" className={`tab ${on === "assets" ? "on" : ""}`}>Affected assets</Link>
    </nav>
  );
}

function EntityList() {
  const { route, go } = useRouter();
  const { hostOf } = useAgents();
  const kind = route.query.get("kind") ?? "";
  const malicious = route.query.get("malicious") ?? "";
  const q = route.query.get("q") ?? "";
  const [offset, setOffset] = useState(0);
  const [text, setText] = useState(q);
  useEffect(() => setOffset(0), [kind, malicious, q]);
  const set = (patch: Record<string, string>) => go(`/entities${qs({ kind, malicious, q, ...patch })}`);
  useEffect(() => {
    if (text === q) return;
    const t = setTimeout(() => set({ q: text.trim() }), 350);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);
  const list = useLoad(() => api<EntityPage>(`/api/v1/entities${qs({ kind, malicious, q, limit: PAGE, offset })}`), [kind, malicious, q, offset], 30_000);
  const items = list.data?.items ?? [];
  return (
    <div className="ent" data-testid="entities">
      <Switch on="entities" />
      <section className="card ent-card">
        <form className="filters ent-filters" onSubmit={(e) => { e.preventDefault(); set({ q: text.trim() }); }} aria-label="Filters">
          <label className="grow">Search<input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="Address, user, path, domain…" maxLength={200} /></label>
          <label>Kind<select value={kind} onChange={(e) => set({ kind: e.target.value })} aria-label="Kind"><option value="">All kinds</option>{ENTITY_KINDS.map((k) => <option key={k} value={k}>{KIND_LABEL[k]}</option>)}</select></label>
          <label>Malicious<select value={malicious} onChange={(e) => set({ malicious: e.target.value })} aria-label="Malicious"><option value="">Any</option><option value="true">Malicious only</option><option value="false">Not malicious</option></select></label>
          <span className="muted small ent-lead">Entities of the last 30 days' security events</span>
        </form>
        {list.error && <div className="alert-box error" role="alert">{list.error}</div>}
        {list.data?.truncated && <div className="alert-box warn">Only the newest events were read: narrow the search.</div>}
        <div className="ent-wrap">
          <table className="ent-table" data-testid="entities-table">
            <thead><tr><th>Kind</th><th>Entity</th><th>Malicious</th><th>Asset</th><th className="num">Events</th><th>First seen</th><th>Last seen</th></tr></thead>
            <tbody>{items.map((x) => (
              <tr key={x.key} className="clickable" tabIndex={0} onClick={() => go(`/entities?key=${encodeURIComponent(x.key)}`)} onKeyDown={(e) => { if (e.key === "Enter") go(`/entities?key=${encodeURIComponent(x.key)}`); }} data-testid="entities-row">
                <td><KindBadge kind={x.kind} /></td>
                <td className="ent-label"><span className="mono" title={visible(x.label, 4096)}>{labelOf(x, hostOf)}</span></td>
                <td><MaliciousFlag malicious={x.malicious} /></td>
                <td>{x.kind === "host" || !x.assetId ? <span className="muted">—</span> : (x.hostname ?? hostOf(x.assetId))}</td>
                <td className="num">{x.events}</td>
                <td><Time iso={x.firstSeen} /></td>
                <td title={x.lastSeen}>{ago(x.lastSeen)}</td>
              </tr>
            ))}</tbody>
          </table>
          {!list.loading && items.length === 0 && !list.error && <Empty>{kind || malicious || q ? "No entity matches." : "No entities: security events of the last 30 days name none."}</Empty>}
        </div>
        <div className="pager">
          <span>{list.data ? `${list.data.total.toLocaleString()} entities` : "Loading…"}</span>
          <Button kind="ghost" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>‹ Previous</Button>
          <Button kind="ghost" disabled={!list.data || offset + PAGE >= list.data.total} onClick={() => setOffset(offset + PAGE)}>Next ›</Button>
        </div>
      </section>
    </div>
  );
}

function EntityDetails({ entityKey }: { entityKey: string }) {
  const { route, go } = useRouter();
  const { me } = useSession();
  const { hostOf } = useAgents();
  const [tick, setTick] = useState(0);
  const d = useLoad(() => api<EntityDetail>(`/api/v1/entities/${encodeURIComponent(entityKey)}/events`), [entityKey, tick]);
  const openAlert = route.query.get("alert");
  const setAlert = (id: string | null) => go(`/entities${qs({ key: entityKey, alert: id })}`);
  const x = d.data?.entity;
  return (
    <div className="ent" data-testid="entity-details">
      <section className="card ent-head">
        <div><Link to="/entities">‹ Entities</Link></div>
        {d.error && <div className="alert-box error" role="alert">{d.error}</div>}
        {x && (
          <>
            <div className="ent-title"><KindBadge kind={x.kind} /><h2 className="mono" data-testid="entity-title">{labelOf(x, hostOf)}</h2>{x.malicious && <span className="badge ent-bad">malicious</span>}</div>
            <div className="muted">seen <Time iso={x.firstSeen} /> → <Time iso={x.lastSeen} /> · on {x.assets.map((a) => a.hostname ?? a.id).join(", ") || "no asset"} · last 30 days</div>
          </>
        )}
      </section>
      {d.data && (
        <>
          <section className="card">
            <div className="card-head"><h3>Events</h3><span className="muted small">{d.data.events.length}</span></div>
            <table className="ent-table" data-testid="entity-events">
              <thead><tr><th>Severity</th><th>Event</th><th>Status</th><th className="num">Alerts</th><th>Last occurrence</th></tr></thead>
              <tbody>{d.data.events.map((e) => (
                <tr key={e.id} className="clickable" onClick={() => go(`/security-events?event=${encodeURIComponent(e.id)}`)} data-testid="entity-event-row">
                  <td><SeverityBadge severity={e.severity} /></td>
                  <td><div className="ent-strong">{e.title}</div><StageChips tactics={e.tactics} stage={e.stage} /></td>
                  <td><EventStatusBadge status={e.status} /></td>
                  <td className="num">{e.alertCount}</td>
                  <td title={e.lastSeen}>{ago(e.lastSeen)}</td>
                </tr>
              ))}</tbody>
            </table>
          </section>
          <section className="card">
            <div className="card-head"><h3>Alerts that name it</h3><span className="muted small">{d.data.alerts.length}</span></div>
            {d.data.alerts.length === 0 ? <Empty>No alert of the last 30 days.</Empty> : (
              <table className="ent-table">
                <thead><tr><th>Severity</th><th>Alert</th><th>Asset</th><th>Status</th><th>Last seen</th></tr></thead>
                <tbody>{d.data.alerts.map((a) => (
                  <tr key={a.id} className="clickable" onClick={() => setAlert(a.id)}>
                    <td><SeverityBadge severity={a.severity} /></td><td>{a.name}</td><td>{hostOf(a.assetId)}</td><td><StatusBadge status={a.status} /></td><td title={a.lastSeen}>{ago(a.lastSeen)}</td>
                  </tr>
                ))}</tbody>
              </table>
            )}
          </section>
          <section className="card">
            <div className="card-head"><h3>Handling tasks</h3><span className="muted small">{d.data.tasks.length}</span></div>
            {d.data.tasks.length === 0 ? <Empty>No handling task acted on it in the last 30 days.</Empty> : (
              <table className="ent-table">
                <thead><tr><th>When</th><th>Task</th><th>Asset</th><th>Status</th><th>Result</th></tr></thead>
                <tbody>{d.data.tasks.map((t) => (
                  <tr key={`${t.kind}:${t.id}`}><td><Time iso={t.at} /></td><td className="mono">{visible(t.what, 300)}</td><td>{t.assetId ? hostOf(t.assetId) : "—"}</td><td><StatusBadge status={t.status} /></td><td>{t.result ? visible(t.result, 300) : <span className="muted">—</span>}</td></tr>
                ))}</tbody>
              </table>
            )}
          </section>
        </>
      )}
      {openAlert && <AlertDrawer id={openAlert} actor={canAct(me?.role, "analyst")} hostOf={hostOf} onClose={() => setAlert(null)} onChanged={() => setTick((t) => t + 1)} />}
    </div>
  );
}

function AffectedAssets() {
  const data = useLoad(() => api<{ items: AffectedAsset[]; scanned: number; truncated: boolean }>("/api/v1/events/affected-assets"), [], 30_000);
  const items = data.data?.items ?? [];
  return (
    <div className="ent" data-testid="affected-assets">
      <Switch on="assets" />
      <section className="card ent-card">
        <div className="ent-filters muted small">Assets the last 30 days' security events touched, most hit first.</div>
        {data.error && <div className="alert-box error" role="alert">{data.error}</div>}
        <table className="ent-table">
          <thead><tr><th>Asset</th><th className="num">Events</th><th className="num">Open</th><th>By severity</th><th>Last event</th><th /></tr></thead>
          <tbody>{items.map((a) => (
            <tr key={a.id} data-testid="affected-row">
              <td className="ent-strong">{a.hostname ?? a.id}</td>
              <td className="num">{a.events}</td>
              <td className="num">{a.open}</td>
              <td className="ent-sev">{(["critical", "high", "medium", "low"] as const).filter((s) => a.bySeverity[s]).map((s) => <span key={s} className={`badge sev-${s}`}>{a.bySeverity[s]} {s}</span>)}</td>
              <td title={a.lastSeen}>{ago(a.lastSeen)}</td>
              <td><Link to={`/security-events?assetId=${encodeURIComponent(a.id)}`}>Its events ›</Link></td>
            </tr>
          ))}</tbody>
        </table>
        {!data.loading && items.length === 0 && !data.error && <Empty>No asset was touched by a security event in the last 30 days.</Empty>}
      </section>
    </div>
  );
}
