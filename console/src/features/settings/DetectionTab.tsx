import { useState, type FormEvent } from "react";
import { api } from "../../app/api.ts";
import { Button, Card, SeverityBadge, useLoad } from "../../app/ui.tsx";
import { ErrorBox, Switch, useAction, useIsAdmin } from "./common.tsx";

interface RuleInfo {
  id: string; type: string; name: string; description: string; severity: string; enabled: boolean;
  threshold: { count: number; window: number; groupBy: string[]; distinct?: string } | null;
  defaults: { enabled: boolean; count: number | null; window: number | null };
  overridden: boolean;
}

/** Record fields as the thresholds count and group them, in words. */
const FIELD_WORD: Record<string, [one: string, many: string]> = {
  "source.ip": ["source", "sources"], "user.name": ["account", "accounts"], "asset.id": ["asset", "assets"], service: ["service", "services"],
};
const many = (f: string) => FIELD_WORD[f]?.[1] ?? f;
const one = (f: string) => FIELD_WORD[f]?.[0] ?? f;

const UNITS = [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const;

/** A window in ms as the API takes it back: 600000 → "10m", 5400000 → "1h30m". */
export function formatWindow(ms: number): string {
  if (ms <= 0) return "0s";
  let rest = ms;
  let out = "";
  for (const [u, n] of UNITS) {
    if (rest >= n) {
      out += `${Math.floor(rest / n)}${u}`;
      rest %= n;
    }
  }
  return rest ? `${out}${rest}ms` : out;
}

/** BF-1: the account's detection rules — thresholds (count in window), on/off, back to the shipped values. */
export function DetectionTab() {
  const admin = useIsAdmin();
  const rules = useLoad(() => api<{ items: RuleInfo[] }>("/api/v1/detection/rules"), []);
  const items = rules.data?.items ?? [];
  const withThreshold = items.filter((r) => r.threshold);
  const others = items.filter((r) => !r.threshold);
  return (
    <Card title="Detection thresholds" actions={<span className="muted">{rules.data ? `${items.filter((r) => r.overridden).length} changed from the shipped values` : ""}</span>}>
      <p className="muted set-lead">
        A threshold rule fires when one source reaches <b>count</b> matching attempts within the <b>window</b> (e.g. <code>10m</code>, <code>6h</code>, <code>1h30m</code>).
        Changes apply to this account at once; the rules' state is rebuilt from the stored telemetry. A rule switched off raises no alerts and blocks nothing.
      </p>
      <ErrorBox error={rules.error} />
      <div className="set-scroll">
        <table data-testid="detection-rules" className="set-rules">
          <thead><tr><th>Rule</th><th>Severity</th><th>Threshold</th><th>Shipped default</th><th>On</th><th /></tr></thead>
          <tbody>
            {withThreshold.map((r) => <RuleRow key={`${r.id}:${r.threshold?.count}:${r.threshold?.window}`} rule={r} admin={admin} onChanged={rules.reload} />)}
            {others.length > 0 && <tr className="set-group"><td colSpan={6}>Rules without a threshold (they fire on a single matching record)</td></tr>}
            {others.map((r) => <RuleRow key={r.id} rule={r} admin={admin} onChanged={rules.reload} />)}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

function RuleRow({ rule: r, admin, onChanged }: { rule: RuleInfo; admin: boolean; onChanged: () => void }) {
  const { busy, run } = useAction();
  const [count, setCount] = useState(r.threshold ? String(r.threshold.count) : "");
  const [win, setWin] = useState(r.threshold ? formatWindow(r.threshold.window) : "");
  const [error, setError] = useState<string | null>(null);
  const path = `/api/v1/detection/rules/${encodeURIComponent(r.id)}`;
  const changed = r.threshold !== null && (count.trim() !== String(r.threshold.count) || win.trim() !== formatWindow(r.threshold.window));
  const isDefault = r.threshold && r.threshold.count === r.defaults.count && r.threshold.window === r.defaults.window;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const n = Number(count);
    if (!Number.isInteger(n) || n < 1) return setError("The count is a whole number of at least 1.");
    try {
      await api(path, { method: "PATCH", body: { count: n, window: win.trim() } });
      onChanged();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const toggle = (enabled: boolean) => void run(() => api(path, { method: "PATCH", body: { enabled } }), `${r.name} is ${enabled ? "on" : "off"}`).then(onChanged);
  const reset = () => void run(() => api(path, { method: "PATCH", body: { reset: true } }), `${r.name} is back to its shipped values`).then(onChanged);

  return (
    <tr data-testid={`rule-${r.id}`} className={r.enabled ? "" : "set-dim"}>
      <td className="set-rule-name">
        <strong>{r.name}</strong>{r.overridden && <span className="badge set-changed">changed</span>}
        <div className="mono muted set-small">{r.id}</div>
        <div className="muted set-small set-rule-desc">{r.description}</div>
      </td>
      <td><SeverityBadge severity={r.severity} /></td>
      <td>
        {!r.threshold ? <span className="muted">—</span> : admin ? (
          <form className="set-threshold" onSubmit={save} aria-label={`Threshold of ${r.name}`}>
            <span className="set-threshold-row">
              <input aria-label={`Count for ${r.name}`} type="number" min={1} max={100000} value={count} onChange={(e) => { setCount(e.target.value); setError(null); }} required />
              <span className="muted">{r.threshold.distinct ? `distinct ${many(r.threshold.distinct)} in` : "in"}</span>
              <input aria-label={`Window for ${r.name}`} className="mono" value={win} onChange={(e) => { setWin(e.target.value); setError(null); }} required maxLength={20} placeholder="10m" />
              <Button type="submit" kind={changed ? "primary" : undefined} disabled={!changed}>Save</Button>
            </span>
            {error && <div className="set-err set-threshold-err" role="alert">{error}</div>}
          </form>
        ) : (
          <span className="mono">{r.threshold.count} {r.threshold.distinct ? `distinct ${many(r.threshold.distinct)} ` : ""}in {formatWindow(r.threshold.window)}</span>
        )}
        {r.threshold && <div className="muted set-small">counted per {r.threshold.groupBy.map(one).join(" and ") || "asset"}</div>}
      </td>
      <td className="set-nowrap muted" data-testid="rule-default">
        {r.defaults.count !== null && r.defaults.window !== null ? <span className="mono">{r.defaults.count} in {formatWindow(r.defaults.window)}</span> : "—"}
        {!r.defaults.enabled && <div className="set-small">off by default</div>}
      </td>
      <td>{admin ? <Switch on={r.enabled} label={`${r.name} on`} disabled={busy} onChange={toggle} /> : <span className={`badge ${r.enabled ? "st-active" : "st-disabled"}`}>{r.enabled ? "On" : "Off"}</span>}</td>
      <td className="set-actions">{admin && r.overridden && <Button kind="ghost" disabled={busy} onClick={reset} title={isDefault ? "Only switched on/off: clears the change" : "Back to the shipped count, window and state"}>Reset to default</Button>}</td>
    </tr>
  );
}
