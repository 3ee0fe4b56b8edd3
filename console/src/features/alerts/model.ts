import { api } from "../../app/api.ts";
import { useLoad } from "../../app/ui.tsx";
import type { Agent } from "../../app/types.ts";

/** What the alerts API speaks, beyond app/types.ts. */
export const STATUSES = ["unhandled", "handled", "whitelisted_manual", "whitelisted_auto", "blocked", "expired"] as const;
export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
export const DURATIONS = [["6h", "6 h"], ["12h", "12 h"], ["1d", "1 day"], ["7d", "7 days"], ["permanent", "Permanent"]] as const;
export type Duration = (typeof DURATIONS)[number][0];
/** Time range presets kept in the URL as `range`. */
export const RANGES: Record<string, { label: string; ms: number }> = {
  "1h": { label: "Last hour", ms: 3_600_000 },
  "24h": { label: "Last 24 h", ms: 86_400_000 },
  "7d": { label: "Last 7 days", ms: 7 * 86_400_000 },
  "30d": { label: "Last 30 days", ms: 30 * 86_400_000 },
};

export interface AlertType { type: string; name: string; severity: string; dedupKey: string[]; whitelistFields: string[]; notify: string; fields: string[] }
export interface HistoryItem { at: string; from: string; to: string; actor: string; how: string; remark: string }
export interface BulkResult { results: { id: string; ok: boolean; status: string | null; error: string | null }[] }

export const isWhitelisted = (status: string) => status === "whitelisted_manual" || status === "whitelisted_auto";

/** Asset id → host name, loaded once per view. */
export function useAgents(): { agents: Agent[]; hostOf: (id: string | null) => string } {
  const { data } = useLoad(() => api<{ items: Agent[] }>("/api/v1/agents"), []);
  const agents = data?.items ?? [];
  const names = new Map(agents.map((a) => [a.id, a.hostname]));
  return { agents, hostOf: (id) => (id === null ? "All assets" : (names.get(id) ?? id)) };
}

export function useAlertTypes(): AlertType[] {
  const { data } = useLoad(() => api<{ items: AlertType[] }>("/api/v1/alert-types"), []);
  return data?.items ?? [];
}

/** "in 11 h", "3 min ago", "never". */
export function relative(iso: string | null, never = "never"): string {
  if (!iso) return never;
  const s = Math.round((Date.parse(iso) - Date.now()) / 1000);
  const a = Math.abs(s);
  const t = a < 60 ? `${a} s` : a < 3600 ? `${Math.round(a / 60)} min` : a < 86400 ? `${Math.round(a / 3600)} h` : `${Math.round(a / 86400)} d`;
  return s >= 0 ? `in ${t}` : `${t} ago`;
}

/** Summarises a bulk answer for a toast. */
export function bulkSummary(verb: string, r: BulkResult): { text: string; kind: "ok" | "error" } {
  const ok = r.results.filter((x) => x.ok).length;
  const bad = r.results.filter((x) => !x.ok);
  if (bad.length === 0) return { text: `${verb}: ${ok} alert${ok === 1 ? "" : "s"}`, kind: "ok" };
  return { text: `${verb}: ${ok} done, ${bad.length} refused — ${bad[0]!.error ?? "error"}`, kind: "error" };
}

/** Any evidence value as plain text: lists one per line, objects as JSON. */
export function asText(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (Array.isArray(v)) return v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join("\n");
  if (typeof v === "object") return JSON.stringify(v, null, 2);
  return String(v);
}
