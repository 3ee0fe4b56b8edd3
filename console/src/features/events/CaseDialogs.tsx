import { useState, type FormEvent, type ReactNode } from "react";
import { api } from "../../app/api.ts";
import { useSession } from "../../app/session.tsx";
import { Button, Modal, useToast } from "../../app/ui.tsx";
import { useOwners } from "./owners.ts";
import { EVENT_STATUS_LABEL, SEVERITIES, plural, type EventDetail, type EventStatus } from "./model.ts";

/**
 * EVT-8 … EVT-12 case work: status, severity, owner and whitelisting, each with a remark that
 * the activity log keeps (EVT-13). The server re-checks the role; these only render for analysts.
 */

/** A dialog's submit: posts to the event, toasts, reports an error in the dialog. */
function useSubmit(e: EventDetail, onDone: () => void): { busy: boolean; error: string | null; post: (path: string, body: object, ok: string | ((r: unknown) => string)) => Promise<void> } {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const post = async (path: string, body: object, ok: string | ((r: unknown) => string)) => {
    setBusy(true);
    setError(null);
    try {
      const r = await api(`/api/v1/events/${encodeURIComponent(e.id)}/${path}`, { method: "POST", body });
      toast(typeof ok === "string" ? ok : ok(r));
      onDone();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, post };
}

function Remark({ value, onChange, label = "Remark", placeholder }: { value: string; onChange: (v: string) => void; label?: string; placeholder: string }) {
  return <label>{label}<textarea value={value} onChange={(e) => onChange(e.target.value)} maxLength={1000} rows={3} placeholder={placeholder} required aria-label={label} data-testid="case-remark" /></label>;
}
function Footer({ busy, error, onClose, submit, danger, disabled }: { busy: boolean; error: string | null; onClose: () => void; submit: ReactNode; danger?: boolean; disabled?: boolean }) {
  return (
    <>
      {error && <div className="alert-box error" role="alert">{error}</div>}
      <div className="row"><div className="spacer" /><Button kind="ghost" onClick={onClose}>Cancel</Button><Button type="submit" kind={danger ? "danger" : "primary"} disabled={busy || disabled} data-testid="case-submit">{submit}</Button></div>
    </>
  );
}

export function StatusDialog({ e, onClose, onDone }: { e: EventDetail; onClose: () => void; onDone: () => void }) {
  const choices = (["handling", "handled", "unhandled"] as const).filter((s) => s !== e.status);
  const [to, setTo] = useState<(typeof choices)[number]>(choices.includes("handled" as never) ? "handled" : choices[0]!);
  const [how, setHow] = useState("");
  const [remark, setRemark] = useState("");
  const { busy, error, post } = useSubmit(e, onDone);
  const unhandled = e.counts.alertsByStatus.unhandled ?? 0;
  const blocked = e.counts.alertsByStatus.blocked ?? 0;
  const submit = (f: FormEvent) => {
    f.preventDefault();
    void post("status", { status: to, how: how.trim() || undefined, remark: remark.trim() }, `Event set to ${EVENT_STATUS_LABEL[to]}`);
  };
  return (
    <Modal title="Change the event's status" onClose={onClose}>
      <form className="evx-form" onSubmit={submit} aria-label="Change status" data-testid="status-dialog">
        <fieldset className="evx-choices">
          <legend className="muted small">Now {EVENT_STATUS_LABEL[e.status as EventStatus] ?? e.status}. Set it to:</legend>
          {choices.map((s) => (
            <label key={s} className={`evx-choice ${to === s ? "on" : ""}`}>
              <input type="radio" name="status" value={s} checked={to === s} onChange={() => setTo(s)} />
              <span><b>{EVENT_STATUS_LABEL[s]}</b><span className="muted small">{STATUS_HELP[s](unhandled, blocked)}</span></span>
            </label>
          ))}
        </fieldset>
        {to !== "unhandled" && <label>How it was handled<input value={how} onChange={(x) => setHow(x.target.value)} maxLength={500} placeholder={to === "handled" ? "e.g. blocked the source, reset the password" : "e.g. blocking the source, investigating"} aria-label="How it was handled" /></label>}
        <Remark value={remark} onChange={setRemark} placeholder="Why (kept in the activity log)" />
        <Footer busy={busy} error={error} onClose={onClose} submit={`Set ${EVENT_STATUS_LABEL[to]}`} disabled={!remark.trim()} />
      </form>
    </Modal>
  );
}
const STATUS_HELP: Record<"handled" | "handling" | "unhandled", (unhandled: number, blocked: number) => string> = {
  handled: (n, b) => `Its ${plural(n, "unhandled alert")} become Handled with this handling info; later alerts open a new event.${b ? ` ${plural(b, "Blocked alert")} (precision defence) never change.` : ""}`,
  handling: () => "Work in progress: no alert changes, and new alerts may still join.",
  unhandled: () => "Reopen it: new alerts join it again. Alerts already handled stay handled.",
};

export function SeverityDialog({ e, onClose, onDone }: { e: EventDetail; onClose: () => void; onDone: () => void }) {
  const [severity, setSeverity] = useState(e.severity);
  const [remark, setRemark] = useState("");
  const { busy, error, post } = useSubmit(e, onDone);
  return (
    <Modal title="Change the event's severity" onClose={onClose}>
      <form className="evx-form" onSubmit={(f) => { f.preventDefault(); void post("severity", { severity, remark: remark.trim() }, `Severity set to ${severity}`); }} aria-label="Change severity" data-testid="severity-dialog">
        <p className="muted">Now <b>{e.severity}</b>{e.severityChanged ? " (set by an analyst)" : " (the highest of its alerts)"}. Once set, it stays as set when further alerts join.</p>
        <label>Severity<select value={severity} onChange={(x) => setSeverity(x.target.value as typeof severity)} aria-label="New severity">{SEVERITIES.map((s) => <option key={s} value={s}>{s}</option>)}</select></label>
        <Remark value={remark} onChange={setRemark} placeholder="Why this severity (kept in the activity log)" />
        <Footer busy={busy} error={error} onClose={onClose} submit="Set severity" disabled={!remark.trim() || (severity === e.severity && e.severityChanged)} />
      </form>
    </Modal>
  );
}

export function OwnerDialog({ e, onClose, onDone }: { e: EventDetail; onClose: () => void; onDone: () => void }) {
  const { me } = useSession();
  const owners = useOwners([e.owner]);
  const [userId, setUserId] = useState<string>(e.owner?.id === me?.id ? "" : (me?.id ?? ""));
  const [remark, setRemark] = useState("");
  const { busy, error, post } = useSubmit(e, onDone);
  const name = (id: string) => (id === "" ? "no one" : (owners.find((o) => o.id === id)?.username ?? id));
  return (
    <Modal title={e.owner ? "Hand the event over" : "Assign an owner"} onClose={onClose}>
      <form className="evx-form" onSubmit={(f) => { f.preventDefault(); void post("owner", { userId: userId || null, remark: remark.trim() }, `Owner: ${name(userId)}`); }} aria-label="Change owner" data-testid="owner-dialog">
        <p className="muted">Now owned by <b>{e.owner?.username ?? "no one"}</b>. An owner is an enabled analyst or admin of this account.</p>
        <label>New owner<select value={userId} onChange={(x) => setUserId(x.target.value)} aria-label="New owner">
          <option value="">No one</option>
          {owners.map((o) => <option key={o.id} value={o.id}>{o.username}{o.id === me?.id ? " (me)" : ""}</option>)}
        </select></label>
        <Remark value={remark} onChange={setRemark} label="Hand-over remark" placeholder="What the next owner should know: what was done, what is left" />
        <Footer busy={busy} error={error} onClose={onClose} submit="Hand over" disabled={!remark.trim() || userId === (e.owner?.id ?? "")} />
      </form>
    </Modal>
  );
}

interface WhitelistResult { rules: { id: string }[]; whitelisted: string[]; kept: { alertId: string; reason: string }[] }

/** EVT-9: a confirm that says exactly what whitelisting does before it does it. */
export function WhitelistDialog({ e, onClose, onDone }: { e: EventDetail; onClose: () => void; onDone: () => void }) {
  const [remark, setRemark] = useState("");
  const { busy, error, post } = useSubmit(e, onDone);
  const blocked = e.counts.alertsByStatus.blocked ?? 0;
  const summary = (r: unknown) => {
    const x = r as WhitelistResult;
    return `Whitelisted ${plural(x.whitelisted.length, "alert")} with ${plural(x.rules.length, "new custom rule")}${x.kept.length ? `; ${x.kept.length} stay (${x.kept[0]!.reason})` : ""}`;
  };
  return (
    <Modal title="Whitelist this event?" onClose={onClose}>
      <form className="evx-form" onSubmit={(f) => { f.preventDefault(); void post("whitelist", { remark: remark.trim() }, summary); }} aria-label="Whitelist the event" data-testid="whitelist-dialog">
        <p>Use this when the event is a <b>false positive</b> — your own scanner, a script with an old password. For each of its {plural(e.alertCount, "alert")}:</p>
        <ul className="evx-list">
          <li>a <b>custom whitelist rule</b> is created on the alert's type and asset, matching its value of the type's whitelist field (a source address, a file hash…);</li>
          <li>the alert becomes <b>Whitelisted</b> and <b>leaves this event</b>; blocks it caused are lifted;</li>
          <li>future alerts like it are <b>whitelisted automatically</b> — rules are listed, and can be deleted, under Whitelist.</li>
        </ul>
        {blocked > 0 && <p className="alert-box warn">{plural(blocked, "Blocked alert")} (precision defence) never change and stay in the event.</p>}
        <p className="muted small">If no alert is left, the event is closed as Handled (a false positive).</p>
        <Remark value={remark} onChange={setRemark} placeholder="Why it is a false positive (kept with the rules and in the activity log)" />
        <Footer busy={busy} error={error} onClose={onClose} submit="Whitelist its alerts" danger disabled={!remark.trim()} />
      </form>
    </Modal>
  );
}
