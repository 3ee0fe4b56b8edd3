import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import type { Severity } from "./types.ts";

/** Shared building blocks. Every value is rendered as React text: attacker text never becomes markup. */

export function SeverityBadge({ severity }: { severity: Severity | string }) {
  return <span className={`badge sev-${severity}`}>{severity}</span>;
}

const STATUS_LABEL: Record<string, string> = {
  unhandled: "Unhandled", handled: "Handled", whitelisted_manual: "Whitelisted", whitelisted_auto: "Whitelisted (auto)", blocked: "Blocked", expired: "Expired",
  pending: "Pending", active: "Active", disabled: "Disabled", failed: "Failed", sent: "Sent", queued: "Queued", succeeded: "Succeeded", dead: "Dead",
};
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge st-${status}`}>{STATUS_LABEL[status] ?? status}</span>;
}

export function Time({ iso, seconds }: { iso: string | null | undefined; seconds?: boolean }) {
  if (!iso) return <span className="muted">—</span>;
  const d = new Date(iso);
  return <time dateTime={iso} title={d.toISOString()}>{d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: seconds ? "medium" : "short" })}</time>;
}

export function ago(iso: string | null): string {
  if (!iso) return "never";
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.max(0, s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function Button(props: { children: ReactNode; onClick?: () => void; kind?: "primary" | "danger" | "ghost"; disabled?: boolean; type?: "button" | "submit"; title?: string; "data-testid"?: string }) {
  return (
    <button type={props.type ?? "button"} className={`btn ${props.kind ?? ""}`} onClick={props.onClick} disabled={props.disabled} title={props.title} data-testid={props["data-testid"]}>
      {props.children}
    </button>
  );
}

export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  useEffect(() => {
    const k = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    addEventListener("keydown", k);
    return () => removeEventListener("keydown", k);
  }, [onClose]);
  return (
    <div className="modal-back" onClick={onClose}>
      <div className="modal" role="dialog" aria-label={title} onClick={(e) => e.stopPropagation()}>
        <div className="modal-head"><h2>{title}</h2><button className="x" onClick={onClose} aria-label="Close">×</button></div>
        {children}
      </div>
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function Card({ title, children, actions }: { title?: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="card">
      {(title || actions) && <div className="card-head">{title && <h3>{title}</h3>}<div className="spacer" />{actions}</div>}
      {children}
    </section>
  );
}

// --- toasts ---
interface Toast { id: number; text: string; kind: "ok" | "error" }
const ToastContext = createContext<(text: string, kind?: "ok" | "error") => void>(() => {});
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const push = useCallback((text: string, kind: "ok" | "error" = "ok") => {
    const id = Date.now() + Math.random();
    setToasts((t) => [...t, { id, text, kind }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), 5000);
  }, []);
  return (
    <ToastContext.Provider value={push}>
      {children}
      <div className="toasts" role="status">{toasts.map((t) => <div key={t.id} className={`toast ${t.kind}`}>{t.text}</div>)}</div>
    </ToastContext.Provider>
  );
}
export const useToast = () => useContext(ToastContext);

/** Loads data and reloads it on demand or every `everyMs`. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], everyMs?: number): { data: T | null; error: string | null; reload: () => void; loading: boolean } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load().then((d) => { if (live) { setData(d); setError(null); } }, (e: Error) => { if (live) setError(e.message); }).finally(() => live && setLoading(false));
    return () => { live = false; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  useEffect(() => {
    if (!everyMs) return;
    const t = setInterval(() => setTick((x) => x + 1), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return { data, error, loading, reload: () => setTick((x) => x + 1) };
}

/** A long value (a hash) shown short, with a button that copies it whole. */
export function CopyValue({ value, short = 12, label = "value" }: { value: string; short?: number; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // the clipboard needs a secure context; the full value stays in the title to select
    }
  };
  return (
    <span className="copy-value">
      <span className="mono" title={value}>{value.length > short ? `${value.slice(0, short)}…` : value}</span>
      <button type="button" className="copy-btn" onClick={() => void copy()} aria-label={`Copy ${label}`} title={`Copy ${label}`}>{copied ? "✓" : <CopyIcon />}</button>
    </span>
  );
}

/** Bytes as KiB/MiB/GiB. */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

const CopyIcon = () => (
  <svg width="12" height="12" viewBox="0 0 16 16" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.6"><rect x="5.5" y="5.5" width="8" height="8" rx="1.5" /><path d="M10.5 3.5v-1a1 1 0 0 0-1-1h-6a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h1" /></svg>
);
