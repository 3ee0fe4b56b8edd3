import { useState } from "react";
import { api } from "../../app/api.ts";
import { useSession } from "../../app/session.tsx";
import { canAct, type Agent } from "../../app/types.ts";
import { Button, Card, Empty, Modal, Time, ago, useLoad, useToast } from "../../app/ui.tsx";
import { AccountsDrawer } from "./AccountsDrawer.tsx";
import { EnrolModal } from "./EnrolModal.tsx";
import { ProcessesDrawer } from "./ProcessesDrawer.tsx";
import { WeakPasswords } from "./WeakPasswords.tsx";
import "./assets.css";

/** An agent long-polls the server every ~25 s; one silent for longer than this is offline (as the server's stats count it). */
export const OFFLINE_AFTER_MS = 120_000;

type AgentState = "online" | "offline" | "revoked" | "never";
export function agentState(a: Agent, now = Date.now()): AgentState {
  if (a.revokedAt) return "revoked";
  if (!a.lastSeenAt) return "never";
  return now - Date.parse(a.lastSeenAt) <= OFFLINE_AFTER_MS ? "online" : "offline";
}
const STATE_LABEL: Record<AgentState, string> = { online: "Online", offline: "Offline", revoked: "Revoked", never: "Never connected" };

export function AssetsView() {
  const { me } = useSession();
  const admin = canAct(me?.role, "admin");
  const analyst = canAct(me?.role, "analyst");
  const toast = useToast();
  const { data, error, reload } = useLoad(() => api<{ items: Agent[] }>("/api/v1/agents"), [], 15_000);
  const [enrol, setEnrol] = useState(false);
  const [revoking, setRevoking] = useState<Agent | null>(null);
  const [busy, setBusy] = useState(false);
  const [accountsOf, setAccountsOf] = useState<string | null>(null);
  const [processesOf, setProcessesOf] = useState<string | null>(null);
  const [drawerCloses, setDrawerCloses] = useState(0);

  const agents = data?.items ?? [];
  const count = (s: AgentState) => agents.filter((a) => agentState(a) === s).length;

  const revoke = async (a: Agent) => {
    setBusy(true);
    try {
      await api(`/api/v1/agents/${encodeURIComponent(a.id)}/revoke`, { method: "POST", body: {} });
      toast(`Revoked ${a.hostname}: its next request is refused`);
      setRevoking(null);
      reload();
    } catch (e) {
      toast((e as Error).message, "error");
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="ov" data-testid="assets">
      <div className="as-bar">
        <div className="as-counts">
          <span className="as-count"><b>{agents.length}</b> agents</span>
          <span className="as-count"><i className="as-dot online" /><b data-testid="assets-online">{count("online")}</b> online</span>
          <span className="as-count"><i className="as-dot offline" /><b>{count("offline") + count("never")}</b> offline</span>
          {count("revoked") > 0 && <span className="as-count"><i className="as-dot revoked" /><b>{count("revoked")}</b> revoked</span>}
        </div>
        <div className="spacer" />
        <span className="muted small">An agent not seen for {OFFLINE_AFTER_MS / 60_000} minutes is offline.</span>
        {admin && <Button kind="primary" onClick={() => setEnrol(true)} data-testid="enrol-open">+ Enrol a new agent</Button>}
      </div>
      {error && <div className="alert-box error">Could not load the agents: {error}</div>}

      <Card>
        {data && agents.length === 0 ? (
          <Empty>
            <div className="as-empty-title">No agents yet</div>
            <div>Enrol the first server: {admin ? "create a one-time token and run the command it shows on that server." : "ask an admin for an enrolment command."}</div>
            {admin && <div style={{ marginTop: 12 }}><Button kind="primary" onClick={() => setEnrol(true)}>+ Enrol a new agent</Button></div>}
          </Empty>
        ) : (
          <div className="as-wrap">
            <table className="ov-table as-table" data-testid="agents-table">
              <thead>
                <tr><th>Host</th><th>Status</th><th>Version</th><th>OS</th><th>Enrolled</th><th>Last seen</th><th className="num" title="Records the server refused (malformed)">Rejected</th><th className="num" title="Records the agent dropped (spool full)">Dropped</th><th /></tr>
              </thead>
              <tbody>
                {agents.map((a) => {
                  const st = agentState(a);
                  return (
                    <tr key={a.id} className={st === "revoked" ? "as-revoked" : ""} data-testid={`agent-${a.hostname}`}>
                      <td><div className="as-host">{a.hostname}</div><div className="mono muted small">{a.id}</div></td>
                      <td><span className={`badge as-st ${st}`} data-testid="agent-status"><i className={`as-dot ${st}`} />{STATE_LABEL[st]}</span></td>
                      <td className="mono">{a.version}</td>
                      <td>{a.os}</td>
                      <td className="nowrap"><Time iso={a.enrolledAt} /></td>
                      <td className="nowrap" title={a.lastSeenAt ?? ""}>{ago(a.lastSeenAt)}</td>
                      <td className={`num ${a.rejectedRecords ? "as-warn" : "muted"}`}>{a.rejectedRecords.toLocaleString()}</td>
                      <td className={`num ${a.droppedRecords ? "as-warn" : "muted"}`}>{a.droppedRecords.toLocaleString()}</td>
                      <td className="num as-rowacts">
                        <Button kind="ghost" onClick={() => setProcessesOf(a.id)} data-testid="open-processes" title="Processes and network connections the agent reported (AGT-3, AGT-4)">Processes</Button>
                        <Button kind="ghost" onClick={() => setAccountsOf(a.id)} data-testid="open-accounts" title="Local accounts, weak passwords and the baseline">Accounts</Button>
                        {admin && st !== "revoked" && <Button kind="ghost" onClick={() => setRevoking(a)}>Revoke</Button>}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      {agents.length > 0 && <WeakPasswords onOpen={setAccountsOf} reloadKey={drawerCloses} />}

      {accountsOf && agents.some((a) => a.id === accountsOf) && (
        <AccountsDrawer agent={agents.find((a) => a.id === accountsOf)!} analyst={analyst} onClose={() => { setAccountsOf(null); setDrawerCloses((x) => x + 1); }} />
      )}
      {processesOf && agents.some((a) => a.id === processesOf) && (
        <ProcessesDrawer agent={agents.find((a) => a.id === processesOf)!} onClose={() => setProcessesOf(null)} />
      )}
      {enrol && <EnrolModal onClose={() => { setEnrol(false); reload(); }} />}
      {revoking && (
        <Modal title={`Revoke ${revoking.hostname}?`} onClose={() => setRevoking(null)}>
          <p>The agent's credential stops working at once: its next request is refused, and it no longer reports attacks or applies blocks on this host. To bring the host back, enrol it again with a new token.</p>
          <div className="row as-actions">
            <div className="spacer" />
            <Button kind="ghost" onClick={() => setRevoking(null)}>Cancel</Button>
            <Button kind="danger" disabled={busy} onClick={() => void revoke(revoking)} data-testid="revoke-confirm">Revoke agent</Button>
          </div>
        </Modal>
      )}
    </div>
  );
}
