import { cidrContains, normalizeIp, parseCidr, type Alert, type Cidr, type EntityKind, type EventEntity, type SecurityEvent, type Store } from "../core/index.ts";
import { hostKey } from "./entities.ts";

/**
 * EVT-1: a correlation rule (content/correlation/*.yml): alerts sharing an entity of these kinds,
 * within the window, join one event — across the account, or on one asset only.
 */
export interface CorrelationRule {
  id: string;
  name: string;
  description: string;
  joins: EntityKind[];
  /** account: the entity alone joins, whatever the asset (one attacker); asset: only alerts of the same asset. */
  scope: "account" | "asset";
  /** ms: the event must have held the entity this recently (before the alert's first occurrence). */
  window: number;
  /** Only entities marked malicious (the attacker's side) are join keys. */
  maliciousOnly: boolean;
  /** The rule applies only when the alert is of one of these types and the event holds one too. */
  types: string[] | null;
  /** …and the alert or the event is of one of these (e.g. a mining alert, not two C2 lookups). */
  anchorTypes: string[] | null;
  /** Addresses in these networks are no join key (a NAT gateway must not glue incidents), unless declared external. */
  ignoreNets: Cidr[];
  /** Executables (base names) too common to join on: every process descends from them. */
  ignoreProcesses: ReadonlySet<string>;
}

/** One entity key of an alert that a rule may join on. */
export interface JoinKey {
  key: string;
  rule: CorrelationRule;
  /** The event must hold the key since then. */
  since: number;
  /** Asset-scoped rule on an entity not bound to an asset (an IP, a domain): the event must also hold the alert's host. */
  needsHost: boolean;
}

export interface JoinDecision {
  /** The open events to join, oldest first: the first is kept, the others merge into it. Empty: a new event. */
  events: SecurityEvent[];
  /** The rules that joined (for `joinedBy`). */
  ruleIds: string[];
}

/** Networks judged like public addresses (config `externalNets`, lab networks). */
export const parseNets = (nets: readonly string[]): Cidr[] => nets.map((c) => parseCidr(c)).filter((c): c is Cidr => c !== null);

const baseName = (path: string): string => path.slice(path.lastIndexOf("/") + 1);
/** At most this many open events are joined (and merged) by one alert. */
const MAX_CANDIDATES = 16;

/** The keys of these entities each rule may join on, for an alert (pure). */
export function joinKeys(rules: readonly CorrelationRule[], alert: Alert, entities: readonly EventEntity[], external: readonly Cidr[] = []): JoinKey[] {
  const out: JoinKey[] = [];
  for (const rule of rules) {
    if (rule.types && !rule.types.includes(alert.type)) continue;
    for (const e of entities) {
      if (!rule.joins.includes(e.kind)) continue;
      if (rule.maliciousOnly && !e.malicious) continue;
      if (e.assetId !== null && e.assetId !== alert.assetId) continue;
      if (e.kind === "ip") {
        const ip = normalizeIp(e.label);
        if (!ip || (rule.ignoreNets.some((c) => cidrContains(c, ip)) && !external.some((c) => cidrContains(c, ip)))) continue;
      }
      if (e.kind === "process" && rule.ignoreProcesses.has(baseName(e.label))) continue;
      out.push({ key: e.key, rule, since: alert.firstSeen - rule.window, needsHost: rule.scope === "asset" && e.assetId === null });
    }
  }
  return out;
}

/**
 * EVT-1: which open events (Unhandled, Handling, Failed — never Handled, EVT-8) this alert joins:
 * those holding one of its join keys recently enough. One indexed lookup for all keys, then the
 * candidates themselves; several mean the alert bridges them (they merge into the oldest).
 */
export async function decideJoin(tx: Store, rules: readonly CorrelationRule[], alert: Alert, entities: readonly EventEntity[], external: readonly Cidr[] = []): Promise<JoinDecision> {
  const keys = joinKeys(rules, alert, entities, external);
  if (keys.length === 0) return { events: [], ruleIds: [] };
  const host = hostKey(alert.assetId);
  const lookup = new Set(keys.map((k) => k.key));
  if (keys.some((k) => k.needsHost)) lookup.add(host);
  const since = Math.min(...keys.map((k) => k.since));
  const rows = await tx.events.findOpenByEntities(alert.accountId, [...lookup], since);
  /** event id → key → lastSeen there */
  const held = new Map<string, Map<string, number>>();
  for (const r of rows) {
    let m = held.get(r.eventId);
    if (!m) held.set(r.eventId, (m = new Map()));
    m.set(r.key, Math.max(m.get(r.key) ?? -Infinity, r.lastSeen));
  }
  const events = new Map<string, SecurityEvent | null>();
  const load = async (id: string) => {
    if (!events.has(id)) events.set(id, await tx.events.get(alert.accountId, id));
    return events.get(id) ?? null;
  };
  const matched = new Map<string, Set<string>>();
  // newest candidates first (rows come newest first): a bounded number of events is looked at
  for (const [eventId, m] of [...held].slice(0, MAX_CANDIDATES)) {
    for (const k of keys) {
      const seen = m.get(k.key);
      if (seen === undefined || seen < k.since) continue;
      if (k.needsHost && !((m.get(host) ?? -Infinity) >= k.since)) continue;
      if (k.rule.types || k.rule.anchorTypes) {
        const ev = await load(eventId);
        if (!ev) continue;
        if (k.rule.types && !ev.alertTypes.some((t) => k.rule.types!.includes(t))) continue;
        if (k.rule.anchorTypes && !k.rule.anchorTypes.includes(alert.type) && !ev.alertTypes.some((t) => k.rule.anchorTypes!.includes(t))) continue;
      }
      let s = matched.get(eventId);
      if (!s) matched.set(eventId, (s = new Set()));
      s.add(k.rule.id);
    }
  }
  const joined: SecurityEvent[] = [];
  for (const id of matched.keys()) {
    const ev = await load(id);
    if (ev && ev.status !== "handled") joined.push(ev);
  }
  joined.sort((a, b) => a.firstSeen - b.firstSeen || a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  const ruleIds = new Set<string>();
  for (const ev of joined) for (const r of matched.get(ev.id)!) ruleIds.add(r);
  return { events: joined, ruleIds: [...ruleIds].sort() };
}
