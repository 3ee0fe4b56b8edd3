import { Fragment, useEffect, useState, type ReactNode } from "react";
import { api, qs } from "../../app/api.ts";
import type { Agent } from "../../app/types.ts";
import { Button, Time, ago, useLoad, useToast } from "../../app/ui.tsx";
import { PASSWORD_STATE, RUN_POLL_MS, RUN_WAIT_MS, TRIGGER, WEAK_REASON, type Accounts, type BaselineRun, type Finding, type InventoryAccount } from "./model.ts";

/** AGT-7 / BF-5: one asset's local accounts with their red flags, its latest baseline run, and running it now. */
export function AccountsDrawer({ agent, analyst, onClose }: { agent: Agent; analyst: boolean; onClose: () => void }) {
  const toast = useToast();
  const id = agent.id;
  const [tick, setTick] = useState(0);
  const accounts = useLoad(() => api<Accounts>(`/api/v1/assets/${encodeURIComponent(id)}/accounts`), [id, tick]);
  const runs = useLoad(() => api<{ items: BaselineRun[] }>(`/api/v1/baseline/runs${qs({ assetId: id })}`), [id, tick]);
  const findings = useLoad(() => api<{ items: Finding[] }>(`/api/v1/baseline/findings${qs({ assetId: id })}`), [id, tick]);
  const [pending, setPending] = useState<{ requestedAt: string; started: number } | null>(null);
  const [notice, setNotice] = useState<{ kind: "warn" | "error"; text: string } | null>(null);
  const [open, setOpen] = useState<Set<string>>(new Set());

  useEffect(() => {
    const k = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    addEventListener("keydown", k);
    return () => removeEventListener("keydown", k);
  }, [onClose]);

  const latest = runs.data?.items.find((r) => r.check === "weak_password") ?? runs.data?.items[0] ?? null;

  // while a run is pending, poll until a run newer than the request arrives (or give up)
  useEffect(() => {
    if (!pending) return;
    const t = setInterval(() => {
      if (Date.now() - pending.started > RUN_WAIT_MS) {
        setPending(null);
        setNotice({ kind: "warn", text: `No result from ${agent.hostname} after ${RUN_WAIT_MS / 60_000} minutes. The agent may be offline or busy; the run stays queued and its result appears here when it arrives.` });
        return;
      }
      setTick((x) => x + 1);
    }, RUN_POLL_MS);
    return () => clearInterval(t);
  }, [pending, agent.hostname]);
  useEffect(() => {
    if (pending && latest && Date.parse(latest.receivedAt) >= Date.parse(pending.requestedAt)) {
      setPending(null);
      toast(`Baseline of ${agent.hostname} finished: ${latest.findings} finding${latest.findings === 1 ? "" : "s"}`);
      setTick((x) => x + 1);
    }
  }, [latest, pending, agent.hostname, toast]);

  const runNow = async () => {
    setNotice(null);
    try {
      const r = await api<{ requestedAt: string }>("/api/v1/baseline/run", { method: "POST", body: { assetIds: [id] } });
      setPending({ requestedAt: r.requestedAt, started: Date.now() });
    } catch (e) {
      setNotice({ kind: "error", text: (e as Error).message });
    }
  };

  const scheme = new Map((findings.data?.items ?? []).map((f) => [f.subject, f.scheme]));
  const list = [...(accounts.data?.accounts ?? [])].sort((a, b) => flagged(b) - flagged(a) || a.uid - b.uid);
  const flaggedCount = list.filter((a) => flagged(a)).length;
  const toggle = (name: string) => setOpen((s) => { const n = new Set(s); if (n.has(name)) n.delete(name); else n.add(name); return n; });

  return (
    <>
      <div className="as-scrim" onClick={onClose} />
      <aside className="drawer as-drawer" role="dialog" aria-label={`Accounts on ${agent.hostname}`} data-testid="accounts-drawer">
        <div className="as-dhead">
          <div>
            <div className="as-dtitle">Accounts on {agent.hostname}</div>
            <div className="muted small mono">{id}</div>
          </div>
          <div className="spacer" />
          <button className="x" onClick={onClose} aria-label="Close">×</button>
        </div>

        <Section title="Weak-password baseline" actions={analyst && (
          <Button kind="primary" disabled={pending !== null || agent.revokedAt !== null} onClick={() => void runNow()} data-testid="run-baseline" title={agent.revokedAt ? "The agent is revoked" : "Checks the local password hashes against the dictionary and sends the account inventory"}>
            {pending ? "Running…" : "Run baseline now"}
          </Button>
        )}>
          {pending && (
            <div className="alert-box info as-pending" role="status" data-testid="baseline-pending">
              <span className="as-spin" aria-hidden="true" /> Waiting for {agent.hostname}'s result… requested {Math.max(0, Math.round((Date.now() - pending.started) / 1000))} s ago. Results usually arrive within seconds; the agent must be online.
            </div>
          )}
          {notice && <div className={`alert-box ${notice.kind}`} role="alert" data-testid="baseline-notice">{notice.text}</div>}
          {runs.error && <div className="alert-box error">{runs.error}</div>}
          {runs.data && !latest ? <p className="muted">No baseline run yet. The agent runs it daily and at start; run it now to check at once.</p> : latest && (
            <div data-testid="baseline-run">
              <dl className="kv as-kv">
                <dt>Last run</dt><dd><Time iso={latest.ts} /> <span className="muted">· {ago(latest.ts)} · {TRIGGER[latest.trigger] ?? latest.trigger}</span></dd>
                <dt>Checked</dt><dd>{latest.checked.toLocaleString()} account{latest.checked === 1 ? "" : "s"} in {(latest.durationMs / 1000).toFixed(1)} s</dd>
                <dt>Findings</dt><dd>{latest.findings === 0 ? <span className="as-good">none</span> : <span className="as-bad">{latest.findings} weak password{latest.findings === 1 ? "" : "s"}</span>}</dd>
                <dt>Skipped</dt>
                <dd>
                  {latest.skipped.length === 0 ? <span className="muted">none</span> : (
                    <ul className="as-skipped">{latest.skipped.map((s, i) => <li key={i}><span className="mono">{s.subject}</span> <span className="muted">— {s.reason}</span></li>)}</ul>
                  )}
                </dd>
              </dl>
            </div>
          )}
        </Section>

        <Section title="Local accounts" actions={accounts.data?.ts ? <span className="muted small">inventory of <Time iso={accounts.data.ts} />{accounts.data.uidMin !== null ? ` · UID_MIN ${accounts.data.uidMin}` : ""}</span> : undefined}>
          {accounts.error && <div className="alert-box error">{accounts.error}</div>}
          {accounts.data && accounts.data.ts === null ? <p className="muted">No account inventory yet: the agent sends one with each baseline run.</p> : (
            <>
              {flaggedCount > 0 && <div className="alert-box error as-flagsum">{flaggedCount} account{flaggedCount === 1 ? " needs" : "s need"} attention: see the red flags below.</div>}
              <div className="as-wrap">
                <table className="as-accounts" data-testid="accounts-table">
                  <thead><tr><th>Account</th><th className="num">UID</th><th>Shell</th><th>Password</th><th>Keys</th><th>Sudo</th></tr></thead>
                  <tbody>
                    {list.map((a) => (
                      <Fragment key={a.name}>
                        <tr data-testid={`account-${a.name}`} className={flagged(a) ? "as-flagged" : a.interactiveShell ? "" : "as-quiet"}>
                          <td>
                            <div className="as-acct">{a.name}</div>
                            <div className="as-tags">
                              {a.backdoorReasons.length > 0 && <span className="badge as-flag" data-testid="flag-backdoor">Backdoor?</span>}
                              {a.weakPassword && <span className="badge as-flag" data-testid="flag-weak">Weak password</span>}
                              {a.uid === 0 && <span className="badge as-tag">superuser</span>}
                              {a.systemAccount && <span className="badge as-tag">system</span>}
                            </div>
                          </td>
                          <td className="num mono">{a.uid}</td>
                          <td className={`mono ${a.interactiveShell ? "" : "muted"}`} title={a.interactiveShell ? "Allows a logon" : "No logon shell"}>{a.shell || "—"}</td>
                          <td><span className={`badge as-pw-${a.password}`}>{PASSWORD_STATE[a.password]}</span>{a.passwordChanged ? <div className="muted small">changed <Time iso={new Date(a.passwordChanged).toISOString()} /></div> : null}</td>
                          <td>
                            {a.keys.length === 0 ? <span className="muted">0</span> : (
                              <button type="button" className="as-keys-btn" aria-expanded={open.has(a.name)} onClick={() => toggle(a.name)} data-testid="keys-toggle">
                                {a.keys.length} key{a.keys.length === 1 ? "" : "s"} {open.has(a.name) ? "▾" : "▸"}
                              </button>
                            )}
                          </td>
                          <td>{a.sudo ? <span className="badge as-sudo">sudo</span> : <span className="muted">—</span>}</td>
                        </tr>
                        {(a.backdoorReasons.length > 0 || a.weakPassword) && (
                          <tr className="as-subrow as-flagged">
                            <td colSpan={6}>
                              <ul className="as-reasons" data-testid={`reasons-${a.name}`}>
                                {a.backdoorReasons.map((r, i) => <li key={i}>{r}</li>)}
                                {a.weakPassword && <li>Weak password: {WEAK_REASON[a.weakPassword] ?? a.weakPassword}{scheme.get(a.name) ? <span className="muted"> · hash {scheme.get(a.name)}</span> : null}</li>}
                              </ul>
                            </td>
                          </tr>
                        )}
                        {open.has(a.name) && (
                          <tr className="as-subrow">
                            <td colSpan={6}>
                              <ul className="as-keylist" data-testid={`keys-${a.name}`}>
                                {a.keys.map((k, i) => (
                                  <li key={i}><span className="badge as-tag">{k.type}</span> <span className="mono">{k.fingerprint}</span>{k.comment && <span className="muted"> {k.comment}</span>}<div className="mono muted small">{k.file}</div></li>
                                ))}
                              </ul>
                            </td>
                          </tr>
                        )}
                      </Fragment>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </Section>
      </aside>
    </>
  );
}

const flagged = (a: InventoryAccount): number => (a.backdoorReasons.length > 0 || a.weakPassword ? 1 : 0);

function Section({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  return (
    <section className="as-section">
      <div className="as-section-head"><h3>{title}</h3><div className="spacer" />{actions}</div>
      {children}
    </section>
  );
}
