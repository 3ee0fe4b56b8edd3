import { api } from "../../app/api.ts";
import type { Agent } from "../../app/types.ts";
import { Card, Empty, useLoad } from "../../app/ui.tsx";
import { ErrorBox, Switch, useAction } from "./common.tsx";

interface Proactive { enabled: boolean; assets: Record<string, boolean> }
type Choice = "inherit" | "on" | "off";
const CHOICES: [Choice, string][] = [["inherit", "Inherit"], ["on", "On"], ["off", "Off"]];

/**
 * PRC-4 malicious host behaviour prevention: the account's switch and per-asset overrides.
 * Admins change them; everyone else reads what applies where.
 */
export function ProactiveCard({ admin }: { admin: boolean }) {
  const setting = useLoad(() => api<Proactive>("/api/v1/settings/proactive-defence"), []);
  const agentsLoad = useLoad(() => api<{ items: Agent[] }>("/api/v1/agents"), []);
  const { busy, run } = useAction();
  const s = setting.data;
  const agents = agentsLoad.data?.items ?? [];
  // overrides for ids the agents list does not name still show (and can be cleared)
  const unknown = s ? Object.keys(s.assets).filter((id) => !agents.some((a) => a.id === id)) : [];

  const save = (next: Proactive, ok: string) => void run(() => api("/api/v1/settings/proactive-defence", { method: "PUT", body: next }), ok).then(setting.reload);
  const setAccount = (enabled: boolean) => s && save({ ...s, enabled }, enabled ? "Malicious host behaviour prevention is on for the account" : "Malicious host behaviour prevention is off for the account");
  const setAsset = (id: string, host: string, c: Choice) => {
    if (!s) return;
    const assets = { ...s.assets };
    if (c === "inherit") delete assets[id];
    else assets[id] = c === "on";
    save({ ...s, assets }, c === "inherit" ? `${host} follows the account switch` : `Prevention is ${c} on ${host}`);
  };
  const choiceOf = (id: string): Choice => (s && id in s.assets ? (s.assets[id] ? "on" : "off") : "inherit");
  const onCount = s ? [...agents.filter((a) => !a.revokedAt).map((a) => a.id)].filter((id) => (id in s.assets ? s.assets[id] : s.enabled)).length : 0;

  return (
    <Card title="Malicious host behaviour prevention (PRC-4)" actions={s && <span className="muted" data-testid="proactive-count">{onCount} of {agents.filter((a) => !a.revokedAt).length} assets protected</span>}>
      <ErrorBox error={setting.error ?? agentsLoad.error} />
      <div className="set-defence">
        <div className={`set-shield ${s?.enabled ? "on" : s ? "off" : ""}`} aria-hidden="true">
          <svg width="26" height="26" viewBox="0 0 32 32"><path d="M16 2 4 7v9c0 7 5 12 12 14 7-2 12-7 12-14V7z" fill="currentColor" opacity=".9" /><path d="M11 11l10 10M21 11 11 21" stroke="#0b1020" strokeWidth="3" strokeLinecap="round" /></svg>
        </div>
        <div className="set-defence-text">
          <div className="set-defence-state" data-testid="proactive-state">
            {!s ? "…" : s.enabled ? "On for the account — known-malicious processes are killed on sight" : "Off for the account — malicious processes are alerted on, not killed"}
          </div>
          <p className="muted">
            When on, a process whose file hash is on an intel list (a shipped list or one of your feeds, see Threat intel) is killed by the asset's agent the moment
            it is seen. Its alert is <b>Blocked (precision defence)</b>: handled already, kept as it is, and not notified. Miners, reverse shells and other
            behaviour are alerted on either way; only a listed hash is killed. An asset's override below wins over the account switch.
          </p>
        </div>
        {s && (admin
          ? <Switch on={s.enabled} label="Malicious host behaviour prevention" disabled={busy} onChange={setAccount} />
          : <span className="muted set-ro" data-testid="proactive-read-only">Admins switch prevention and its overrides</span>)}
      </div>

      <h4 className="set-sub set-proactive-sub">Per-asset overrides</h4>
      {agentsLoad.data && agents.length === 0 ? <Empty>No assets enrolled yet: the account switch applies to every asset once enrolled.</Empty> : (
        <div className="set-scroll">
          <table data-testid="proactive-assets">
            <thead><tr><th>Asset</th><th>Override</th><th>In effect</th></tr></thead>
            <tbody>
              {[...agents.map((a) => ({ id: a.id, host: a.hostname, revoked: a.revokedAt !== null })), ...unknown.map((id) => ({ id, host: id, revoked: false }))].map(({ id, host, revoked }) => {
                const c = choiceOf(id);
                const on = s ? (c === "inherit" ? s.enabled : c === "on") : false;
                return (
                  <tr key={id} data-testid={`proactive-${host}`} className={revoked ? "set-dim" : ""}>
                    <td><strong>{host}</strong>{revoked && <span className="muted"> · revoked</span>}<div className="mono muted set-small">{id}</div></td>
                    <td>
                      {admin ? (
                        <div className="set-seg" role="radiogroup" aria-label={`Prevention on ${host}`}>
                          {CHOICES.map(([v, label]) => (
                            <button key={v} type="button" role="radio" aria-checked={c === v} className={`set-seg-btn c-${v} ${c === v ? "on" : ""}`} disabled={busy || !s} onClick={() => c !== v && setAsset(id, host, v)}>{label}</button>
                          ))}
                        </div>
                      ) : <span className="badge set-type" data-testid="proactive-choice">{c === "inherit" ? "Inherit" : c === "on" ? "On" : "Off"}</span>}
                    </td>
                    <td data-testid="proactive-effective">
                      {!s ? "…" : <><span className={`badge ${on ? "st-active" : "st-disabled"}`}>{on ? "Killed on sight" : "Alert only"}</span> <span className="muted set-small">{c === "inherit" ? "from the account switch" : "by this override"}</span></>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
