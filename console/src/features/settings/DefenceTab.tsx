import { useState, type FormEvent } from "react";
import { api } from "../../app/api.ts";
import { Button, Card, Empty, Time, useLoad } from "../../app/ui.tsx";
import { Actor, ConfirmButton, ErrorBox, Switch, useAction, useIsAdmin } from "./common.tsx";
import { ProactiveCard } from "./ProactiveCard.tsx";

interface AllowEntry { id: string; cidr: string; note: string; createdAt: string; createdBy: string }

/** The per-account automatic-blocking switch, the allowlist (never blocked, still alerted on) and PRC-4 prevention. */
export function DefenceTab() {
  const admin = useIsAdmin();
  const defence = useLoad(() => api<{ enabled: boolean }>("/api/v1/settings/defence"), []);
  const allow = useLoad(() => api<{ items: AllowEntry[] }>("/api/v1/allowlist"), []);
  const { busy, run } = useAction();
  const [cidr, setCidr] = useState("");
  const [note, setNote] = useState("");
  const [formError, setFormError] = useState<string | null>(null);

  const setEnabled = (enabled: boolean) =>
    void run(() => api("/api/v1/settings/defence", { method: "PUT", body: { enabled } }), enabled ? "Automatic blocking is on" : "Automatic blocking is off").then(defence.reload);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    try {
      await api("/api/v1/allowlist", { method: "POST", body: { cidr: cidr.trim(), note: note.trim() } });
      setCidr("");
      setNote("");
      allow.reload();
    } catch (err) {
      setFormError((err as Error).message);
    }
  };
  const remove = (id: string) => void run(() => api(`/api/v1/allowlist/${encodeURIComponent(id)}`, { method: "DELETE" }), "Removed from the allowlist").then(allow.reload);

  const on = defence.data?.enabled;
  return (
    <>
      <Card title="Automatic blocking">
        <ErrorBox error={defence.error} />
        <div className="set-defence">
          <div className={`set-shield ${on ? "on" : on === false ? "off" : ""}`} aria-hidden="true">
            <svg width="26" height="26" viewBox="0 0 32 32"><path d="M16 2 4 7v9c0 7 5 12 12 14 7-2 12-7 12-14V7z" fill="currentColor" opacity=".9" />{on === false ? <path d="M12 11v10M20 11v10" stroke="#0b1020" strokeWidth="3" strokeLinecap="round" /> : <path d="m10.5 16 4 4 7-8" stroke="#0b1020" strokeWidth="3" fill="none" strokeLinecap="round" strokeLinejoin="round" />}</svg>
          </div>
          <div className="set-defence-text">
            <div className="set-defence-state" data-testid="defence-state">
              {on === undefined ? "…" : on ? "On — brute-force sources are blocked automatically" : "Off — attacks are alerted on, nothing is blocked automatically"}
            </div>
            <p className="muted">
              When on, a source that brute-forces SSH, or logs on after doing so, is dropped by the attacked host's agent within a second and released when the
              block's validity period ends. Alerts are raised either way, and analysts can still block by hand. This setting applies to this account only.
            </p>
          </div>
          {on !== undefined && (admin
            ? <Switch on={on} label="Automatic blocking" disabled={busy} onChange={setEnabled} />
            : <span className="muted set-ro">Only admins can change this</span>)}
        </div>
      </Card>

      <ProactiveCard admin={admin} />

      <Card title="Allowlist" actions={<span className="muted">{allow.data ? `${allow.data.items.length} entr${allow.data.items.length === 1 ? "y" : "ies"}` : ""}</span>}>
        <p className="muted set-lead">Addresses and networks that are alerted on but never blocked — your office, VPN egress, monitoring and jump hosts.</p>
        {admin && (
          <form className="set-inline-form" onSubmit={add} aria-label="Add to the allowlist">
            <label>Address or network<input name="cidr" placeholder="203.0.113.0/24 or 2001:db8::1" value={cidr} onChange={(e) => { setCidr(e.target.value); setFormError(null); }} required maxLength={64} /></label>
            <label className="grow">Note<input name="note" placeholder="Why it is trusted, e.g. office VPN" value={note} onChange={(e) => setNote(e.target.value)} maxLength={200} /></label>
            <Button type="submit" kind="primary">Add</Button>
          </form>
        )}
        <ErrorBox error={formError ?? allow.error} />
        {allow.data && allow.data.items.length === 0 ? <Empty>No allowlist entries. Every source can be blocked.</Empty> : (
          <table data-testid="allowlist">
            <thead><tr><th>Address / network</th><th>Note</th><th>Added by</th><th>Added</th>{admin && <th />}</tr></thead>
            <tbody>
              {allow.data?.items.map((e) => (
                <tr key={e.id}>
                  <td className="mono">{e.cidr}</td>
                  <td>{e.note || <span className="muted">—</span>}</td>
                  <td><Actor actor={e.createdBy} /></td>
                  <td><Time iso={e.createdAt} /></td>
                  {admin && <td className="set-actions"><ConfirmButton confirm="Remove" onConfirm={() => remove(e.id)}>Remove</ConfirmButton></td>}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
