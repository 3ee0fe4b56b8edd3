import { useMemo, useState } from "react";
import { api } from "../../app/api.ts";
import type { Alert } from "../../app/types.ts";
import { Button, Modal, useLoad, useToast } from "../../app/ui.tsx";
import { visible } from "../alerts/index.ts";
import { KindBadge } from "./parts.tsx";
import { shortLabel, type EventDetail, type PlaybookTarget } from "./model.ts";

/** What the playbooks API speaks (EVT-10): src/server/routes/playbooks.routes.ts. */
interface Step { action: string; name?: string; params: Record<string, unknown>; when?: Record<string, unknown>; continueOnError: boolean }
interface Playbook { id: string; name: string; description: string; target: string; builtIn: boolean; source: string; steps: Step[] }
interface PlanStep { step: number; name: string; action: string; assetId: string; hostname: string; status: "queue" | "skipped" | "invalid"; params: Record<string, unknown> | null; reason: string | null; continueOnError: boolean }
interface Plan { playbook: { id: string; name: string; target: string }; target: Record<string, unknown>; steps: PlanStep[] }
/** The typed target a playbook run takes. */
type RunTarget = { kind: "ip"; ip: string } | { kind: "host" } | { kind: "file"; path: string; sha256: string } | { kind: "process"; pid: number; start: number; sha256?: string; executable?: string } | { kind: "account"; name: string };

const EXPIRING = new Set(["block_ip", "web_deny_ip", "isolate_host"]);
const VALIDITY: [string, string][] = [["", "As the playbook says"], ["3600", "1 hour"], ["21600", "6 hours"], ["86400", "1 day"], ["604800", "7 days"], ["2592000", "30 days"]];

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined);
const sha256Of = (v: unknown): string | undefined => (typeof obj(v)?.sha256 === "string" ? (obj(v)!.sha256 as string) : undefined);
const stripDeleted = (s: string) => s.replace(/ \(deleted\)$/, "");

/**
 * The typed run target for a graph entity: an address, an account name, a host — and for a file
 * or a process the hash, pid and start time the agent checks before it acts, read from the
 * event's alert that names it. Null with why when the alerts do not carry them.
 */
export function runTarget(t: PlaybookTarget, alerts: readonly Alert[]): { target: RunTarget } | { why: string } {
  if (t.kind === "ip") return { target: { kind: "ip", ip: t.label } };
  if (t.kind === "host") return { target: { kind: "host" } };
  if (t.kind === "account") return { target: { kind: "account", name: t.label } };
  const mine = alerts.filter((a) => a.assetId === t.assetId);
  if (t.kind === "file") {
    for (const a of mine) {
      const sha = sha256Of(a.evidence["file.hash"]);
      if (a.evidence["file.path"] === t.label && sha) return { target: { kind: "file", path: t.label, sha256: sha } };
    }
    return { why: "none of the event's alerts records this file's SHA-256, which the agent checks before it moves a file" };
  }
  if (t.kind === "process") {
    for (const a of mine) {
      const ev = a.evidence;
      const exe = typeof ev["process.executable"] === "string" ? stripDeleted(ev["process.executable"]) : undefined;
      const named = exe === t.label || ev["process.name"] === t.label;
      if (named && typeof ev["process.pid"] === "number" && typeof ev["process.start"] === "number") {
        return { target: { kind: "process", pid: ev["process.pid"], start: ev["process.start"], sha256: sha256Of(ev["process.hash"]), executable: exe } };
      }
    }
    return { why: "none of the event's alerts records this process's pid and start time, which the agent checks before it kills" };
  }
  return { why: `no playbook acts on a ${t.kind}: act on the addresses it resolved to` };
}

/**
 * EVT-7/EVT-10: the playbooks that fit an entity, a dry run that shows each planned action on
 * each asset (or why it is skipped), then the run; the event is set to Handling with the run
 * recorded in its activity log. Shown to analysts and admins only (the server checks too).
 */
export function PlaybookDialog({ event, target, hostOf, onClose, onDone }: { event: EventDetail; target: PlaybookTarget; hostOf: (id: string | null) => string; onClose: () => void; onDone: () => void }) {
  const toast = useToast();
  const books = useLoad(() => api<{ items: Playbook[] }>("/api/v1/playbooks"), []);
  const alerts = useLoad(() => api<{ items: Alert[] }>(`/api/v1/events/${encodeURIComponent(event.id)}/alerts`), [event.id]);
  const fitting = (books.data?.items ?? []).filter((p) => p.target === target.kind);
  const [chosen, setChosen] = useState<string | null>(null);
  const pb = fitting.find((p) => p.id === chosen) ?? fitting[0] ?? null;
  // where it runs: the entity's own asset, or for an address every asset of the event
  const candidates = target.assetId ? [target.assetId] : event.assets.map((a) => a.id);
  const [assets, setAssets] = useState<Set<string>>(() => new Set(candidates));
  const [validity, setValidity] = useState("");
  const [record, setRecord] = useState(true);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const resolved = useMemo(() => (alerts.data ? runTarget(target, alerts.data.items) : null), [alerts.data, target]);
  const body = () => (resolved && "target" in resolved ? { target: resolved.target, assetIds: [...assets], ...(validity ? { validitySeconds: Number(validity) } : {}) } : null);
  const reset = () => { setPlan(null); setError(null); };

  const dryRun = async () => {
    const b = body();
    if (!pb || !b) return;
    setBusy(true);
    setError(null);
    try {
      setPlan(await api<Plan>(`/api/v1/playbooks/${encodeURIComponent(pb.id)}/dry-run`, { method: "POST", body: b }));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const run = async () => {
    const b = body();
    if (!pb || !b) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api<{ tasks: { id: string; assetId: string; type: string }[]; plan: Plan }>(`/api/v1/playbooks/${encodeURIComponent(pb.id)}/run`, { method: "POST", body: b });
      const skipped = r.plan.steps.filter((s) => s.status !== "queue").length;
      const what = `${pb.name} on ${visible(shortLabel(target.kind, target.label, target.kind === "host" ? hostOf(target.assetId) : null), 120)}: ${r.tasks.length} task${r.tasks.length === 1 ? "" : "s"} queued${skipped ? `, ${skipped} skipped` : ""}`;
      // EVT-7: resolving sets the event to Handling, and the run is in its activity log
      if (record && event.status !== "handled") {
        await api(`/api/v1/events/${encodeURIComponent(event.id)}/status`, { method: "POST", body: { status: "handling", how: `playbook ${pb.name}`, remark: `${what} (${r.tasks.map((t) => `${t.type} on ${hostOf(t.assetId)}`).join(", ") || "nothing queued"})`.slice(0, 1000) } });
      }
      toast(`Playbook ${what}`);
      onDone();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const expiring = pb?.steps.some((s) => EXPIRING.has(s.action)) ?? false;
  const runnable = plan !== null && plan.steps.some((s) => s.status === "queue");
  return (
    <Modal title="Playbooks" onClose={onClose}>
      <div className="evx-form" data-testid="playbook-dialog">
        <div className="evx-target"><KindBadge kind={target.kind} /><span className="mono evx-target-label" data-testid="playbook-target">{target.kind === "host" ? hostOf(target.assetId) : visible(target.label, 400)}</span></div>
        {books.error && <div className="alert-box error" role="alert">{books.error}</div>}
        {books.data && fitting.length === 0 && <p className="muted" data-testid="playbook-none">No playbook acts on this kind of entity{target.kind === "domain" || target.kind === "url" ? ": act on the addresses it resolved to" : ""}.</p>}
        {resolved && "why" in resolved && fitting.length > 0 && <div className="alert-box warn" role="alert">Cannot run a playbook on it: {resolved.why}.</div>}
        {fitting.length > 0 && (
          <fieldset className="evx-choices" aria-label="Playbook">
            {fitting.map((p) => (
              <label key={p.id} className={`evx-choice ${pb?.id === p.id ? "on" : ""}`} data-testid="playbook-option" data-id={p.id}>
                <input type="radio" name="playbook" checked={pb?.id === p.id} onChange={() => { setChosen(p.id); reset(); }} />
                <span><b>{p.name}</b>{!p.builtIn && <span className="badge evx-custom">custom</span>}<span className="muted small">{p.description}</span>
                  <span className="evx-steps">{p.steps.map((s, i) => <span key={i} className="evx-step mono">{s.name ?? s.action}</span>)}</span>
                </span>
              </label>
            ))}
          </fieldset>
        )}
        {pb && (
          <div className="row evx-opts">
            <fieldset className="evx-assets" aria-label="Assets">
              <legend className="muted small">Run on</legend>
              {candidates.map((id) => (
                <label key={id} className="evx-check"><input type="checkbox" checked={assets.has(id)} onChange={() => { const n = new Set(assets); if (n.has(id)) n.delete(id); else n.add(id); setAssets(n); reset(); }} />{hostOf(id)}</label>
              ))}
            </fieldset>
            {expiring && <label>Validity period<select value={validity} onChange={(e) => { setValidity(e.target.value); reset(); }} aria-label="Validity period">{VALIDITY.map(([v, l]) => <option key={v} value={v}>{l}</option>)}</select></label>}
          </div>
        )}
        {plan && (
          <div className="evx-plan" data-testid="playbook-plan">
            <div className="muted small">Dry run — nothing is queued yet. Each step on each asset:</div>
            <table className="evt-table">
              <thead><tr><th>#</th><th>Step</th><th>Asset</th><th>Plan</th><th>Parameters / why</th></tr></thead>
              <tbody>{plan.steps.map((s, i) => (
                <tr key={i} className={`evx-plan-${s.status}`} data-testid="plan-step" data-status={s.status}>
                  <td>{s.step + 1}</td><td><div>{s.name}</div><div className="mono muted small">{s.action}</div></td><td>{s.hostname}</td>
                  <td><span className={`badge evx-st-${s.status}`}>{s.status === "queue" ? "will queue" : s.status}</span></td>
                  <td className="mono small evx-params">{s.reason ?? (s.params ? Object.entries(s.params).map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`).join(" · ") : "")}</td>
                </tr>
              ))}</tbody>
            </table>
          </div>
        )}
        {error && <div className="alert-box error" role="alert">{error}</div>}
        {pb && (
          <div className="row">
            <label className="evx-check"><input type="checkbox" checked={record} onChange={(e) => setRecord(e.target.checked)} />Set the event to Handling and record the run in its activity log</label>
            <div className="spacer" />
            <Button kind="ghost" onClick={onClose}>Cancel</Button>
            <Button onClick={() => void dryRun()} disabled={busy || !resolved || "why" in resolved || assets.size === 0} data-testid="playbook-dry-run">Dry run</Button>
            <Button kind="danger" onClick={() => void run()} disabled={busy || !runnable} title={plan ? (runnable ? "Queue the planned tasks" : "Nothing would be queued") : "Dry run first: see what it would do"} data-testid="playbook-run">Run</Button>
          </div>
        )}
      </div>
    </Modal>
  );
}
