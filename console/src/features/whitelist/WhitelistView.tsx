import { useEffect, useState, type FormEvent } from "react";
import { api } from "../../app/api.ts";
import { useSession } from "../../app/session.tsx";
import { canAct } from "../../app/types.ts";
import { Button, Card, Empty, Modal, Time, useLoad, useToast } from "../../app/ui.tsx";
import { asText, useAgents, useAlertTypes, type AlertType } from "../alerts/index.ts";
import "./whitelist.css";

interface Rule { id: string; alertType: string; field: string; operator: string; value: string; assetId: string | null; note: string; createdBy: string; createdAt: string }
interface Entry { id: string; alertType: string; fields: Record<string, string>; assetId: string | null; sourceAlertId: string | null; createdBy: string; createdAt: string }
interface Preview { matched: number; scanned: number; truncated: boolean; types: Record<string, number>; assets: Record<string, number>; sample: { id: string; type: string; assetId: string; lastSeen: string; value: unknown }[]; warnings: string[] }

const OPERATORS = [["equals", "equals"], ["contains", "contains"], ["regex", "matches regex (RE2)"], ["greater", "greater than"], ["less", "less than"]] as const;

/** Whitelists, never rule edits (ALR-4, ALR-6, ALR-7): custom rules with a live preview, and stored entries. */
export function WhitelistView() {
  const { me } = useSession();
  const actor = canAct(me?.role, "analyst");
  const toast = useToast();
  const { agents, hostOf } = useAgents();
  const types = useAlertTypes();
  const rules = useLoad(() => api<{ items: Rule[] }>("/api/v1/whitelist-rules"), []);
  const entries = useLoad(() => api<{ items: Entry[] }>("/api/v1/whitelist-entries"), []);
  const [creating, setCreating] = useState(false);
  const typeName = (t: string) => (t === "*" ? "Any type" : (types.find((x) => x.type === t)?.name ?? t));

  const remove = async (what: string, path: string, reload: () => void) => {
    try {
      await api(path, { method: "DELETE" });
      toast(`${what[0]!.toUpperCase()}${what.slice(1)} deleted`);
      reload();
    } catch (e) {
      toast((e as Error).message, "error");
    }
  };

  return (
    <div className="wlv">
      <Card title="Custom rules" actions={actor && <Button kind="primary" onClick={() => setCreating(true)} data-testid="new-rule">New rule</Button>}>
        <p className="muted wlv-lead">Alerts matching any rule become <em>Whitelisted (auto)</em> from now on: never blocked, never notified.</p>
        {rules.error && <div className="alert-box error" role="alert">{rules.error}</div>}
        {rules.data && rules.data.items.length === 0 ? <Empty>No custom rule yet.</Empty> : (
          <table className="wlv-table" data-testid="rules-table">
            <thead><tr><th>Alert type</th><th>Condition</th><th>Scope</th><th>Note</th><th>Created</th>{actor && <th />}</tr></thead>
            <tbody>
              {rules.data?.items.map((r) => (
                <tr key={r.id} data-testid="rule-row">
                  <td>{typeName(r.alertType)}</td>
                  <td><span className="mono wlv-field">{r.field}</span> <span className="wlv-op">{r.operator}</span> <span className="mono wlv-val">{r.value}</span></td>
                  <td>{r.assetId === null ? <span className="badge wlv-all">All assets</span> : hostOf(r.assetId)}</td>
                  <td className="wlv-note">{r.note || <span className="muted">—</span>}</td>
                  <td className="wlv-when"><Time iso={r.createdAt} /><div className="muted">{r.createdBy}</div></td>
                  {actor && <td className="wlv-act"><ConfirmDelete onConfirm={() => void remove("rule", `/api/v1/whitelist-rules/${encodeURIComponent(r.id)}`, rules.reload)} /></td>}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>

      <Card title="Whitelist entries">
        <p className="muted wlv-lead">Stored when an alert is whitelisted: the same fields on the same scope are whitelisted automatically.</p>
        {entries.error && <div className="alert-box error" role="alert">{entries.error}</div>}
        {entries.data && entries.data.items.length === 0 ? <Empty>No entries. Whitelisting an alert adds one.</Empty> : (
          <table className="wlv-table" data-testid="entries-table">
            <thead><tr><th>Alert type</th><th>Fields</th><th>Scope</th><th>From alert</th><th>Created</th>{actor && <th />}</tr></thead>
            <tbody>
              {entries.data?.items.map((e) => (
                <tr key={e.id} data-testid="entry-row">
                  <td>{typeName(e.alertType)}</td>
                  <td>{Object.entries(e.fields).map(([k, v]) => <div key={k}><span className="mono wlv-field">{k}</span> = <span className="mono wlv-val">{v}</span></div>)}</td>
                  <td>{e.assetId === null ? <span className="badge wlv-all">All assets</span> : hostOf(e.assetId)}</td>
                  <td>{e.sourceAlertId ? <a className="mono" href={`/alerts?alert=${encodeURIComponent(e.sourceAlertId)}`}>{e.sourceAlertId}</a> : <span className="muted">—</span>}</td>
                  <td className="wlv-when"><Time iso={e.createdAt} /><div className="muted">{e.createdBy}</div></td>
                  {actor && <td className="wlv-act"><ConfirmDelete onConfirm={() => void remove("entry", `/api/v1/whitelist-entries/${encodeURIComponent(e.id)}`, entries.reload)} /></td>}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>

      {creating && <RuleForm types={types} agents={agents} hostOf={hostOf} onClose={() => setCreating(false)} onSaved={() => { setCreating(false); rules.reload(); }} />}
    </div>
  );
}

function RuleForm({ types, agents, hostOf, onClose, onSaved }: { types: AlertType[]; agents: { id: string; hostname: string }[]; hostOf: (id: string | null) => string; onClose: () => void; onSaved: () => void }) {
  const toast = useToast();
  const [alertType, setAlertType] = useState(types[0]?.type ?? "");
  const fields = types.find((t) => t.type === alertType)?.fields ?? [...new Set(types.flatMap((t) => t.fields))].sort();
  const [field, setField] = useState("source.ip");
  const [operator, setOperator] = useState("equals");
  const [value, setValue] = useState("");
  const [assetId, setAssetId] = useState("");
  const [note, setNote] = useState("");
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const body = { alertType, field, operator, value, assetId: assetId || null, note };
  const key = JSON.stringify({ ...body, note: "" });

  useEffect(() => { if (!alertType && types[0]) setAlertType(types[0].type); }, [types, alertType]);
  useEffect(() => { if (fields.length && !fields.includes(field)) setField(fields.includes("source.ip") ? "source.ip" : fields[0]!); }, [key, fields.join()]);
  // the live preview: what this rule would have whitelisted in the last 30 days
  useEffect(() => {
    if (!alertType || !field) return;
    let live = true;
    setPreviewing(true);
    const t = setTimeout(() => {
      api<Preview>("/api/v1/whitelist-rules/preview", { method: "POST", body })
        .then((p) => { if (live) { setPreview(p); setPreviewError(null); } }, (e: Error) => { if (live) { setPreview(null); setPreviewError(e.message); } })
        .finally(() => live && setPreviewing(false));
    }, 300);
    return () => { live = false; clearTimeout(t); };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api("/api/v1/whitelist-rules", { method: "POST", body });
      toast("Whitelist rule saved");
      onSaved();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const ready = preview !== null && !previewing && !previewError && value !== "";
  return (
    <Modal title="New whitelist rule" onClose={onClose}>
      <form className="wlv-form" onSubmit={submit} aria-label="New whitelist rule">
        <div className="wlv-grid">
          <label>Alert type<select value={alertType} onChange={(e) => setAlertType(e.target.value)} aria-label="Alert type">
            {types.map((t) => <option key={t.type} value={t.type}>{t.name}</option>)}
            <option value="*">Any type</option>
          </select></label>
          <label>Field<select value={field} onChange={(e) => setField(e.target.value)} aria-label="Field">
            {fields.map((f) => <option key={f} value={f}>{f}</option>)}
          </select></label>
          <label>Operator<select value={operator} onChange={(e) => setOperator(e.target.value)} aria-label="Operator">
            {OPERATORS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select></label>
          <label>Value<input value={value} onChange={(e) => setValue(e.target.value)} className="mono" placeholder={operator === "regex" ? "^10\\.1\\." : "203.0.113.7"} aria-label="Value" autoFocus /></label>
          <label>Scope<select value={assetId} onChange={(e) => setAssetId(e.target.value)} aria-label="Scope">
            <option value="">All assets (present and future)</option>
            {agents.map((a) => <option key={a.id} value={a.id}>{a.hostname}</option>)}
          </select></label>
          <label>Note<input value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} placeholder="Why this is safe" aria-label="Note" /></label>
        </div>

        <section className="wlv-preview" aria-label="Preview" aria-busy={previewing} data-testid="rule-preview">
          <div className="wlv-phead">
            <h3>Preview · last 30 days</h3>
            <div className="spacer" />
            {previewing && <span className="muted">Checking…</span>}
          </div>
          {previewError && <div className="alert-box error" role="alert">{previewError}</div>}
          {preview && (
            <>
              <div className="wlv-matched" data-testid="preview-matched">
                <strong>{preview.matched.toLocaleString()}</strong> alert{preview.matched === 1 ? "" : "s"} would have been whitelisted
                <span className="muted"> · {preview.scanned.toLocaleString()} scanned{preview.truncated ? " (most recent only)" : ""}</span>
              </div>
              {preview.warnings.map((w) => <div key={w} className="alert-box warn wlv-warning" role="alert" data-testid="preview-warning">⚠ {w}</div>)}
              {Object.keys(preview.types).length > 0 && (
                <div className="wlv-breakdown">
                  {Object.entries(preview.types).map(([t, n]) => <span key={t} className="badge wlv-count">{t}: {n}</span>)}
                  {Object.entries(preview.assets).map(([a, n]) => <span key={a} className="badge wlv-count">{hostOf(a)}: {n}</span>)}
                </div>
              )}
              {preview.sample.length > 0 && (
                <table className="wlv-sample">
                  <thead><tr><th>Alert</th><th>Asset</th><th>{field}</th><th>Last seen</th></tr></thead>
                  <tbody>
                    {preview.sample.slice(0, 8).map((s) => (
                      <tr key={s.id}><td className="mono">{s.type}</td><td>{hostOf(s.assetId)}</td><td className="mono">{asText(s.value)}</td><td><Time iso={s.lastSeen} /></td></tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          )}
        </section>

        {error && <div className="alert-box error" role="alert">{error}</div>}
        <div className="row">
          <span className="muted wlv-hint">{value === "" ? "Enter a value to preview the rule." : ""}</span>
          <div className="spacer" />
          <Button kind="ghost" onClick={onClose}>Cancel</Button>
          <Button type="submit" kind="primary" disabled={!ready} data-testid="save-rule">Save rule</Button>
        </div>
      </form>
    </Modal>
  );
}

/** Two clicks to delete, no browser dialog: future alerts only, past ones stay whitelisted. */
function ConfirmDelete({ onConfirm }: { onConfirm: () => void }) {
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    if (!armed) return;
    const t = setTimeout(() => setArmed(false), 4000);
    return () => clearTimeout(t);
  }, [armed]);
  return armed
    ? <Button kind="danger" onClick={onConfirm} title="Future alerts only: alerts already whitelisted stay whitelisted">Confirm delete</Button>
    : <Button kind="ghost" onClick={() => setArmed(true)}>Delete</Button>;
}
