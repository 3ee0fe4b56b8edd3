import { useEffect, useState, type ReactNode } from "react";
import { api } from "../../app/api.ts";
import { Link } from "../../app/router.tsx";
import type { Alert } from "../../app/types.ts";
import { Button, SeverityBadge, StatusBadge, Time, ago, useLoad, useToast } from "../../app/ui.tsx";
import { HostEvidence, PrecisionBanner, hostEvidenceKeys } from "./HostEvidence.tsx";
import { LogonEvidence, logonEvidenceKeys } from "./LogonEvidence.tsx";
import { QuarantineFileButton, WebshellEvidence, isWebshellAlert, webshellEvidenceKeys } from "./WebshellEvidence.tsx";
import { DURATIONS, asText, isWhitelisted, useAlertTypes, type Duration, type HistoryItem } from "./model.ts";

/** One alert whole: fields, evidence, ATT&CK, triage, response, history, and its handling. */
export function AlertDrawer({ id, actor, hostOf, onClose, onChanged }: { id: string; actor: boolean; hostOf: (id: string | null) => string; onClose: () => void; onChanged: () => void }) {
  const toast = useToast();
  const [tick, setTick] = useState(0);
  const alert = useLoad(() => api<Alert>(`/api/v1/alerts/${encodeURIComponent(id)}`), [id, tick]);
  const types = useAlertTypes();
  const history = useLoad(() => api<{ items: HistoryItem[] }>(`/api/v1/alerts/${encodeURIComponent(id)}/history`), [id, tick]);
  const [duration, setDuration] = useState<Duration>("12h");
  const [remark, setRemark] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const k = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    addEventListener("keydown", k);
    return () => removeEventListener("keydown", k);
  }, [onClose]);

  const act = async (label: string, path: string, body: object) => {
    setBusy(true);
    try {
      await api(path, { method: "POST", body: { ...body, remark } });
      toast(label);
      setRemark("");
      setTick((x) => x + 1);
      onChanged();
    } catch (e) {
      toast((e as Error).message, "error");
    } finally {
      setBusy(false);
    }
  };
  const a = alert.data;
  const handle = (label: string, body: object) => act(label, `/api/v1/alerts/${encodeURIComponent(id)}/handle`, body);
  // logon (LOG-1 … LOG-8), host (PRC, MIN) and web-shell (WS) evidence have their own blocks; the generic list shows what is left
  const webshell = a ? isWebshellAlert(a) : false;
  const shownApart = a ? new Set([...logonEvidenceKeys(a), ...(webshell ? webshellEvidenceKeys(a) : hostEvidenceKeys(a))]) : new Set<string>();
  const evidence = a ? Object.entries(a.evidence).filter(([k]) => !shownApart.has(k)) : [];

  return (
    <>
      <div className="alv-scrim" onClick={onClose} />
      <aside className="drawer alv-drawer" role="dialog" aria-label="Alert details" data-testid="alert-drawer">
        <div className="alv-dhead">
          <div>
            <div className="alv-dtitle">{a?.name ?? "Alert"}</div>
            <div className="alv-sub mono">{id}</div>
          </div>
          <div className="spacer" />
          <button className="x" onClick={onClose} aria-label="Close">×</button>
        </div>
        {alert.error && <div className="alert-box error" role="alert">{alert.error}</div>}
        {a && (
          <>
            <div className="alv-badges">
              <SeverityBadge severity={a.severity} />
              <StatusBadge status={a.status} />
              <span className="alv-pill">{a.count.toLocaleString()} × seen</span>
              {a.eventId && <Link to={`/security-events?event=${encodeURIComponent(a.eventId)}`} className="alv-pill">in a security event →</Link>}
              {a.attack.map((t) => <a key={t} className="alv-pill attack" href={`https://attack.mitre.org/techniques/${t.replace(".", "/")}/`} target="_blank" rel="noreferrer noopener">{t}</a>)}
            </div>

            {actor && a.status !== "blocked" && (
              <section className="alv-actions" aria-label="Handle">
                <div className="alv-actrow">
                  <select value={duration} onChange={(e) => setDuration(e.target.value as Duration)} aria-label="Block duration" disabled={!a.source.ip}>
                    {DURATIONS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
                  </select>
                  <Button kind="danger" disabled={busy || !a.source.ip} onClick={() => void handle(`Blocked ${a.source.ip} for ${duration}`, { action: "block", duration })} title={a.source.ip ? `Block ${a.source.ip} on ${hostOf(a.assetId)}` : "No source address"}>Block source</Button>
                  {typeof a.evidence["process.pid"] === "number" && typeof a.evidence["process.start"] === "number" && (a.evidence["process.hash"] as { sha256?: string } | undefined)?.sha256 && (
                    <Button kind="danger" disabled={busy} data-testid="virus-removal" onClick={() => void handle("Virus removal queued: the process is killed and its executable quarantined", { action: "virus_removal" })} title="MIN-5: kill the process and quarantine its executable">Virus removal</Button>
                  )}
                  <QuarantineFileButton alert={a} host={hostOf(a.assetId)} disabled={busy} onConfirm={() => void handle("Quarantine queued: the agent moves the file into its vault", { action: "quarantine" })} />
                  <Button disabled={busy} onClick={() => void handle("Ignored", { action: "ignore" })}>Ignore</Button>
                  <Button disabled={busy} onClick={() => void handle("Marked handled", { action: "mark_handled" })}>Mark handled</Button>
                </div>
                <div className="alv-actrow">
                  {isWhitelisted(a.status) ? (
                    <Button disabled={busy} onClick={() => void act("Removed from the whitelist", "/api/v1/alerts/unwhitelist", { ids: [a.id] })}>Remove from whitelist</Button>
                  ) : (
                    <>
                      <Button disabled={busy} onClick={() => void handle("Whitelisted on this asset", { action: "whitelist", scope: "asset" })}>Whitelist on this asset</Button>
                      <Button disabled={busy} onClick={() => void handle("Whitelisted on all assets", { action: "whitelist", scope: "all" })}>Whitelist on all assets</Button>
                    </>
                  )}
                  <input className="grow" placeholder="Remark (optional, kept in the history)" value={remark} onChange={(e) => setRemark(e.target.value)} aria-label="Remark" maxLength={1000} />
                </div>
              </section>
            )}
            <PrecisionBanner alert={a} hostOf={hostOf} />

            <Section title="Details">
              <dl className="kv">
                <dt>Type</dt><dd className="mono">{a.type}</dd>
                <dt>Rule</dt><dd className="mono">{a.ruleId}</dd>
                <dt>Asset</dt><dd>{hostOf(a.assetId)} <span className="muted mono">{a.assetId}</span></dd>
                <dt>Source</dt><dd className="mono">{a.source.ip ?? "—"}</dd>
                <dt>User</dt><dd data-testid="drawer-user">{a.user.name ?? "—"}</dd>
                <dt>First seen</dt><dd><Time iso={a.firstSeen} /> <span className="muted">· {ago(a.firstSeen)}</span></dd>
                <dt>Last seen</dt><dd><Time iso={a.lastSeen} /> <span className="muted">· {ago(a.lastSeen)}</span></dd>
                <dt>Detected</dt><dd><Time iso={a.detectedAt} /> <span className="muted">· when Hostward raised it</span></dd>
                <dt>Dedup key</dt><dd className="mono">{a.dedupKey.replaceAll("\u0000", " · ")}</dd>
                {a.handledHow && <><dt>Handled</dt><dd>{a.handledHow}</dd></>}
                {a.whitelistedBy && <><dt>Whitelisted by</dt><dd className="mono">{a.whitelistedBy}</dd></>}
              </dl>
            </Section>

            <LogonEvidence alert={a} actor={actor} hostOf={hostOf} />
            {webshell ? <WebshellEvidence alert={a} /> : <HostEvidence alert={a} types={types} />}

            {a.triage && <Section title="Triage"><p className="alv-triage">{a.triage}</p></Section>}
            <Section title="Response"><p className="alv-prose">{a.response ?? <span className="muted">No response taken.</span>}</p></Section>

            <Section title="Evidence">
              {evidence.length === 0 ? <p className="muted">{shownApart.size ? "All of it is shown above." : "No evidence recorded."}</p> : (
                <dl className="alv-evidence">
                  {evidence.map(([k, v]) => (
                    <div key={k} className="alv-evrow"><dt className="mono">{k}</dt><dd>{isEmpty(v) ? <span className="muted">—</span> : typeof v === "object" && v !== null ? <pre>{asText(v)}</pre> : <span className="mono">{asText(v)}</span>}</dd></div>
                  ))}
                </dl>
              )}
            </Section>

            <Section title="History">
              {history.data?.items.length ? (
                <ol className="alv-history">
                  {history.data.items.map((h, i) => (
                    <li key={i}>
                      <div><StatusBadge status={h.from} /> → <StatusBadge status={h.to} /> <span className="alv-how">{h.how}</span></div>
                      <div className="alv-sub">{h.actor} · <Time iso={h.at} /></div>
                      {h.remark && <div className="alv-remark">{h.remark}</div>}
                    </li>
                  ))}
                </ol>
              ) : <p className="muted">{history.loading ? "Loading…" : "No changes yet."}</p>}
            </Section>
          </>
        )}
      </aside>
    </>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return <section className="alv-section"><h3>{title}</h3>{children}</section>;
}

const isEmpty = (v: unknown) => v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && v !== null && Object.keys(v).length === 0);
