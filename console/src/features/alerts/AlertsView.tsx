import { useEffect, useState } from "react";
import { api, qs } from "../../app/api.ts";
import { useRouter } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { canAct, type Alert } from "../../app/types.ts";
import { Button, Empty, SeverityBadge, StatusBadge, Time, ago, useLoad, useToast } from "../../app/ui.tsx";
import { AlertDrawer } from "./AlertDrawer.tsx";
import { DURATIONS, RANGES, SEVERITIES, STATUSES, bulkSummary, isWhitelisted, useAgents, useAlertTypes, type BulkResult, type Duration } from "./model.ts";
import "./alerts.css";

const PAGE = 50;
const FILTER_KEYS = ["type", "severity", "status", "asset", "range", "q"] as const;
type Filters = Record<(typeof FILTER_KEYS)[number], string>;
interface Counts { total: number; byStatus: Record<string, number>; bySeverity: Record<string, number> }
interface AlertPage { items: Alert[]; total: number; nextCursor: string | null }

const STATUS_CHIP: Record<string, string> = { unhandled: "Unhandled", handled: "Handled", whitelisted_manual: "Whitelisted", whitelisted_auto: "Auto-whitelisted", blocked: "Blocked", expired: "Expired" };

/** The API's query for the filters in the URL (ALR-10). */
function apiFilters(f: Filters) {
  const range = RANGES[f.range];
  return { type: f.type, severity: f.severity, status: f.status, assetId: f.asset, q: f.q && f.q.trim().length >= 3 ? f.q : undefined, from: range ? new Date(Date.now() - range.ms).toISOString() : undefined };
}

export function AlertsView() {
  const { route, go } = useRouter();
  const { me } = useSession();
  const actor = canAct(me?.role, "analyst");
  const toast = useToast();
  const { agents, hostOf } = useAgents();
  const types = useAlertTypes();

  const f = Object.fromEntries(FILTER_KEYS.map((k) => [k, route.query.get(k) ?? ""])) as Filters;
  const openId = route.query.get("alert");
  const key = JSON.stringify(f);
  const setQuery = (patch: Record<string, string | null>) => {
    const u = new URLSearchParams(route.query);
    for (const [k, v] of Object.entries(patch)) if (v) u.set(k, v); else u.delete(k);
    const s = u.toString();
    go(`/alerts${s ? `?${s}` : ""}`);
  };

  // free text is typed into local state and reaches the URL after a pause
  const [text, setText] = useState(f.q);
  useEffect(() => setText(f.q), [f.q]);
  useEffect(() => {
    if (text === f.q) return;
    const t = setTimeout(() => setQuery({ q: text.trim() || null }), 350);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);

  // keyset paging: a stack of cursors, reset whenever the filters change
  const [paging, setPaging] = useState<{ key: string; stack: (string | null)[] }>({ key, stack: [null] });
  const stack = paging.key === key ? paging.stack : [null];
  const cursor = stack.at(-1) ?? null;
  const [tick, setTick] = useState(0);
  const list = useLoad(() => api<AlertPage>(`/api/v1/alerts${qs({ ...apiFilters(f), limit: PAGE, cursor })}`), [key, cursor, tick], 30_000);
  const counts = useLoad(() => api<Counts>(`/api/v1/alerts/counts${qs(apiFilters(f))}`), [key, tick], 30_000);
  const reload = () => setTick((x) => x + 1);

  const [selected, setSelected] = useState<Set<string>>(new Set());
  useEffect(() => setSelected(new Set()), [key, cursor]);
  const items = list.data?.items ?? [];
  const allOn = items.length > 0 && items.every((a) => selected.has(a.id));
  const toggle = (id: string) => setSelected((s) => { const n = new Set(s); if (n.has(id)) n.delete(id); else n.add(id); return n; });

  const [duration, setDuration] = useState<Duration>("12h");
  const [busy, setBusy] = useState(false);
  const bulk = async (verb: string, path: string, body: object) => {
    setBusy(true);
    try {
      const r = await api<BulkResult>(path, { method: "POST", body: { ids: [...selected], ...body } });
      const s = bulkSummary(verb, r);
      toast(s.text, s.kind);
      setSelected(new Set());
      reload();
    } catch (e) {
      toast((e as Error).message, "error");
    } finally {
      setBusy(false);
    }
  };
  const selectedAlerts = items.filter((a) => selected.has(a.id));
  const anyWhitelisted = selectedAlerts.some((a) => isWhitelisted(a.status));

  const first = (stack.length - 1) * PAGE;
  const c = counts.data;
  return (
    <div className="alv">
      <section className="card alv-summary" aria-label="Counts">
        <div className="alv-chips" role="group" aria-label="Alerts by status">
          <Chip label="All" n={c ? Object.values(c.byStatus).reduce((a, b) => a + b, 0) : null} on={!f.status} onClick={() => setQuery({ status: null })} />
          {STATUSES.map((s) => <Chip key={s} label={STATUS_CHIP[s]!} n={c?.byStatus[s] ?? (c ? 0 : null)} on={f.status === s} tone={`st-${s}`} onClick={() => setQuery({ status: f.status === s ? null : s })} />)}
        </div>
        <div className="alv-chips" role="group" aria-label="Alerts by severity">
          {SEVERITIES.map((s) => <Chip key={s} label={s[0]!.toUpperCase() + s.slice(1)} n={c?.bySeverity[s] ?? (c ? 0 : null)} on={f.severity === s} tone={`sev-${s}`} onClick={() => setQuery({ severity: f.severity === s ? null : s })} />)}
        </div>
      </section>

      <section className="card alv-list">
        <form className="filters alv-filters" onSubmit={(e) => { e.preventDefault(); setQuery({ q: text.trim() || null }); }} aria-label="Filters">
          <label className="grow">Search<input type="search" placeholder="Name, type, source address, user… (3+ characters)" value={text} onChange={(e) => setText(e.target.value)} data-testid="alert-search" /></label>
          <label>Type<select value={f.type} onChange={(e) => setQuery({ type: e.target.value || null })} aria-label="Type">
            <option value="">All types</option>{types.map((t) => <option key={t.type} value={t.type}>{t.name}</option>)}
          </select></label>
          <label>Severity<select value={f.severity} onChange={(e) => setQuery({ severity: e.target.value || null })} aria-label="Severity">
            <option value="">Any</option>{SEVERITIES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select></label>
          <label>Status<select value={f.status} onChange={(e) => setQuery({ status: e.target.value || null })} aria-label="Status">
            <option value="">Any</option>{STATUSES.map((s) => <option key={s} value={s}>{STATUS_CHIP[s]}</option>)}
          </select></label>
          <label>Asset<select value={f.asset} onChange={(e) => setQuery({ asset: e.target.value || null })} aria-label="Asset">
            <option value="">All assets</option>{agents.map((a) => <option key={a.id} value={a.id}>{a.hostname}</option>)}
          </select></label>
          <label>Time<select value={f.range} onChange={(e) => setQuery({ range: e.target.value || null })} aria-label="Time range">
            <option value="">Any time</option>{Object.entries(RANGES).map(([k, r]) => <option key={k} value={k}>{r.label}</option>)}
          </select></label>
          {FILTER_KEYS.some((k) => f[k]) && <Button kind="ghost" onClick={() => go("/alerts")}>Clear</Button>}
          <Button kind="ghost" onClick={reload} title="Reload">↻</Button>
        </form>

        {actor && selected.size > 0 && (
          <div className="alv-bulk" role="toolbar" aria-label="Bulk actions" data-testid="bulk-bar">
            <strong>{selected.size} selected</strong>
            <span className="alv-sep" />
            <select value={duration} onChange={(e) => setDuration(e.target.value as Duration)} aria-label="Bulk block duration">
              {DURATIONS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
            </select>
            <Button kind="danger" disabled={busy} onClick={() => void bulk("Blocked", "/api/v1/alerts/handle", { action: "block", duration })}>Block sources</Button>
            <Button disabled={busy} onClick={() => void bulk("Ignored", "/api/v1/alerts/handle", { action: "ignore" })}>Ignore</Button>
            <Button disabled={busy} onClick={() => void bulk("Marked handled", "/api/v1/alerts/handle", { action: "mark_handled" })}>Mark handled</Button>
            <Button disabled={busy} onClick={() => void bulk("Whitelisted", "/api/v1/alerts/handle", { action: "whitelist", scope: "asset" })}>Whitelist</Button>
            {anyWhitelisted && <Button disabled={busy} onClick={() => void bulk("Removed from whitelist", "/api/v1/alerts/unwhitelist", {})}>Remove from whitelist</Button>}
            <div className="spacer" />
            <Button kind="ghost" onClick={() => setSelected(new Set())}>Clear selection</Button>
          </div>
        )}

        {list.error && <div className="alert-box error" role="alert">{list.error}</div>}
        <div className="alv-table-wrap">
          <table className="alv-table" data-testid="alerts-table">
            <thead>
              <tr>
                {actor && <th className="alv-check"><input type="checkbox" aria-label="Select all on this page" checked={allOn} onChange={() => setSelected(allOn ? new Set() : new Set(items.map((a) => a.id)))} /></th>}
                <th>Severity</th><th>Alert</th><th>Asset</th><th>Source</th><th>User</th><th className="num">Count</th><th>Status</th><th>Last seen</th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.id} className={`clickable alv-sev-${a.severity} ${openId === a.id ? "on" : ""} ${selected.has(a.id) ? "sel" : ""}`} onClick={() => setQuery({ alert: a.id })} onKeyDown={(e) => { if (e.key === "Enter" && e.target === e.currentTarget) setQuery({ alert: a.id }); }} tabIndex={0} data-testid="alert-row" data-id={a.id}>
                  {actor && <td className="alv-check" onClick={(e) => e.stopPropagation()}><input type="checkbox" aria-label={`Select ${a.name}`} checked={selected.has(a.id)} onChange={() => toggle(a.id)} /></td>}
                  <td><SeverityBadge severity={a.severity} /></td>
                  <td><div className="alv-name">{a.name}</div><div className="alv-sub mono">{a.type}</div></td>
                  <td className="alv-asset">{hostOf(a.assetId)}</td>
                  <td className="mono">{a.source.ip ?? <span className="muted">—</span>}</td>
                  <td className="alv-user" data-testid="alert-user">{a.user.name ?? <span className="muted">—</span>}</td>
                  <td className="num">{a.count.toLocaleString()}</td>
                  <td><StatusBadge status={a.status} /></td>
                  <td title={a.lastSeen}><div>{ago(a.lastSeen)}</div><div className="alv-sub"><Time iso={a.lastSeen} /></div></td>
                </tr>
              ))}
            </tbody>
          </table>
          {!list.loading && items.length === 0 && !list.error && <Empty>{FILTER_KEYS.some((k) => f[k]) ? "No alert matches these filters." : "No alerts yet. Alerts appear here as agents report attacks."}</Empty>}
        </div>
        <div className="pager" data-testid="pager">
          <span>{list.data ? (list.data.total === 0 ? "0 alerts" : `${(first + 1).toLocaleString()}–${(first + items.length).toLocaleString()} of ${list.data.total.toLocaleString()}`) : "Loading…"}</span>
          <Button kind="ghost" disabled={stack.length <= 1} onClick={() => setPaging({ key, stack: stack.slice(0, -1) })}>‹ Previous</Button>
          <Button kind="ghost" disabled={!list.data?.nextCursor} onClick={() => setPaging({ key, stack: [...stack, list.data!.nextCursor] })}>Next ›</Button>
        </div>
      </section>

      {openId && <AlertDrawer id={openId} actor={actor} hostOf={hostOf} onClose={() => setQuery({ alert: null })} onChanged={reload} />}
    </div>
  );
}

function Chip({ label, n, on, tone, onClick }: { label: string; n: number | null; on: boolean; tone?: string; onClick: () => void }) {
  return (
    <button type="button" className={`alv-chip ${on ? "on" : ""}`} onClick={onClick} aria-pressed={on}>
      {tone && <span className={`alv-dot ${tone}`} aria-hidden="true" />}
      <span>{label}</span>
      <span className="alv-n">{n === null ? "…" : n.toLocaleString()}</span>
    </button>
  );
}
