import { useState, type ReactNode } from "react";
import { api, qs } from "../../app/api.ts";
import { Link } from "../../app/router.tsx";
import type { Alert } from "../../app/types.ts";
import { Button, CopyValue, Modal, Time, bytes, useLoad } from "../../app/ui.tsx";
import "./webshell.css";

/**
 * Web-shell findings made readable (WS-2 … WS-8): the file, its hashes, every reason the
 * engine gave with its line, and for a backdoored known file the lines that were added.
 * Paths, reason texts and code excerpts come from the attacker's file: each is a React text
 * node (never markup), long ones wrap, and invisible or bidi control characters are shown
 * as code points so a path cannot pretend to be another.
 */

type Obj = Record<string, unknown>;
interface Reason { id: string; layer: string; severity: string; line?: number; text: string; excerpt?: string }
interface Added { line: number; text: string }

export const WEB_TYPES = new Set(["web_shell", "suspicious_web_file", "web_file_backdoor", "persistent_web_shell", "phpinfo_exposure"]);
const KEYS = ["file.path", "file.directory", "file.hash", "file.hash.md5", "file.size", "file.mode", "file.owner", "event.action", "webshell.lang", "webshell.characteristic", "webshell.reasons", "webshell.baseline", "webshell.scan", "webshell.engine"];
const LANG: Record<string, string> = { php: "PHP", asp: "ASP", aspx: "ASP.NET", jsp: "JSP" };
const SCAN: Record<string, string> = { realtime: "real-time watch", scheduled: "scheduled scan", on_demand: "on-demand scan" };
/** Evidence strings are bounded by the agent's schema; this bounds what an older record could hold. */
const MAX_SHOWN = 2000;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

// C0/C1 controls (tab kept), zero-width and bidi overrides: shown, never obeyed
const INVISIBLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
/** Attacker text as it will be displayed: control characters made visible, clipped. */
export function visible(s: string, max = MAX_SHOWN): string {
  const t = s.length > max ? `${s.slice(0, max)}…` : s;
  return t.replace(INVISIBLE, (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}⟩`);
}

export function isWebshellAlert(a: Alert): boolean {
  return WEB_TYPES.has(a.type) || Array.isArray(a.evidence["webshell.reasons"]);
}

/** The evidence keys WebshellEvidence shows in its own blocks (the generic evidence list shows the rest). */
export function webshellEvidenceKeys(a: Alert): string[] {
  return isWebshellAlert(a) ? KEYS : [];
}

/**
 * The file an operator can quarantine from this alert: both its path and SHA-256 are needed (the
 * agent checks the hash). Web-file alerts only: a sensitive-file alert names /etc/passwd.
 */
export function quarantineTarget(a: Alert): { path: string; sha256: string } | null {
  if (!isWebshellAlert(a)) return null;
  const path = str(a.evidence["file.path"]);
  const hash = a.evidence["file.hash"];
  const sha256 = isObj(hash) ? str(hash.sha256) : undefined;
  return path && sha256 ? { path, sha256 } : null;
}

function reasonsOf(v: unknown): Reason[] {
  if (!Array.isArray(v)) return [];
  const out: Reason[] = v.filter(isObj).map((r) => ({ id: str(r.id) ?? "?", layer: str(r.layer) ?? "?", severity: str(r.severity) ?? "info", line: num(r.line), text: str(r.text) ?? "", excerpt: str(r.excerpt) }));
  // by line, those without one last (a whole-file trait such as entropy)
  return out.sort((x, y) => (x.line ?? Infinity) - (y.line ?? Infinity));
}

function addedOf(v: unknown): Added[] {
  if (!isObj(v) || !Array.isArray(v.added)) return [];
  return v.added.filter(isObj).map((x) => ({ line: num(x.line) ?? 0, text: str(x.text) ?? "" })).sort((x, y) => x.line - y.line);
}

export function WebshellEvidence({ alert: a }: { alert: Alert }) {
  const e = a.evidence;
  const path = str(e["file.path"]);
  const hash = isObj(e["file.hash"]) ? e["file.hash"] : null;
  const sha256 = str(hash?.sha256);
  const md5 = str(hash?.md5) ?? str(e["file.hash.md5"]);
  const lang = str(e["webshell.lang"]);
  const scan = str(e["webshell.scan"]);
  const size = num(e["file.size"]);
  const reasons = reasonsOf(e["webshell.reasons"]);
  const baseline = isObj(e["webshell.baseline"]) ? e["webshell.baseline"] : null;
  const added = addedOf(baseline);
  const previous = str(baseline?.previousSha256);

  return (
    <>
      <Section title="Web file" testId="webshell-file">
        <dl className="kv">
          <dt>Path</dt><dd><span className="mono alv-ws-path" data-testid="webshell-path">{path ? visible(path) : "—"}</span></dd>
          {str(e["file.directory"]) && <><dt>Directory</dt><dd className="mono">{visible(str(e["file.directory"])!)}</dd></>}
          <dt>Language</dt><dd>{lang ? <span className="badge alv-ws-lang" data-testid="webshell-lang">{LANG[lang] ?? lang}</span> : <span className="muted">—</span>}{scan && <span className="muted small"> · found by the {SCAN[scan] ?? scan}</span>}</dd>
          {(str(e["file.owner"]) || str(e["file.mode"]) || size !== undefined) && <><dt>Owner, mode</dt><dd className="mono">{visible(str(e["file.owner"]) ?? "?")} · {str(e["file.mode"]) ?? "?"}{size !== undefined && <span className="muted"> · {bytes(size)}</span>}</dd></>}
          {sha256 && <><dt>SHA-256</dt><dd><CopyValue value={sha256} short={64} label="SHA-256" /></dd></>}
          {md5 && <><dt>MD5</dt><dd><CopyValue value={md5} short={32} label="MD5" /></dd></>}
          {str(e["webshell.characteristic"]) && <><dt>Characteristic</dt><dd className="mono" title="The engine's leading reason: with the MD5 it keys a persistent web shell (ALR-4)">{visible(str(e["webshell.characteristic"])!)}</dd></>}
          {str(e["webshell.engine"]) && <><dt>Engine</dt><dd className="mono muted">{visible(str(e["webshell.engine"])!)}</dd></>}
        </dl>
        {path && sha256 && <VaultStatus assetId={a.assetId} path={path} sha256={sha256} />}
      </Section>

      <Section title={`Why the engine flagged it (${reasons.length})`} testId="webshell-reasons">
        {reasons.length === 0 ? <p className="muted small">The agent gave no reasons.</p> : (
          <ol className="alv-ws-reasons" aria-label="Reasons, by line">
            {reasons.map((r, i) => (
              <li key={i} className={`alv-ws-reason ${r.severity}`} data-testid="webshell-reason" data-line={r.line ?? ""}>
                <div className="alv-ws-rhead">
                  <span className="alv-ws-say"><b className="alv-ws-line">{r.line !== undefined ? `line ${r.line}` : "whole file"}</b> — {visible(r.text)}</span>
                  <span className={`badge alv-ws-layer ${r.layer}`}>{r.layer}</span>
                  <span className={`badge alv-ws-sev ${r.severity}`}>{r.severity}</span>
                </div>
                {r.excerpt && <code className="alv-ws-excerpt" data-testid="webshell-excerpt">{visible(r.excerpt)}</code>}
                <div className="mono muted alv-ws-rid">{visible(r.id, 200)}</div>
              </li>
            ))}
          </ol>
        )}
      </Section>

      {(a.type === "web_file_backdoor" || added.length > 0) && (
        <Section title="Lines added to a known file" testId="webshell-added">
          {added.length === 0 ? <p className="muted small">The agent did not say which lines were added.</p> : (
            <div className="alv-diff" role="table" aria-label={`Lines added to ${path ?? "the file"}`}>
              <div className="alv-diff-head">
                <span className="mono">{path ? visible(path, 300) : "file"}</span>
                <span className="muted"> · {added.length} line{added.length === 1 ? "" : "s"} added{previous && <> since the clean baseline <span className="mono" title={previous}>{previous.slice(0, 12)}…</span></>}</span>
              </div>
              {added.map((l, i) => (
                <div key={i} className="alv-diff-line add" role="row" data-testid="webshell-added-line">
                  <span className="alv-diff-sign" aria-label="added">+</span>
                  <span><span className="alv-ws-ln">line {l.line}:</span> {visible(l.text)}</span>
                </div>
              ))}
            </div>
          )}
        </Section>
      )}
    </>
  );
}

/** Whether this very file (path and hash) is in the vault already, so nobody quarantines it twice. */
function VaultStatus({ assetId, path, sha256 }: { assetId: string; path: string; sha256: string }) {
  const vault = useLoad(() => api<{ items: { originalPath: string; sha256: string; state: string; quarantinedAt: string; updatedAt: string }[] }>(`/api/v1/quarantine${qs({ assetId, limit: 500 })}`), [assetId, path, sha256]);
  const f = vault.data?.items.find((x) => x.sha256 === sha256 && x.originalPath === path);
  if (!f) return null;
  return (
    <p className={`alv-ws-vault ${f.state}`} data-testid="webshell-vault">
      {f.state === "quarantined" ? <>In the quarantine vault since <Time iso={f.quarantinedAt} /></> : f.state === "restored" ? <>Quarantined, then restored <Time iso={f.updatedAt} /></> : <>Quarantined, then purged <Time iso={f.updatedAt} /></>}
      {" · "}<Link to={`/file-quarantine${qs({ assetId })}`}>File quarantine →</Link>
    </p>
  );
}

/** WS-7: the operator's decision, confirmed — the agent moves the file into its vault if its hash still matches. */
export function QuarantineFileButton({ alert: a, host, disabled, onConfirm }: { alert: Alert; host: string; disabled: boolean; onConfirm: () => void }) {
  const [open, setOpen] = useState(false);
  const t = quarantineTarget(a);
  if (!t) return null;
  return (
    <>
      <Button kind="danger" disabled={disabled} onClick={() => setOpen(true)} data-testid="quarantine-file" title="WS-7: move the file into the agent's vault (restorable for 30 days)">Quarantine file</Button>
      {open && (
        <Modal title="Quarantine this file?" onClose={() => setOpen(false)}>
          <div className="alv-ws-confirm" data-testid="quarantine-confirm">
            <p>The agent on <b>{host}</b> moves this file into its quarantine vault — encrypted and renamed, with its path, owner, mode and hash recorded:</p>
            <pre className="alv-ws-target">{visible(t.path)}</pre>
            <p>It acts only if the file still has the SHA-256 <span className="mono" title={t.sha256}>{t.sha256.slice(0, 16)}…</span>: a file changed since the alert is left where it is and the action fails with the reason. The web application loses the file at once. It stays restorable from <b>File quarantine</b> for 30 days, then the agent purges it.</p>
            <p className="muted small">The remark typed in the drawer is kept in the alert's history.</p>
            <div className="row"><div className="spacer" /><Button kind="ghost" onClick={() => setOpen(false)}>Cancel</Button><Button kind="danger" onClick={() => { setOpen(false); onConfirm(); }} data-testid="quarantine-confirm-ok">Quarantine</Button></div>
          </div>
        </Modal>
      )}
    </>
  );
}

function Section({ title, testId, children }: { title: string; testId?: string; children: ReactNode }) {
  return <section className="alv-section" data-testid={testId}><h3>{title}</h3>{children}</section>;
}
