import { api } from "../../app/api.ts";
import { Card, useLoad } from "../../app/ui.tsx";
import { WEAK_REASON, type Finding } from "./model.ts";

/** BF-5: every account the latest baseline runs found with a weak password — the name, why, and the hash scheme, never more. */
export function WeakPasswords({ onOpen, reloadKey }: { onOpen: (assetId: string) => void; reloadKey: number }) {
  const findings = useLoad(() => api<{ items: Finding[] }>("/api/v1/baseline/findings?check=weak_password"), [reloadKey], 60_000);
  const items = findings.data?.items ?? [];
  return (
    <Card title="Weak passwords" actions={<span className={`badge ${items.length ? "as-flag" : "st-active"}`} data-testid="weak-count">{findings.data ? (items.length ? `${items.length} account${items.length === 1 ? "" : "s"}` : "none found") : "…"}</span>}>
      {findings.error && <div className="alert-box error">{findings.error}</div>}
      {findings.data && items.length === 0 ? (
        <p className="muted as-weak-none">The latest baseline runs found no weak passwords. Agents check local password hashes against a common-password list daily.</p>
      ) : (
        <table className="as-weak" data-testid="weak-passwords">
          <thead><tr><th>Host</th><th>Account</th><th>Why it is weak</th><th>Hash scheme</th></tr></thead>
          <tbody>
            {items.map((f) => (
              <tr key={`${f.assetId}:${f.subject}`} className="clickable" onClick={() => onOpen(f.assetId)} title="Show the host's accounts">
                <td>{f.hostname}</td>
                <td className="mono">{f.subject}</td>
                <td>{WEAK_REASON[f.reason] ?? f.reason}</td>
                <td className="mono">{f.scheme}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
