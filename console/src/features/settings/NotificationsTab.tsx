import { Fragment, useState } from "react";
import { api, qs } from "../../app/api.ts";
import { Button, Card, Empty, SeverityBadge, StatusBadge, Time, useLoad } from "../../app/ui.tsx";
import { ChannelForm, KIND_LABEL, type Channel } from "./ChannelForm.tsx";
import { ConfirmButton, ErrorBox, useAction, useIsAdmin } from "./common.tsx";

interface Delivery {
  id: string; channelId: string; channelName: string | null; alertId: string | null; status: "pending" | "sent" | "dead";
  attempts: number; nextAttemptAt: string; lastError: string | null; createdAt: string; sentAt: string | null;
}

/** Where a channel sends, in one line (no secrets: the API never returns them). */
function destination(c: Channel): string {
  const cfg = c.config as Record<string, unknown>;
  if (c.kind === "email") {
    const smtp = (cfg.smtp ?? {}) as Record<string, unknown>;
    return `${(cfg.to as string[] | undefined)?.join(", ") ?? ""} via ${String(smtp.host ?? "")}:${String(smtp.port ?? "")}`;
  }
  if (c.kind === "webhook") return String(cfg.url ?? "");
  return `${String(cfg.host ?? "")}:${String(cfg.port ?? "")}/${String(cfg.transport ?? "").toUpperCase()}`;
}

const OUTBOX_PAGE = 25;

export function NotificationsTab() {
  const admin = useIsAdmin();
  const channels = useLoad(() => (admin ? api<{ items: Channel[] }>("/api/v1/notification-channels") : Promise.resolve({ items: [] as Channel[] })), [admin]);
  const [status, setStatus] = useState("");
  const [offset, setOffset] = useState(0);
  const outbox = useLoad(() => api<{ items: Delivery[]; total: number }>(`/api/v1/notifications${qs({ status, limit: OUTBOX_PAGE, offset })}`), [status, offset], 15_000);
  const [editing, setEditing] = useState<Channel | "new" | null>(null);
  const [tests, setTests] = useState<Record<string, { ok: boolean; message: string } | "running">>({});
  const { run } = useAction();

  const sendTest = async (c: Channel) => {
    setTests((t) => ({ ...t, [c.id]: "running" }));
    try {
      const r = await api<{ ok: boolean; message: string }>(`/api/v1/notification-channels/${encodeURIComponent(c.id)}/test`, { method: "POST", body: {} });
      setTests((t) => ({ ...t, [c.id]: r }));
    } catch (e) {
      setTests((t) => ({ ...t, [c.id]: { ok: false, message: (e as Error).message } }));
    }
  };
  const toggle = (c: Channel) => void run(() => api(`/api/v1/notification-channels/${encodeURIComponent(c.id)}`, { method: "PATCH", body: { enabled: !c.enabled } }), `${c.name} ${c.enabled ? "disabled" : "enabled"}`).then(channels.reload);
  const remove = (c: Channel) => void run(() => api(`/api/v1/notification-channels/${encodeURIComponent(c.id)}`, { method: "DELETE" }), `${c.name} deleted`).then(channels.reload);

  return (
    <>
      {admin && (
        <Card title="Channels" actions={<Button kind="primary" onClick={() => setEditing("new")} data-testid="add-channel">+ Add channel</Button>}>
          <p className="muted set-lead">New alerts at or above a channel's minimum severity are sent to it. A receiver that is down is retried with back-off (30 s, 1 min, 2 min, … up to hourly) for up to 3 days.</p>
          <ErrorBox error={channels.error} />
          {channels.data && channels.data.items.length === 0 ? <Empty>No channels yet. Add an email, webhook or syslog receiver to be told about attacks as they happen.</Empty> : (
            <table data-testid="channels">
              <thead><tr><th>Name</th><th>Kind</th><th>Destination</th><th>Severity</th><th>Types</th><th>Status</th><th /></tr></thead>
              <tbody>
                {channels.data?.items.map((c) => {
                  const t = tests[c.id];
                  return (
                    <Fragment key={c.id}>
                      <tr data-testid={`channel-${c.name}`}>
                        <td className="set-nowrap"><strong>{c.name}</strong></td>
                        <td><span className={`badge set-kind-${c.kind}`}>{KIND_LABEL[c.kind]}</span></td>
                        <td className="mono set-dest">{destination(c)}</td>
                        <td className="set-nowrap"><SeverityBadge severity={c.minSeverity} /> <span className="muted">and above</span></td>
                        <td>{c.types.length ? c.types.map((x) => <span key={x} className="badge set-type">{x}</span>) : <span className="muted set-nowrap">all types</span>}</td>
                        <td><StatusBadge status={c.enabled ? "active" : "disabled"} /></td>
                        <td className="set-actions">
                          <Button onClick={() => void sendTest(c)} disabled={t === "running"} data-testid="send-test">{t === "running" ? "Sending…" : "Send test"}</Button>
                          <Button kind="ghost" onClick={() => setEditing(c)}>Edit</Button>
                          <Button kind="ghost" onClick={() => toggle(c)}>{c.enabled ? "Disable" : "Enable"}</Button>
                          <ConfirmButton confirm="Delete" onConfirm={() => remove(c)}>Delete</ConfirmButton>
                        </td>
                      </tr>
                      {t && t !== "running" && (
                        <tr className="set-subrow">
                          <td colSpan={7}>
                            <div className={`alert-box ${t.ok ? "info" : "error"}`} data-testid="test-result">
                              {t.ok ? "✓ " : "✗ "}{t.message}
                            </div>
                          </td>
                        </tr>
                      )}
                    </Fragment>
                  );
                })}
              </tbody>
            </table>
          )}
        </Card>
      )}

      <Card title="Recent deliveries" actions={
        <div className="row">
          <select aria-label="Delivery status" value={status} onChange={(e) => { setStatus(e.target.value); setOffset(0); }}>
            <option value="">All statuses</option><option value="pending">Pending (retrying)</option><option value="sent">Sent</option><option value="dead">Given up</option>
          </select>
          <Button kind="ghost" onClick={outbox.reload}>Refresh</Button>
        </div>
      }>
        <ErrorBox error={outbox.error} />
        {outbox.data && outbox.data.items.length === 0 ? <Empty>Nothing sent yet. Deliveries of alerts appear here with their attempts and last error.</Empty> : (
          <table data-testid="outbox">
            <thead><tr><th>Queued</th><th>Channel</th><th>Alert</th><th>Status</th><th>Attempts</th><th>Sent / next try</th><th>Last error</th></tr></thead>
            <tbody>
              {outbox.data?.items.map((d) => (
                <tr key={d.id}>
                  <td><Time iso={d.createdAt} /></td>
                  <td>{d.channelName ?? <span className="muted">deleted channel</span>}</td>
                  <td className="mono">{d.alertId ? <a href={`/alerts?alert=${encodeURIComponent(d.alertId)}`}>{d.alertId}</a> : <span className="muted">—</span>}</td>
                  <td><StatusBadge status={d.status} /></td>
                  <td>{d.attempts}</td>
                  <td>{d.status === "sent" ? <Time iso={d.sentAt} /> : d.status === "pending" ? <span className="set-next">next <Time iso={d.nextAttemptAt} /></span> : <span className="muted">—</span>}</td>
                  <td className="set-err">{d.lastError ?? <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager offset={offset} size={OUTBOX_PAGE} total={outbox.data?.total ?? 0} onChange={setOffset} />
      </Card>

      {editing && (
        <ChannelForm editing={editing === "new" ? null : editing} onClose={() => setEditing(null)} onSaved={() => { setEditing(null); channels.reload(); }} />
      )}
    </>
  );
}

export function Pager({ offset, size, total, onChange }: { offset: number; size: number; total: number; onChange: (o: number) => void }) {
  if (total <= size && offset === 0) return null;
  return (
    <div className="pager" data-testid="pager">
      <span>{total === 0 ? "0" : `${offset + 1}–${Math.min(offset + size, total)}`} of {total}</span>
      <Button disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - size))}>‹ Newer</Button>
      <Button disabled={offset + size >= total} onClick={() => onChange(offset + size)}>Older ›</Button>
    </div>
  );
}
