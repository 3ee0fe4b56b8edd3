import { useEffect, useState, type ReactNode } from "react";
import { useSession } from "../../app/session.tsx";
import { canAct } from "../../app/types.ts";
import { Button, useToast } from "../../app/ui.tsx";

/** Admin-only controls are hidden for other roles; the API refuses them anyway. */
export function useIsAdmin(): boolean {
  return canAct(useSession().me?.role, "admin");
}

/** Runs an API call with a busy flag and a toast on failure; returns whether it worked. */
export function useAction(): { busy: boolean; run: (fn: () => Promise<unknown>, ok?: string) => Promise<boolean> } {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<unknown>, ok?: string) => {
    setBusy(true);
    try {
      await fn();
      if (ok) toast(ok);
      return true;
    } catch (e) {
      toast((e as Error).message, "error");
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, run };
}

/** A destructive button that asks once more in place (no browser dialogs). */
export function ConfirmButton({ children, confirm, onConfirm, testId }: { children: ReactNode; confirm: string; onConfirm: () => void; testId?: string }) {
  const [asking, setAsking] = useState(false);
  useEffect(() => {
    if (!asking) return;
    const t = setTimeout(() => setAsking(false), 5000);
    return () => clearTimeout(t);
  }, [asking]);
  if (!asking) return <Button kind="ghost" onClick={() => setAsking(true)} data-testid={testId}>{children}</Button>;
  return (
    <span className="set-confirm">
      <Button kind="danger" onClick={() => { setAsking(false); onConfirm(); }} data-testid={testId ? `${testId}-confirm` : undefined}>{confirm}</Button>
      <Button kind="ghost" onClick={() => setAsking(false)}>Cancel</Button>
    </span>
  );
}

/** A secret shown once, with a copy button. */
export function SecretField({ value, testId }: { value: string; testId: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      // clipboard needs a secure context; the value is selectable anyway
      const el = document.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
      if (el) getSelection()?.selectAllChildren(el);
    }
  };
  return (
    <div className="set-secret">
      <code data-testid={testId}>{value}</code>
      <Button onClick={() => void copy()} data-testid={`${testId}-copy`}>{copied ? "Copied ✓" : "Copy"}</Button>
    </div>
  );
}

/** An on/off switch. */
export function Switch({ on, onChange, label, disabled }: { on: boolean; onChange: (on: boolean) => void; label: string; disabled?: boolean }) {
  return (
    <button type="button" role="switch" aria-checked={on} aria-label={label} className={`set-switch ${on ? "on" : ""}`} disabled={disabled} onClick={() => onChange(!on)}>
      <span className="knob" />
    </button>
  );
}

export function ErrorBox({ error }: { error: string | null }) {
  return error ? <div className="alert-box error" role="alert">{error}</div> : null;
}

export const ROLES = ["viewer", "analyst", "admin"] as const;
export const ROLE_NOTE: Record<string, string> = { viewer: "read only", analyst: "triage and respond", admin: "everything, users and settings too" };

/** "user:olivia" → olivia; "token:tok_… (olivia)" → olivia via an API token; others (cli, system) as they are. */
export function Actor({ actor }: { actor: string }) {
  const tok = /^token:(\S+) \((.+)\)$/.exec(actor);
  if (tok) return <span title={actor}>{tok[2]} <span className="badge set-via">API token</span></span>;
  const user = /^user:(.+)$/.exec(actor);
  return <span title={actor}>{user ? user[1] : actor}</span>;
}
