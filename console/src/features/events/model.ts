import type { Severity } from "../../app/types.ts";

/** What the security-events API speaks (EVT-2 … EVT-14): src/server/routes/events.routes.ts. */
export const EVENT_STATUSES = ["unhandled", "handling", "failed", "handled"] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];
export const EVENT_STATUS_LABEL: Record<EventStatus, string> = { unhandled: "Unhandled", handling: "Handling", failed: "Failed", handled: "Handled" };
export const SEVERITIES: Severity[] = ["critical", "high", "medium", "low"];
/** The server's export limit (EVT-14). */
export const EXPORT_MAX = 1000;

export interface Ref { id: string; name: string }
export interface AssetRef { id: string; hostname: string | null }

export interface EventOverview {
  id: string;
  /** Built from attacker data (an address, a user name): text only. */
  title: string;
  status: EventStatus;
  severity: Severity;
  severityChanged: boolean;
  owner: { id: string; username: string } | null;
  firstSeen: string;
  lastSeen: string;
  alertCount: number;
  assets: AssetRef[];
  /** ATT&CK tactics covered, in kill-chain order. */
  tactics: Ref[];
  techniques: string[];
  stage: Ref | null;
  alertTypes: string[];
  attackerIps: string[];
  joinedBy: string[];
  handledHow: string | null;
  handledAt: string | null;
}
export interface EventDetail extends EventOverview {
  counts: { alertsByStatus: Record<string, number>; entities: number; maliciousEntities: number; edges: number };
}
export interface EventPage { items: EventOverview[]; total: number; from: string; to: string }

export interface TimelineItem {
  at: string;
  lastSeen: string;
  alertId: string;
  type: string;
  name: string;
  severity: Severity;
  status: string;
  asset: AssetRef;
  sourceIp: string | null;
  userName: string | null;
  count: number;
  techniques: string[];
  tactics: Ref[];
  stage: Ref | null;
}

export const ENTITY_KINDS = ["ip", "host", "account", "process", "file", "domain", "url"] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];
export const KIND_LABEL: Record<string, string> = { ip: "IP address", host: "Host", account: "Account", process: "Process", file: "File", domain: "Domain", url: "URL" };

export interface GraphNode { id: string; kind: string; label: string; malicious: boolean; assetId: string | null; firstSeen: string; lastSeen: string }
export interface GraphEdge { from: string; to: string; relation: string; ts: string; alertId: string }
export interface EventGraph { nodes: GraphNode[]; edges: GraphEdge[] }

export interface EventEntity {
  key: string;
  kind: string;
  label: string;
  malicious: boolean;
  firstSeen: string;
  lastSeen: string;
  assetId: string | null;
  hostname: string | null;
  assets: AssetRef[];
  alertCount: number;
  alertTypes: string[];
}

/** An entity a playbook may act on: what the graph, the entity list and the recommendations hand over. */
export interface PlaybookTarget { key: string; kind: string; label: string; assetId: string | null }
/** Opens the playbook dialog for an entity, for the kinds some playbook acts on (analysts only). */
export interface Playbooks { has: (kind: string) => boolean; open: (t: PlaybookTarget) => void }

/** EVT-6 / EVT-7 / RSP-1: what src/server/routes/event-response.routes.ts speaks. */
export const RISK_LEVELS = ["critical", "high", "medium", "low"] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];
export interface RiskReason { factor: string; points: number; text: string }
export interface EntityRisk { key: string; kind: string; label: string; level: RiskLevel; score: number; suggestion: { actions: string[]; text: string }; reasons: RiskReason[] }
export type HandlingAction = "block" | "kill" | "quarantine" | "isolate" | "lock";
export interface RecommendedItem {
  entityKey: string; kind: string; label: string; action: HandlingAction;
  /** In the recommended plan; the others are offered. */
  selected: boolean;
  assetIds: string[];
  /** The destination account (the event's by default). */
  accountId: string;
  /** 6h … permanent; null: the action has none. */
  validity: string | null;
  target: Record<string, unknown>;
  why: string;
  /** Why it cannot be carried out, or null. */
  unavailable: string | null;
}
export interface Recommendations { eventId: string; status: string; risks: EntityRisk[]; items: RecommendedItem[] }
export interface EventTask {
  id: string; resolutionId: string; entityKey: string; action: string; assetId: string; accountId: string;
  /** The server's description, built from attacker data (a path, a user name): text only. */
  what: string;
  status: "queued" | "succeeded" | "failed";
  result: string | null; actionId: string | null; policyId: string | null; validUntil: string | null;
  createdBy: string; createdAt: string; finishedAt: string | null;
}
/** The validity periods a block, a lock or an isolation can have (ALR-8). */
export const VALIDITIES: [string, string][] = [["6h", "6 hours"], ["12h", "12 hours"], ["1d", "1 day"], ["7d", "7 days"], ["permanent", "Permanent"]];
export const ACTION_LABEL: Record<string, string> = { block: "Block on the host firewall", kill: "Kill the process", quarantine: "Quarantine", lock: "Lock the account", isolate: "Isolate the host" };

/**
 * An entity key's kind, asset and label: `ip:<addr>`, `domain:…`, `url:…` hold no asset (an
 * address has colons of its own); `host:<asset>`, `account:<asset>:<user>`, `process:<asset>:<exe>`,
 * `file:<asset>:<path>` do (asset ids hold no colon).
 */
export function entityOfKey(key: string): { kind: string; assetId: string | null; label: string } {
  const i = key.indexOf(":");
  const kind = i < 0 ? "" : key.slice(0, i);
  const rest = key.slice(i + 1);
  if (kind === "host") return { kind, assetId: rest, label: rest };
  if (kind === "account" || kind === "process" || kind === "file") {
    const j = rest.indexOf(":");
    if (j > 0) return { kind, assetId: rest.slice(0, j), label: rest.slice(j + 1) };
  }
  return { kind, assetId: null, label: rest };
}

export interface Activity { id: string; at: string; actor: string; action: string; detail: string; remark: string }

/** "logged_on_from" → "logged on from". */
export const relationLabel = (r: string): string => r.replaceAll("_", " ");

/**
 * The kill chain the event overview draws, in Hostward's order (content/attack/techniques.yml:
 * credential access before initial access — the brute force that leads to the logon).
 */
export const KILL_CHAIN: Ref[] = [
  ["TA0043", "Reconnaissance"], ["TA0042", "Resource Development"], ["TA0006", "Credential Access"], ["TA0001", "Initial Access"],
  ["TA0002", "Execution"], ["TA0003", "Persistence"], ["TA0004", "Privilege Escalation"], ["TA0005", "Defense Evasion"],
  ["TA0007", "Discovery"], ["TA0008", "Lateral Movement"], ["TA0009", "Collection"], ["TA0011", "Command and Control"],
  ["TA0010", "Exfiltration"], ["TA0040", "Impact"],
].map(([id, name]) => ({ id: id!, name: name! }));

/** Where a long tactic name may break in a narrow kill-chain step (soft hyphens). */
export const BREAKABLE: Record<string, string> = {
  TA0043: "Recon\u00ADnais\u00ADsance", TA0042: "Resource Develop\u00ADment", TA0006: "Creden\u00ADtial Access", TA0003: "Persis\u00ADtence",
  TA0004: "Privilege Esca\u00ADlation", TA0005: "Defense Evasion", TA0007: "Disco\u00ADvery", TA0008: "Lateral Move\u00ADment",
  TA0009: "Collec\u00ADtion", TA0011: "Com\u00ADmand and Control", TA0010: "Exfil\u00ADtration", TA0002: "Execu\u00ADtion",
};

/** A label that fits a box: the last path segment of a process or file, the host name of a host. */
export function shortLabel(kind: string, label: string, hostname?: string | null): string {
  if (kind === "host") return hostname ?? label;
  if ((kind === "process" || kind === "file") && label.includes("/")) return label.slice(label.lastIndexOf("/") + 1) || label;
  return label;
}

// --- time range (EVT-3): presets, or a custom from/to, kept in the URL ---

export const PRESETS: Record<string, { label: string; ms: number }> = {
  "24h": { label: "Last 24 h", ms: 86_400_000 },
  "7d": { label: "Last 7 days", ms: 7 * 86_400_000 },
  "30d": { label: "Last 30 days", ms: 30 * 86_400_000 },
  "90d": { label: "Last 90 days", ms: 90 * 86_400_000 },
  "180d": { label: "Last 180 days", ms: 180 * 86_400_000 },
};
export const DEFAULT_RANGE = "30d";

/** The API's from/to for the URL's range: a preset counted back from now, or the custom pair. */
export function rangeOf(q: URLSearchParams, now = Date.now()): { from?: string; to?: string } {
  const range = q.get("range") ?? DEFAULT_RANGE;
  if (range === "custom") {
    const iso = (v: string | null) => {
      const t = v ? Date.parse(v) : NaN;
      return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
    };
    return { from: iso(q.get("from")), to: iso(q.get("to")) };
  }
  const p = PRESETS[range] ?? PRESETS[DEFAULT_RANGE]!;
  return { from: new Date(now - p.ms).toISOString() };
}

/** A `<input type="datetime-local">` value (local time, minutes) for an ISO time, and back. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (!Number.isFinite(d.getTime())) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
export const fromLocalInput = (v: string): string | null => (v && Number.isFinite(Date.parse(v)) ? new Date(v).toISOString() : null);

/** The list's query string: repeated status/severity, the time range, the other filters. */
export function eventQuery(q: URLSearchParams, extra: Record<string, string | number> = {}, now = Date.now()): string {
  const u = new URLSearchParams();
  const r = rangeOf(q, now);
  if (r.from) u.set("from", r.from);
  if (r.to) u.set("to", r.to);
  for (const k of ["status", "severity"]) for (const v of (q.get(k) ?? "").split(",")) if (v) u.append(k, v);
  for (const k of ["assetId", "owner"]) if (q.get(k)) u.set(k, q.get(k)!);
  const text = q.get("q")?.trim();
  if (text) u.set("q", text);
  for (const [k, v] of Object.entries(extra)) u.set(k, String(v));
  return u.toString();
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString()} ${n === 1 ? one : many}`;
