import { useState, type FormEvent } from "react";
import { api, qs } from "../../app/api.ts";
import { useSession } from "../../app/session.tsx";
import { canAct, type Policy } from "../../app/types.ts";
import { Button, Empty, Modal, StatusBadge, Time, useLoad, useToast } from "../../app/ui.tsx";
import { DURATIONS, relative, useAgents, type Duration } from "../alerts/index.ts";
import "./policies.css";

const PAGE = 50;
const STATUSES = ["pending", "active", "disabled", "expired", "failed"] as const;

/** The IP Policy Library (BF-4): every block, its state on the agent, and lifting it. */
export function PoliciesView() {
  const { me } = useSession();
  const actor = canAct(me?.role, "analyst");
  const toast = useToast();
  const { agents, hostOf } = useAgents();
  const [status, setStatus] = useState("");
  const [ip, setIp] = useState("");
  const [ipQuery, setIpQuery] = useState("");
  const [offset, setOffset] = useState(0);
  const [creating, setCreating] = useState(false);
  const list = useLoad(() => api<{ items: Policy[]; total: number }>(`/api/v1/ip-policies${qs({ status, ip: ipQuery, limit: PAGE, offset })}`), [status, ipQuery, offset], 10_000);
  const items = list.data?.items ?? [];

  const disable = async (p: Policy) => {
    try {
      await api(`/api/v1/ip-policies/${encodeURIComponent(p.id)}/disable`, { method: "POST", body: {} });
      toast(`Block of ${p.ip} lifted`);
      list.reload();
    } catch (e) {
      toast((e as Error).message, "error");
    }
  };

  const enable = async (p: Policy) => {
    try {
      await api(`/api/v1/ip-policies/${encodeURIComponent(p.id)}/enable`, { method: "POST", body: {} });
      toast(`Block of ${p.ip} enabled again`);
      list.reload();
    } catch (e) {
      toast((e as Error).message, "error");
    }
  };

  return (
    <section className="card ipp" data-testid="ip-policies">
      <form className="filters ipp-bar" onSubmit={(e) => { e.preventDefault(); setOffset(0); setIpQuery(ip.trim()); }} aria-label="Filters">
        <label>Status<select value={status} onChange={(e) => { setOffset(0); setStatus(e.target.value); }} aria-label="Status">
          <option value="">Any</option>{STATUSES.map((s) => <option key={s} value={s}>{s[0]!.toUpperCase() + s.slice(1)}</option>)}
        </select></label>
        <label>IP address<input value={ip} onChange={(e) => setIp(e.target.value)} onBlur={() => { setOffset(0); setIpQuery(ip.trim()); }} placeholder="203.0.113.7" aria-label="IP address" /></label>
        <Button type="submit" kind="ghost">Filter</Button>
        <div className="spacer" />
        {actor && <Button kind="primary" onClick={() => setCreating(true)} data-testid="block-ip">Block an IP</Button>}
      </form>
      {list.error && <div className="alert-box error" role="alert">{list.error}</div>}
      <div className="ipp-wrap">
        <table className="ipp-table">
          <thead><tr><th>Status</th><th>IP address</th><th>Asset</th><th>Reason</th><th>Created by</th><th>Created</th><th>Expires</th><th>Last result</th>{actor && <th />}</tr></thead>
          <tbody>
            {items.map((p) => (
              <tr key={p.id} data-testid="policy-row" data-id={p.id}>
                <td><StatusBadge status={p.status} /></td>
                <td className="mono ipp-ip">{p.ip}</td>
                <td className="ipp-asset">{hostOf(p.assetId)}</td>
                <td className="ipp-reason" title={p.reason}>{p.reason}</td>
                <td className="ipp-by">{p.createdBy}</td>
                <td className="ipp-time"><Time iso={p.createdAt} /></td>
                <td className="ipp-time" title={p.expiresAt ?? "no expiry"}>{p.expiresAt === null ? <span className="ipp-perm">Permanent</span> : p.status === "active" || p.status === "pending" ? relative(p.expiresAt) : <span className="muted">{relative(p.expiresAt)}</span>}</td>
                <td className="ipp-result" title={p.lastResult ?? ""}>{p.lastResult ?? <span className="muted">—</span>}</td>
                {actor && <td className="ipp-act">{(p.status === "active" || p.status === "pending") && <Button kind="danger" onClick={() => void disable(p)} title={`Lift the block of ${p.ip}`}>Disable</Button>}{(p.status === "disabled" || p.status === "failed") && (p.expiresAt === null || Date.parse(p.expiresAt) > Date.now()) && <Button onClick={() => void enable(p)} title={`Block ${p.ip} again until the period ends`}>Enable</Button>}</td>}
              </tr>
            ))}
          </tbody>
        </table>
        {!list.loading && items.length === 0 && !list.error && <Empty>{status || ipQuery ? "No rule matches these filters." : "No IP is blocked. Blocks made by precision defence or by hand appear here."}</Empty>}
      </div>
      <div className="pager">
        <span>{list.data ? (list.data.total === 0 ? "0 rules" : `${offset + 1}–${offset + items.length} of ${list.data.total.toLocaleString()}`) : "Loading…"}</span>
        <Button kind="ghost" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>‹ Previous</Button>
        <Button kind="ghost" disabled={!list.data || offset + PAGE >= list.data.total} onClick={() => setOffset(offset + PAGE)}>Next ›</Button>
      </div>
      {creating && <BlockForm agents={agents} onClose={() => setCreating(false)} onDone={() => { setCreating(false); list.reload(); }} />}
    </section>
  );
}

function BlockForm({ agents, onClose, onDone }: { agents: { id: string; hostname: string }[]; onClose: () => void; onDone: () => void }) {
  const toast = useToast();
  const [assetId, setAssetId] = useState(agents[0]?.id ?? "");
  const [ip, setIp] = useState("");
  const [duration, setDuration] = useState<Duration>("12h");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const p = await api<Policy>("/api/v1/ip-policies", { method: "POST", body: { assetId, ip: ip.trim(), duration, reason: reason.trim() || "blocked by an operator" } });
      toast(`Blocking ${p.ip}`);
      onDone();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title="Block an IP" onClose={onClose}>
      <form className="ipp-form" onSubmit={submit} aria-label="Block an IP">
        <label>Asset<select value={assetId} onChange={(e) => setAssetId(e.target.value)} required aria-label="Asset">
          {agents.length === 0 && <option value="">No enrolled asset</option>}
          {agents.map((a) => <option key={a.id} value={a.id}>{a.hostname}</option>)}
        </select></label>
        <label>IP address<input value={ip} onChange={(e) => setIp(e.target.value)} required placeholder="203.0.113.7 or 2001:db8::7" className="mono" autoFocus /></label>
        <label>Duration<select value={duration} onChange={(e) => setDuration(e.target.value as Duration)} aria-label="Duration">
          {DURATIONS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
        </select></label>
        <label>Reason<input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} placeholder="blocked by an operator" /></label>
        {error && <div className="alert-box error" role="alert">{error}</div>}
        <div className="row ipp-foot"><div className="spacer" /><Button onClick={onClose} kind="ghost">Cancel</Button><Button type="submit" kind="danger" disabled={busy || !assetId}>Block</Button></div>
      </form>
    </Modal>
  );
}
