import { useState } from "react";
import { api } from "../../app/api.ts";
import { Button, Modal, Time, useToast } from "../../app/ui.tsx";

const TTLS = [["1h", "1 hour"], ["24h", "24 hours"], ["7d", "7 days"]] as const;
interface Created { token: string; expiresAt: string; command: string }

/** AGT-1: a one-time enrolment token for this account, and the command that uses it. The token is shown once. */
export function EnrolModal({ onClose }: { onClose: () => void }) {
  const toast = useToast();
  const [ttl, setTtl] = useState<string>("24h");
  const [note, setNote] = useState("");
  const [created, setCreated] = useState<Created | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);

  const create = async () => {
    setBusy(true);
    try {
      setCreated(await api<Created>("/api/v1/enrolment-tokens", { method: "POST", body: { ttl, note } }));
    } catch (e) {
      toast((e as Error).message, "error");
    } finally {
      setBusy(false);
    }
  };
  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // no clipboard API (insecure origin): select the text so Ctrl+C copies it
      const r = document.createRange();
      r.selectNodeContents(document.querySelector("[data-testid=enrol-command]")!);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(r);
      document.execCommand("copy");
    }
    setCopied(true);
    toast("Command copied");
  };

  return (
    <Modal title="Enrol a new agent" onClose={onClose}>
      {!created ? (
        <div className="en-form">
          <p className="muted">Creates a one-time token for this account. The token carries the fingerprint of this server's CA, so the agent trusts this server and no other.</p>
          <div className="row">
            <label>Valid for
              <select value={ttl} onChange={(e) => setTtl(e.target.value)}>{TTLS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}</select>
            </label>
            <label className="grow">Note (optional)
              <input value={note} maxLength={200} placeholder="e.g. web-2 in Frankfurt" onChange={(e) => setNote(e.target.value)} />
            </label>
          </div>
          <div className="row as-actions"><div className="spacer" /><Button kind="ghost" onClick={onClose}>Cancel</Button><Button kind="primary" disabled={busy} onClick={() => void create()} data-testid="enrol-create">Create token</Button></div>
        </div>
      ) : (
        <div className="en-done" data-testid="enrol-result">
          <p>Run this on the new server, as root:</p>
          <div className="en-cmd">
            <code data-testid="enrol-command">{`sudo npx ${created.command}`}</code>
            <Button onClick={() => void copy(`sudo npx ${created.command}`)} data-testid="enrol-copy">{copied ? "✓ Copied" : "Copy"}</Button>
          </div>
          <div className="alert-box warn">The token works once and expires <Time iso={created.expiresAt} />. It is not shown again: copy it now.</div>
          <p className="muted small">The agent keeps its own credential after enrolling and appears in this list within seconds of its first contact.</p>
          <div className="row as-actions"><div className="spacer" /><Button kind="primary" onClick={onClose}>Done</Button></div>
        </div>
      )}
    </Modal>
  );
}
