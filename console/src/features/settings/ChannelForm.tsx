import { useState, type FormEvent, type ReactNode } from "react";
import { api } from "../../app/api.ts";
import { Button, Modal, useLoad } from "../../app/ui.tsx";
import { ErrorBox } from "./common.tsx";

export type ChannelKind = "email" | "webhook" | "syslog";
export interface Channel {
  id: string; name: string; kind: ChannelKind; config: Record<string, unknown>;
  minSeverity: "low" | "medium" | "high" | "critical"; types: string[]; enabled: boolean; createdAt: string; updatedAt: string;
}
export const REDACTED = "[redacted]";
export const KIND_LABEL: Record<ChannelKind, string> = { email: "Email (SMTP)", webhook: "Webhook", syslog: "Syslog / CEF" };
const SEVERITIES = ["low", "medium", "high", "critical"] as const;

/** Form state: every field as text so inputs stay controlled. */
interface Fields {
  name: string; kind: ChannelKind; minSeverity: Channel["minSeverity"]; types: string[]; enabled: boolean;
  smtpHost: string; smtpPort: string; tls: "starttls" | "implicit" | "require"; smtpUser: string; smtpPass: string; from: string; to: string; verifyCert: boolean;
  url: string; secret: string;
  syslogHost: string; syslogPort: string; transport: "udp" | "tcp";
}

function fieldsOf(c: Channel | null): Fields {
  const cfg = (c?.config ?? {}) as Record<string, unknown>;
  const smtp = (cfg.smtp ?? {}) as Record<string, unknown>;
  const s = (v: unknown, d = "") => (typeof v === "string" ? v : typeof v === "number" ? String(v) : d);
  return {
    name: c?.name ?? "", kind: c?.kind ?? "webhook", minSeverity: c?.minSeverity ?? "high", types: c?.types ?? [], enabled: c?.enabled ?? true,
    smtpHost: s(smtp.host), smtpPort: s(smtp.port, "587"), tls: smtp.secure ? "implicit" : smtp.requireTLS ? "require" : "starttls",
    smtpUser: s(smtp.user), smtpPass: "", from: s(cfg.from), to: Array.isArray(cfg.to) ? cfg.to.join(", ") : "", verifyCert: smtp.rejectUnauthorized !== false,
    url: c?.kind === "webhook" ? s(cfg.url) : "", secret: "",
    syslogHost: c?.kind === "syslog" ? s(cfg.host) : "", syslogPort: c?.kind === "syslog" ? s(cfg.port, "514") : "514", transport: cfg.transport === "tcp" ? "tcp" : "udp",
  };
}

/** The API body's config. On edit a secret left blank is sent as "[redacted]": the server keeps the stored one. */
function configOf(f: Fields, editing: Channel | null): Record<string, unknown> {
  const keep = (v: string) => (v === "" && editing ? REDACTED : v);
  if (f.kind === "email") {
    const smtp: Record<string, unknown> = { host: f.smtpHost.trim(), port: Number(f.smtpPort), secure: f.tls === "implicit", rejectUnauthorized: f.verifyCert };
    if (f.tls === "require") smtp.requireTLS = true;
    if (f.smtpUser.trim()) {
      smtp.user = f.smtpUser.trim();
      const pass = keep(f.smtpPass);
      if (pass !== "") smtp.pass = pass;
    }
    return { from: f.from.trim(), to: f.to.split(/[,\s;]+/).filter(Boolean), smtp };
  }
  if (f.kind === "webhook") {
    const cfg: Record<string, unknown> = { url: f.url.trim(), secret: keep(f.secret) };
    // extra headers are kept as stored (their values come back redacted and are kept)
    if (editing?.config.headers) cfg.headers = editing.config.headers;
    return cfg;
  }
  // facility and APP-NAME have no field here; an edit keeps what was stored
  return { ...(editing?.kind === "syslog" ? editing.config : {}), host: f.syslogHost.trim(), port: Number(f.syslogPort), transport: f.transport };
}

function randomSecret(): string {
  const b = new Uint8Array(24);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function Field({ label, children, wide, hint }: { label: string; children: ReactNode; wide?: boolean; hint?: string }) {
  return <label className={wide ? "span2" : ""}>{label}{children}{hint && <span className="set-hint">{hint}</span>}</label>;
}

/** Create or edit a channel. */
export function ChannelForm({ editing, onClose, onSaved }: { editing: Channel | null; onClose: () => void; onSaved: () => void }) {
  const [f, setF] = useState<Fields>(() => fieldsOf(editing));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const types = useLoad(() => api<{ items: { type: string; name: string }[] }>("/api/v1/alert-types"), []);
  const set = <K extends keyof Fields>(k: K, v: Fields[K]) => setF((x) => ({ ...x, [k]: v }));
  const secretSaved = editing !== null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const common = { name: f.name.trim(), minSeverity: f.minSeverity, types: f.types, enabled: f.enabled, config: configOf(f, editing) };
      if (editing) await api(`/api/v1/notification-channels/${encodeURIComponent(editing.id)}`, { method: "PATCH", body: common });
      else await api("/api/v1/notification-channels", { method: "POST", body: { ...common, kind: f.kind } });
      onSaved();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={editing ? `Edit channel “${editing.name}”` : "Add a notification channel"} onClose={onClose}>
      <form className="set-form" onSubmit={submit} aria-label="Notification channel">
        <div className="set-grid">
          <Field label="Name"><input name="name" value={f.name} onChange={(e) => set("name", e.target.value)} required maxLength={100} placeholder="e.g. SOC webhook" /></Field>
          <Field label="Kind">
            <select name="kind" value={f.kind} onChange={(e) => set("kind", e.target.value as ChannelKind)} disabled={editing !== null}>
              {(Object.keys(KIND_LABEL) as ChannelKind[]).map((k) => <option key={k} value={k}>{KIND_LABEL[k]}</option>)}
            </select>
          </Field>
          <Field label="Minimum severity" hint="Alerts below it are not sent">
            <select name="minSeverity" value={f.minSeverity} onChange={(e) => set("minSeverity", e.target.value as Fields["minSeverity"])}>
              {SEVERITIES.map((s) => <option key={s} value={s}>{s}</option>)}
            </select>
          </Field>
          <label className="set-check"><input type="checkbox" checked={f.enabled} onChange={(e) => set("enabled", e.target.checked)} /> Enabled</label>
          <fieldset className="span2 set-types">
            <legend>Alert types <span className="muted">(none ticked = every type)</span></legend>
            {types.data?.items.map((t) => (
              <label key={t.type} className="set-check">
                <input type="checkbox" checked={f.types.includes(t.type)} onChange={(e) => set("types", e.target.checked ? [...f.types, t.type] : f.types.filter((x) => x !== t.type))} />
                {t.name} <span className="mono muted">{t.type}</span>
              </label>
            ))}
          </fieldset>
        </div>

        <h4 className="set-sub">{KIND_LABEL[f.kind]}</h4>
        {f.kind === "email" && (
          <div className="set-grid">
            <Field label="SMTP host"><input name="smtpHost" value={f.smtpHost} onChange={(e) => set("smtpHost", e.target.value)} required placeholder="smtp.example.com" /></Field>
            <Field label="Port"><input name="smtpPort" type="number" min={1} max={65535} value={f.smtpPort} onChange={(e) => set("smtpPort", e.target.value)} required /></Field>
            <Field label="TLS">
              <select name="tls" value={f.tls} onChange={(e) => set("tls", e.target.value as Fields["tls"])}>
                <option value="starttls">STARTTLS when offered (587 / 25)</option>
                <option value="require">STARTTLS required</option>
                <option value="implicit">Implicit TLS (465)</option>
              </select>
            </Field>
            <label className="set-check"><input type="checkbox" checked={f.verifyCert} onChange={(e) => set("verifyCert", e.target.checked)} /> Verify the server's certificate</label>
            <Field label="User (optional)"><input name="smtpUser" value={f.smtpUser} onChange={(e) => set("smtpUser", e.target.value)} autoComplete="off" /></Field>
            <Field label="Password" hint={secretSaved && editing?.config.smtp && (editing.config.smtp as Record<string, unknown>).pass === REDACTED ? "Saved and hidden; leave blank to keep it" : undefined}>
              <input name="smtpPass" type="password" value={f.smtpPass} onChange={(e) => set("smtpPass", e.target.value)} autoComplete="new-password" placeholder={secretSaved ? "•••••••• (unchanged)" : ""} disabled={!f.smtpUser.trim()} />
            </Field>
            <Field label="From"><input name="from" value={f.from} onChange={(e) => set("from", e.target.value)} required placeholder="Hostward <hostward@example.com>" /></Field>
            <Field label="To" hint="Comma-separated addresses"><input name="to" value={f.to} onChange={(e) => set("to", e.target.value)} required placeholder="soc@example.com, oncall@example.com" /></Field>
          </div>
        )}
        {f.kind === "webhook" && (
          <div className="set-grid">
            <Field label="URL" wide hint="Alerts are POSTed as JSON, signed in x-hostward-signature (HMAC-SHA256)"><input name="url" type="url" value={f.url} onChange={(e) => set("url", e.target.value)} required placeholder="https://hooks.example.com/hostward" /></Field>
            <Field label="Signing secret" wide hint={secretSaved ? "Saved and hidden; leave blank to keep it" : "At least 16 characters; the receiver verifies signatures with it"}>
              <span className="set-with-btn">
                <input name="secret" value={f.secret} onChange={(e) => set("secret", e.target.value)} required={!secretSaved} minLength={16} maxLength={256} autoComplete="off" placeholder={secretSaved ? "•••••••• (unchanged)" : ""} className="mono" />
                <Button onClick={() => set("secret", randomSecret())}>Generate</Button>
              </span>
            </Field>
          </div>
        )}
        {f.kind === "syslog" && (
          <div className="set-grid">
            <Field label="Host"><input name="syslogHost" value={f.syslogHost} onChange={(e) => set("syslogHost", e.target.value)} required placeholder="siem.example.com" /></Field>
            <Field label="Port"><input name="syslogPort" type="number" min={1} max={65535} value={f.syslogPort} onChange={(e) => set("syslogPort", e.target.value)} required /></Field>
            <Field label="Transport" hint="RFC 5424 with a CEF message">
              <select name="transport" value={f.transport} onChange={(e) => set("transport", e.target.value as "udp" | "tcp")}>
                <option value="udp">UDP</option>
                <option value="tcp">TCP (octet-counted)</option>
              </select>
            </Field>
          </div>
        )}
        <ErrorBox error={error} />
        <div className="set-foot">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" kind="primary" disabled={busy}>{busy ? "Saving…" : editing ? "Save changes" : "Add channel"}</Button>
        </div>
      </form>
    </Modal>
  );
}
