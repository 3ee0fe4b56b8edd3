import { useState, type FormEvent } from "react";
import { api, qs } from "../../app/api.ts";
import { useRouter } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { canAct, type Agent } from "../../app/types.ts";
import { Button, CopyValue, Empty, Modal, bytes, useLoad, useToast } from "../../app/ui.tsx";
import { useAgents, visible } from "../alerts/index.ts";
import { STATES, STATE_LABEL, restorable, type VaultFile, type VaultPage, type VaultState } from "./model.ts";
import "./quarantine.css";

const PAGE = 50;
const DAYS_KEPT = 30;

/**
 * The file quarantine panel (RSP-2, WS-7): what the agents' vaults hold, how long each file
 * stays restorable, and restoring one; plus an on-demand scan of an asset's web directories
 * (WS-4). Filters live in the URL (?state=&assetId=) so an alert can link here. Original
 * paths are attacker-chosen: shown as text, control characters made visible.
 */
export function QuarantineView() {
  const { me } = useSession();
  const actor = canAct(me?.role, "analyst");
  const { route, go } = useRouter();
  const state = route.query.get("state") ?? "";
  const assetId = route.query.get("assetId") ?? "";
  const [offset, setOffset] = useState(0);
  const { agents, hostOf } = useAgents();
  const [restoring, setRestoring] = useState<VaultFile | null>(null);
  const [scanning, setScanning] = useState(false);
  const list = useLoad(() => api<VaultPage>(`/api/v1/quarantine${qs({ state, assetId, limit: PAGE, offset })}`), [state, assetId, offset], 15_000);
  const items = list.data?.items ?? [];
  const filter = (next: { state?: string; assetId?: string }) => {
    setOffset(0);
    go(`/file-quarantine${qs({ state, assetId, ...next })}`);
  };

  return (
    <div className="qv-page" data-testid="file-quarantine">
      <section className="card qv">
        <div className="qv-bar">
          <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
            <label>State<select value={state} onChange={(e) => filter({ state: e.target.value })} aria-label="State">
              <option value="">Any</option>{STATES.map((s) => <option key={s} value={s}>{STATE_LABEL[s]}</option>)}
            </select></label>
            <label>Asset<select value={assetId} onChange={(e) => filter({ assetId: e.target.value })} aria-label="Asset">
              <option value="">All assets</option>
              {assetId && !agents.some((a) => a.id === assetId) && <option value={assetId}>{assetId}</option>}
              {agents.map((a) => <option key={a.id} value={a.id}>{a.hostname}</option>)}
            </select></label>
            <Button kind="ghost" onClick={list.reload} title="Read the vault list again" data-testid="vault-reload">↻ Reload</Button>
          </form>
          <div className="spacer" />
          <span className="muted small qv-lead">Files an operator quarantined. Each stays restorable for {DAYS_KEPT} days, then its agent purges it.</span>
          {actor && <Button kind="primary" onClick={() => setScanning(true)} data-testid="web-scan-open" title="WS-4: a full scan of an asset's web directories now">Scan web directories now</Button>}
        </div>
        {list.error && <div className="alert-box error qv-error" role="alert">{list.error}</div>}
        <div className="qv-wrap">
          <table className="qv-table" data-testid="vault-table">
            <thead><tr><th>State</th><th>Original path</th><th>Asset</th><th className="num">Size</th><th>Mode · uid:gid</th><th>SHA-256</th><th>Quarantined</th><th title="How long the file stays restorable: the agent purges it after 30 days">Restorable</th>{actor && <th />}</tr></thead>
            <tbody>{items.map((f) => <Row key={`${f.assetId}/${f.entryId}`} f={f} host={hostOf(f.assetId)} actor={actor} onRestore={() => setRestoring(f)} />)}</tbody>
          </table>
          {!list.loading && items.length === 0 && !list.error && (state || assetId ? <Empty>No file matches these filters.</Empty> : <VaultEmpty />)}
        </div>
        <div className="pager">
          <span>{list.data ? (list.data.total === 0 ? "0 files" : `${offset + 1}–${offset + items.length} of ${list.data.total.toLocaleString()}`) : "Loading…"}</span>
          <Button kind="ghost" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>‹ Previous</Button>
          <Button kind="ghost" disabled={!list.data || offset + PAGE >= list.data.total} onClick={() => setOffset(offset + PAGE)}>Next ›</Button>
        </div>
      </section>
      {restoring && <RestoreDialog f={restoring} host={hostOf(restoring.assetId)} onClose={() => setRestoring(null)} onDone={() => { setRestoring(null); list.reload(); }} />}
      {scanning && <ScanDialog agents={agents.filter((a) => !a.revokedAt)} initial={assetId} onClose={() => setScanning(false)} />}
    </div>
  );
}

function Row({ f, host, actor, onRestore }: { f: VaultFile; host: string; actor: boolean; onRestore: () => void }) {
  const left = restorable(f.expiresAt);
  return (
    <tr data-testid="vault-row" data-entry={f.entryId} className={f.state === "quarantined" ? `qv-${left.level}` : "qv-done"}>
      <td><span className={`badge qv-st ${f.state}`} data-testid="vault-state">{STATE_LABEL[f.state as VaultState] ?? f.state}</span></td>
      <td className="qv-path"><span className="mono" title={visible(f.originalPath, 4096)} data-testid="vault-path">{visible(f.originalPath, 4096)}</span></td>
      <td className="qv-asset">{host}</td>
      <td className="num">{bytes(f.size)}</td>
      <td className="mono qv-mode">{f.mode} · {f.uid}:{f.gid}</td>
      <td><CopyValue value={f.sha256} short={10} label="SHA-256" /></td>
      <td className="qv-when"><When iso={f.quarantinedAt} /></td>
      <td className="qv-time" data-testid="vault-until">
        {f.state === "quarantined" ? (
          <><span className={`badge qv-left ${left.level}`} title={left.level === "ok" ? "" : "The agent purges the file when this ends: restore it before if you need it"}>{left.text}</span><div className="muted small">until <time dateTime={f.expiresAt} title={new Date(f.expiresAt).toLocaleString()}>{new Date(f.expiresAt).toLocaleDateString(undefined, { dateStyle: "medium" })}</time></div></>
        ) : <span className="muted">{f.state === "restored" ? "restored" : "purged"} <time dateTime={f.updatedAt} title={new Date(f.updatedAt).toLocaleString()}>{new Date(f.updatedAt).toLocaleDateString(undefined, { dateStyle: "medium" })}</time></span>}
      </td>
      {actor && <td className="qv-act">{f.state === "quarantined" && left.level !== "due" && <Button onClick={onRestore} data-testid="vault-restore" title="Put the file back at its original path">Restore</Button>}</td>}
    </tr>
  );
}

/** Date over time of day: the table stays narrow enough for a laptop. */
function When({ iso }: { iso: string }) {
  const d = new Date(iso);
  return <time dateTime={iso} title={d.toISOString()}>{d.toLocaleDateString(undefined, { dateStyle: "medium" })}<div className="muted small">{d.toLocaleTimeString(undefined, { timeStyle: "short" })}</div></time>;
}

function VaultEmpty() {
  return (
    <Empty>
      <div className="qv-empty" data-testid="vault-empty">
        <div className="qv-empty-title">The quarantine vault is empty</div>
        <p>When an operator quarantines a file, the agent moves it off the web directory into an encrypted vault on its host, renamed, and records its original path, owner, mode and hash. It is listed here.</p>
        <p><b>Web shells are never quarantined automatically</b> (a false positive would take a site down): open a web-shell alert, read its reasons, and choose <b>Quarantine file</b>.</p>
        <p>A file stays restorable for {DAYS_KEPT} days — back to its original path, only if the vault copy is intact — then the agent purges it.</p>
      </div>
    </Empty>
  );
}

function RestoreDialog({ f, host, onClose, onDone }: { f: VaultFile; host: string; onClose: () => void; onDone: () => void }) {
  const toast = useToast();
  const [remark, setRemark] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api(`/api/v1/quarantine/${encodeURIComponent(f.assetId)}/${encodeURIComponent(f.entryId)}/restore`, { method: "POST", body: { remark: remark.trim() } });
      toast(`Restore queued on ${host}: the agent puts the file back if it can`);
      onDone();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title="Restore this file?" onClose={onClose}>
      <form className="qv-form" onSubmit={submit} aria-label="Restore a file" data-testid="restore-dialog">
        <p>The agent on <b>{host}</b> puts the file back at its original path:</p>
        <pre className="qv-target">{visible(f.originalPath, 4096)}</pre>
        <ul className="qv-checks">
          <li>only if the vault copy is intact — its SHA-256 still <span className="mono" title={f.sha256}>{f.sha256.slice(0, 16)}…</span>;</li>
          <li>only if nothing exists at that path now (it never overwrites) and its directory still exists, not through a symbolic link;</li>
          <li>with its owner and mode as they were ({f.uid}:{f.gid}, {f.mode}).</li>
        </ul>
        <p className="muted small">Otherwise it refuses and the action's result says why. A restored web shell is live again: restore only a file you judged harmless.</p>
        <label>Remark<input value={remark} onChange={(e) => setRemark(e.target.value)} maxLength={1000} placeholder="Why (kept in the audit log)" autoFocus /></label>
        {error && <div className="alert-box error" role="alert">{error}</div>}
        <div className="row"><div className="spacer" /><Button kind="ghost" onClick={onClose}>Cancel</Button><Button type="submit" kind="primary" disabled={busy} data-testid="restore-confirm">Restore</Button></div>
      </form>
    </Modal>
  );
}

function ScanDialog({ agents, initial, onClose }: { agents: Agent[]; initial: string; onClose: () => void }) {
  const toast = useToast();
  const [assetId, setAssetId] = useState(agents.some((a) => a.id === initial) ? initial : (agents[0]?.id ?? ""));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const host = agents.find((a) => a.id === assetId)?.hostname ?? assetId;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api(`/api/v1/assets/${encodeURIComponent(assetId)}/web-scan`, { method: "POST", body: {} });
      toast(`Web scan queued on ${host}: findings arrive as alerts`);
      onClose();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title="Scan web directories now" onClose={onClose}>
      <form className="qv-form" onSubmit={submit} aria-label="Scan web directories" data-testid="scan-dialog">
        <p>The agent scans every file in the asset's watched web directories now, beside its scheduled scans. What it finds arrives as alerts; nothing is quarantined automatically.</p>
        <label>Asset<select value={assetId} onChange={(e) => setAssetId(e.target.value)} required aria-label="Asset to scan">
          {agents.length === 0 && <option value="">No enrolled asset</option>}
          {agents.map((a) => <option key={a.id} value={a.id}>{a.hostname}</option>)}
        </select></label>
        {error && <div className="alert-box error" role="alert">{error}</div>}
        <div className="row"><div className="spacer" /><Button kind="ghost" onClick={onClose}>Cancel</Button><Button type="submit" kind="primary" disabled={busy || !assetId} data-testid="web-scan-confirm">Scan now</Button></div>
      </form>
    </Modal>
  );
}
