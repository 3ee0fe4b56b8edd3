import { useEffect, useState } from "react";
import { api, ApiError } from "../../app/api.ts";
import { useRouter } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { Button, Empty, SeverityBadge, Time, ago, useLoad, useToast } from "../../app/ui.tsx";
import { useAgents } from "../alerts/index.ts";
import { EventStatusBadge, StageChips } from "./parts.tsx";
import { useOwners } from "./owners.ts";
import { DEFAULT_RANGE, EVENT_STATUSES, EVENT_STATUS_LABEL, EXPORT_MAX, PRESETS, SEVERITIES, eventQuery, fromLocalInput, plural, toLocalInput, type EventOverview, type EventPage, type EventStatus } from "./model.ts";

const PAGE = 25;
const OPEN = "unhandled,handling,failed";
/** The filters this view keeps in the URL. */
const KEYS = ["range", "from", "to", "status", "severity", "assetId", "owner", "q"] as const;

/**
 * EVT-2/EVT-3: the security events, newest first, for a time range (a preset or a custom
 * from/to), filtered by status, severity, asset, owner and text — all in the URL, so a view can
 * be shared — with counts by status and an .xlsx export of what is listed (EVT-14).
 */
export function EventList() {
  const { route, go } = useRouter();
  const q = route.query;
  const toast = useToast();
  const { agents } = useAgents();
  const [offset, setOffset] = useState(0);
  const key = KEYS.map((k) => q.get(k) ?? "").join("\u0000");
  useEffect(() => setOffset(0), [key]);
  const set = (patch: Record<string, string | null>) => {
    const u = new URLSearchParams(q);
    for (const [k, v] of Object.entries(patch)) if (v) u.set(k, v); else u.delete(k);
    const s = u.toString();
    go(`/security-events${s ? `?${s}` : ""}`);
  };

  const list = useLoad(() => api<EventPage>(`/api/v1/events?${eventQuery(q, { limit: PAGE, offset })}`), [key, offset], 30_000);
  // counts by status for the other filters: one count query per status
  const counts = useLoad(async () => {
    const rest = new URLSearchParams(q);
    rest.delete("status");
    const n = await Promise.all(EVENT_STATUSES.map((s) => api<EventPage>(`/api/v1/events?${eventQuery(rest, { status: s, limit: 1 })}`).then((p) => p.total)));
    return Object.fromEntries(EVENT_STATUSES.map((s, i) => [s, n[i]!])) as Record<EventStatus, number>;
  }, [key], 30_000);

  const [text, setText] = useState(q.get("q") ?? "");
  useEffect(() => setText(q.get("q") ?? ""), [q.get("q")]);
  useEffect(() => {
    if (text === (q.get("q") ?? "")) return;
    const t = setTimeout(() => set({ q: text.trim() || null }), 350);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);

  const items = list.data?.items ?? [];
  const owners = useOwners(items.map((e) => e.owner));
  const status = q.get("status") ?? "";
  const range = q.get("range") ?? DEFAULT_RANGE;
  const c = counts.data;
  const filtered = KEYS.some((k) => q.get(k));
  const total = list.data?.total ?? 0;

  return (
    <div className="evl" data-testid="events">
      <section className="card evl-list">
        <div className="evl-chips" role="group" aria-label="Events by status">
          <Chip label="All" n={c ? Object.values(c).reduce((a, b) => a + b, 0) : null} on={!status} onClick={() => set({ status: null })} />
          <Chip label="Open" n={c ? c.unhandled + c.handling + c.failed : null} on={status === OPEN} tone="open" onClick={() => set({ status: status === OPEN ? null : OPEN })} />
          {EVENT_STATUSES.map((s) => <Chip key={s} label={EVENT_STATUS_LABEL[s]} n={c ? c[s] : null} on={status === s} tone={s} onClick={() => set({ status: status === s ? null : s })} />)}
          <div className="spacer" />
          <ExportButton total={list.data ? total : null} query={q} onError={(m) => toast(m, "error")} />
        </div>
        <form className="filters evl-filters" onSubmit={(e) => { e.preventDefault(); set({ q: text.trim() || null }); }} aria-label="Filters">
          <label className="grow">Search<input type="search" placeholder="Title, address, user, path, domain…" value={text} onChange={(e) => setText(e.target.value)} maxLength={200} data-testid="event-search" /></label>
          <label>Time<select value={range} onChange={(e) => set(e.target.value === "custom" ? { range: "custom", from: q.get("from") ?? new Date(Date.now() - 86_400_000).toISOString(), to: q.get("to") } : { range: e.target.value === DEFAULT_RANGE ? null : e.target.value, from: null, to: null })} aria-label="Time range">
            {Object.entries(PRESETS).map(([k, p]) => <option key={k} value={k}>{p.label}</option>)}
            <option value="custom">Custom…</option>
          </select></label>
          {range === "custom" && (
            <>
              <label>From<input type="datetime-local" value={toLocalInput(q.get("from"))} onChange={(e) => set({ from: fromLocalInput(e.target.value) })} aria-label="From" /></label>
              <label>To<input type="datetime-local" value={toLocalInput(q.get("to"))} onChange={(e) => set({ to: fromLocalInput(e.target.value) })} aria-label="To" /></label>
            </>
          )}
          <label>Severity<select value={q.get("severity") ?? ""} onChange={(e) => set({ severity: e.target.value || null })} aria-label="Severity">
            <option value="">Any</option>{SEVERITIES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select></label>
          <label>Asset<select value={q.get("assetId") ?? ""} onChange={(e) => set({ assetId: e.target.value || null })} aria-label="Asset">
            <option value="">All assets</option>
            {q.get("assetId") && !agents.some((a) => a.id === q.get("assetId")) && <option value={q.get("assetId")!}>{q.get("assetId")}</option>}
            {agents.map((a) => <option key={a.id} value={a.id}>{a.hostname}</option>)}
          </select></label>
          <label>Owner<select value={q.get("owner") ?? ""} onChange={(e) => set({ owner: e.target.value || null })} aria-label="Owner">
            <option value="">Anyone</option>
            {q.get("owner") && !owners.some((o) => o.id === q.get("owner")) && <option value={q.get("owner")!}>{q.get("owner")}</option>}
            {owners.map((o) => <option key={o.id} value={o.id}>{o.username}</option>)}
          </select></label>
          {filtered && <Button kind="ghost" onClick={() => go("/security-events")}>Clear</Button>}
          <Button kind="ghost" onClick={() => { list.reload(); counts.reload(); }} title="Reload">↻</Button>
        </form>
        {list.error && <div className="alert-box error evl-error" role="alert">{list.error}</div>}
        <div className="evl-wrap">
          <table className="evl-table" data-testid="events-table">
            <thead><tr><th>Severity</th><th>Event</th><th>Status</th><th>Affected assets</th><th className="num">Alerts</th><th>First · last occurrence</th><th>Owner</th></tr></thead>
            <tbody>{items.map((e) => <Row key={e.id} e={e} onOpen={() => set({ event: e.id, tab: null })} />)}</tbody>
          </table>
          {!list.loading && items.length === 0 && !list.error && (
            <Empty>{filtered ? "No event matches these filters in this time range." : "No security events in the last 30 days. Related alerts — one attacker across assets, or one intrusion on one asset — are grouped into events here."}</Empty>
          )}
        </div>
        <div className="pager" data-testid="events-pager">
          <span>{list.data ? (total === 0 ? "0 events" : `${(offset + 1).toLocaleString()}–${(offset + items.length).toLocaleString()} of ${plural(total, "event")}`) : "Loading…"}</span>
          <Button kind="ghost" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>‹ Previous</Button>
          <Button kind="ghost" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>Next ›</Button>
        </div>
      </section>
    </div>
  );
}

function Row({ e, onOpen }: { e: EventOverview; onOpen: () => void }) {
  return (
    <tr className={`clickable evl-sev-${e.severity}`} onClick={onOpen} onKeyDown={(k) => { if (k.key === "Enter" && k.target === k.currentTarget) onOpen(); }} tabIndex={0} data-testid="event-row" data-id={e.id}>
      <td><SeverityBadge severity={e.severity} /></td>
      <td className="evl-title">
        <div className="evl-name" data-testid="event-title">{e.title}</div>
        <StageChips tactics={e.tactics} stage={e.stage} />
      </td>
      <td><EventStatusBadge status={e.status} /></td>
      <td className="evl-assets" data-testid="event-assets">
        {e.assets.slice(0, 3).map((a) => <span key={a.id} className="evl-asset">{a.hostname ?? a.id}</span>)}
        {e.assets.length > 3 && <span className="muted small">+{e.assets.length - 3} more</span>}
      </td>
      <td className="num" data-testid="event-alerts">{e.alertCount.toLocaleString()}</td>
      <td className="evl-when"><div>{ago(e.lastSeen)}</div><div className="muted small"><Time iso={e.firstSeen} /> → <Time iso={e.lastSeen} /></div></td>
      <td className="evl-owner">{e.owner ? e.owner.username : <span className="muted">—</span>}</td>
    </tr>
  );
}

function Chip({ label, n, on, tone, onClick }: { label: string; n: number | null; on: boolean; tone?: string; onClick: () => void }) {
  return (
    <button type="button" className={`evl-chip ${on ? "on" : ""}`} onClick={onClick} aria-pressed={on} data-testid={`status-chip-${label.toLowerCase()}`}>
      {tone && <span className={`evl-dot ${tone}`} aria-hidden="true" />}
      <span>{label}</span>
      <span className="evl-n">{n === null ? "…" : n.toLocaleString()}</span>
    </button>
  );
}

/**
 * EVT-14: the listed events (all pages, same filters) as .xlsx. Over 1,000 the server refuses,
 * so the button says why instead. Fetched, not linked, so a master account acting on a member
 * account exports the member's events.
 */
function ExportButton({ total, query, onError }: { total: number | null; query: URLSearchParams; onError: (m: string) => void }) {
  const { me } = useSession();
  const [busy, setBusy] = useState(false);
  const over = total !== null && total > EXPORT_MAX;
  const why = over ? `${total.toLocaleString()} events match: an export holds at most ${EXPORT_MAX.toLocaleString()}. Narrow the filters or the time range.` : total === 0 ? "No event to export" : `Download the ${total === null ? "" : plural(total, "listed event")} as an Excel workbook (sheets: events, affected assets, entities)`;
  const download = async () => {
    setBusy(true);
    try {
      const headers: Record<string, string> = {};
      if (me && me.actingAccountId !== me.accountId) headers["x-hostward-account"] = me.actingAccountId;
      const res = await fetch(`/api/v1/events/export.xlsx?${eventQuery(query)}`, { credentials: "same-origin", headers });
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        throw new ApiError(res.status, "HW_ERR_HTTP", body?.error?.message ?? `HTTP ${res.status}`);
      }
      const name = /filename="?([^";]+)"?/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? "hostward-events.xlsx";
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      onError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="evl-export">
      {over && <span className="evl-export-why" data-testid="export-why">Over {EXPORT_MAX.toLocaleString()} events: narrow the filters to export</span>}
      <Button onClick={() => void download()} disabled={busy || total === null || total === 0 || over} title={why} data-testid="event-export">⤓ Export .xlsx</Button>
    </div>
  );
}
