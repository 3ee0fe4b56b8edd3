import { useState } from "react";
import { api, qs } from "../../app/api.ts";
import { Button, Card, Empty, useLoad } from "../../app/ui.tsx";
import { Actor, ErrorBox } from "./common.tsx";
import { Pager } from "./NotificationsTab.tsx";

interface AuditEntry { id: string; at: string; actor: string; ip: string | null; action: string; target: string | null; outcome: string; details: Record<string, unknown> }

/** The actions the server writes to the audit log, grouped for the filter. */
const ACTIONS: [string, string[]][] = [
  ["Sign-in", ["login.success", "login.failed", "login.lockout", "login.refused_locked", "logout", "password.change", "csrf.refused"]],
  ["Users and tokens", ["user.add", "user.change", "token.create", "token.revoke", "api.write", "account.create"]],
  ["Settings", ["settings.change", "allowlist.add", "allowlist.remove", "notification_channel.create", "notification_channel.change", "notification_channel.delete", "notification_channel.test"]],
  ["Response", ["block", "ignore", "mark_handled", "whitelist", "alert.unwhitelist", "ip_policy.create", "ip_policy.disable", "whitelist_rule.create", "whitelist_rule.delete", "whitelist_entry.delete"]],
  ["Logon and detection", ["logon_approval.create", "logon_approval.delete", "logon_location.revoke", "logon.auto_update", "detection_rule.update", "baseline.run"]],
  ["Agents", ["enrolment_token.create", "agent.revoke"]],
];
const PAGE = 50;

function Details({ d }: { d: Record<string, unknown> }) {
  const entries = Object.entries(d).filter(([, v]) => v !== undefined && v !== null);
  if (!entries.length) return <span className="muted">—</span>;
  return (
    <span className="set-details">
      {entries.map(([k, v]) => (
        <span key={k} className="set-kvchip"><span className="k">{k}</span>{typeof v === "string" ? v : JSON.stringify(v)}</span>
      ))}
    </span>
  );
}

/** Admins: who did what, when, from where. Newest first. */
export function AuditTab() {
  const [action, setAction] = useState("");
  const [actor, setActor] = useState("");
  const [actorApplied, setActorApplied] = useState("");
  const [offset, setOffset] = useState(0);
  const log = useLoad(() => api<{ items: AuditEntry[]; total: number }>(`/api/v1/audit${qs({ action, actor: actorApplied, limit: PAGE, offset })}`), [action, actorApplied, offset]);
  return (
    <Card title="Audit log" actions={<span className="muted">{log.data ? `${log.data.total} entr${log.data.total === 1 ? "y" : "ies"}` : ""}</span>}>
      <form className="filters set-filters" onSubmit={(e) => { e.preventDefault(); setActorApplied(actor.trim()); setOffset(0); }}>
        <label>Action
          <select aria-label="Action" value={action} onChange={(e) => { setAction(e.target.value); setOffset(0); }} data-testid="audit-action">
            <option value="">All actions</option>
            {ACTIONS.map(([group, list]) => <optgroup key={group} label={group}>{list.map((a) => <option key={a} value={a}>{a}</option>)}</optgroup>)}
          </select>
        </label>
        <label>Actor<input value={actor} onChange={(e) => setActor(e.target.value)} placeholder="e.g. admin or token:ci" /></label>
        <Button type="submit">Apply</Button>
        {(action || actorApplied) && <Button kind="ghost" onClick={() => { setAction(""); setActor(""); setActorApplied(""); setOffset(0); }}>Clear</Button>}
        <div className="spacer" />
        <Button kind="ghost" onClick={log.reload}>Refresh</Button>
      </form>
      <ErrorBox error={log.error} />
      {log.data && log.data.items.length === 0 ? <Empty>No audit entries{action || actorApplied ? " match these filters" : ""}.</Empty> : (
        <div className="set-scroll"><table data-testid="audit" className="set-audit">
          <thead><tr><th>Time</th><th>Actor</th><th>Address</th><th>Action</th><th>Target</th><th>Outcome</th><th>Details</th></tr></thead>
          <tbody>
            {log.data?.items.map((e) => (
              <tr key={e.id}>
                <td className="set-nowrap"><time dateTime={e.at} title={e.at}>{new Date(e.at).toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" })}</time></td>
                <td className="set-nowrap"><Actor actor={e.actor} /></td>
                <td className="mono set-nowrap">{e.ip ?? <span className="muted">—</span>}</td>
                <td className="set-nowrap"><button type="button" className="set-action-link mono" title="Show only this action" onClick={() => { setAction(e.action); setOffset(0); }}>{e.action}</button></td>
                <td className="mono set-target" title={e.target ?? undefined}>{e.target ?? <span className="muted">—</span>}</td>
                <td><span className={`badge set-out-${e.outcome === "success" ? "ok" : "bad"}`}>{e.outcome}</span></td>
                <td><Details d={e.details} /></td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
      <Pager offset={offset} size={PAGE} total={log.data?.total ?? 0} onChange={setOffset} />
    </Card>
  );
}
