import { newId, SEVERITIES, type Alert, type Cidr, type EventActivity, type EventEntity, type SecurityEvent, type Severity, type Store } from "../core/index.ts";
import { alertEntities, type AlertGraph } from "./entities.ts";
import { decideJoin, parseNets, type CorrelationRule } from "./correlation.ts";
import { isWhitelisted, transition } from "./lifecycle.ts";

/** EVT-2: ATT&CK as content/attack/techniques.yml writes it. */
export interface AttackMatrix {
  /** Tactic id (TA00xx) → name and kill-chain order (1 = earliest). */
  tactics: Record<string, { name: string; order: number }>;
  /** Technique id → name, ATT&CK's tactics, and the stage (tactic) Hostward's alerts show it for. */
  techniques: Record<string, { name: string; tactics: string[]; stage: string }>;
}

export interface EventCorrelationDeps {
  rules: readonly CorrelationRule[];
  attack: AttackMatrix;
  /** Networks judged like public addresses (config `externalNets`): their addresses join across assets. */
  externalNets?: readonly string[];
}

export interface CorrelationOutcome {
  eventId: string;
  /** created: a new event; joined: into an open one (merged: it bridged several); refreshed: the alert was already in it. */
  outcome: "created" | "joined" | "merged" | "refreshed";
}

/** EVT-3: events and their alerts older than this are purged. */
export const EVENT_RETENTION_MS = 180 * 86_400_000;
/** A recurring alert moves its event's lastSeen at most once a minute (ingest runs per record). */
const TOUCH_STEP_MS = 60_000;
const MAX_TITLE_LABEL = 120;

const rank = (s: Severity) => SEVERITIES.indexOf(s);
const maxSeverity = (a: Severity, b: Severity): Severity => (rank(a) >= rank(b) ? a : b);
const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];
const cut = (s: string) => (s.length > MAX_TITLE_LABEL ? `${s.slice(0, MAX_TITLE_LABEL - 1)}…` : s);

/** A technique's entry, a sub-technique falling back to its parent (a custom rule's T1059.999). */
function technique(m: AttackMatrix, id: string) {
  return m.techniques[id] ?? m.techniques[id.split(".")[0]!];
}

/** EVT-2: the tactics (kill-chain order) the techniques show, and the furthest reached. */
export function tacticsOf(m: AttackMatrix, techniques: readonly string[]): { tactics: string[]; stage: string | null } {
  const ts = new Set<string>();
  for (const t of techniques) {
    const x = technique(m, t);
    if (x && m.tactics[x.stage]) ts.add(x.stage);
  }
  const tactics = [...ts].sort((a, b) => m.tactics[a]!.order - m.tactics[b]!.order);
  return { tactics, stage: tactics.at(-1) ?? null };
}

/** The event's title: what happened first, to whom or from where, and how many assets. */
function titleHead(a: Alert, g: AlertGraph): string {
  if (a.sourceIp) return `${a.name} from ${a.sourceIp}`;
  const order: EventEntity["kind"][] = ["file", "process", "domain", "ip", "url", "account"];
  for (const kind of order) {
    // one of many (a distributed attack's sources) names nothing
    const es = g.entities.filter((x) => x.kind === kind && x.malicious);
    if (es.length === 1) return `${a.name}: ${cut(es[0]!.label)}`;
  }
  const e = g.entities.find((x) => x.kind === "process" || x.kind === "file" || x.kind === "domain");
  return e ? `${a.name}: ${cut(e.label)}` : a.name;
}
const assetSuffix = (n: number) => (n > 1 ? ` → ${n} assets` : "");
/** The title with its asset count brought up to date (only the suffix this code wrote is replaced). */
function retitle(title: string, oldAssets: number, newAssets: number): string {
  const old = assetSuffix(oldAssets);
  const head = old && title.endsWith(old) ? title.slice(0, -old.length) : title;
  return head + assetSuffix(newAssets);
}

/** EVT-2: the event's overview facts with one more alert (or the same one again: `counted` false). */
export function foldAlert(m: AttackMatrix, e: SecurityEvent, a: Alert, counted: boolean, now: number): SecurityEvent {
  const techniques = union(e.techniques, a.attack).sort();
  const assetIds = union(e.assetIds, [a.assetId]);
  return {
    ...e,
    // an operator's severity stays (EVT-12); clearing it recomputes from the alerts (recomputeEvent)
    severity: e.severityOverride ?? maxSeverity(e.severity, a.severity),
    firstSeen: Math.min(e.firstSeen, a.firstSeen),
    lastSeen: Math.max(e.lastSeen, a.lastSeen),
    alertCount: e.alertCount + (counted ? 1 : 0),
    assetIds,
    alertTypes: union(e.alertTypes, [a.type]),
    techniques,
    ...tacticsOf(m, techniques),
    title: retitle(e.title, e.assetIds.length, assetIds.length),
    updatedAt: now,
  };
}

/** EVT-2: the overview recomputed from all of the event's alerts. */
export function overviewOf(m: AttackMatrix, e: SecurityEvent, alerts: readonly Alert[], now: number): SecurityEvent {
  const empty: SecurityEvent = {
    ...e, severity: "low", firstSeen: alerts.length ? Infinity : e.firstSeen, lastSeen: alerts.length ? -Infinity : e.lastSeen,
    alertCount: 0, assetIds: [], alertTypes: [], techniques: [], tactics: [], stage: null, title: retitle(e.title, e.assetIds.length, 1),
  };
  let out = empty;
  for (const a of alerts) out = foldAlert(m, { ...out, severityOverride: null }, a, true, now);
  return { ...out, severityOverride: e.severityOverride, severity: e.severityOverride ?? out.severity, updatedAt: now };
}

async function activity(tx: Store, e: SecurityEvent, action: string, detail: string, actor: string, remark: string, now: number): Promise<void> {
  const a: EventActivity = { id: newId("eva", now), eventId: e.id, accountId: e.accountId, at: now, actor, action, detail, remark };
  await tx.events.addActivity(a);
}

/** The alerts an event holds (those still stored). */
export async function eventAlerts(tx: Store, e: SecurityEvent): Promise<Alert[]> {
  const out: Alert[] = [];
  for (const id of await tx.events.alertIds(e.id)) {
    const a = await tx.alerts.get(e.accountId, id);
    if (a) out.push(a);
  }
  return out;
}

/**
 * EVT-1 … EVT-3: alerts into events, run inside the ingest transaction. All state is in the store
 * (entities with their last occurrence per event), so several server workers can run it.
 */
export class EventCorrelator {
  readonly #rules: readonly CorrelationRule[];
  readonly #attack: AttackMatrix;
  readonly #external: Cidr[];

  constructor(deps: EventCorrelationDeps) {
    this.#rules = deps.rules;
    this.#attack = deps.attack;
    this.#external = parseNets(deps.externalNets ?? []);
  }

  get attack(): AttackMatrix {
    return this.#attack;
  }

  /**
   * An alert was created or fired again (and is not whitelisted): it joins an open event holding
   * one of its entities within a rule's window (merging the events it bridges), or opens a new
   * one; an alert already in an event stays there and refreshes it. Blocked (precision-defence)
   * alerts join too. Returns null for alerts that never join (whitelisted, expired).
   */
  async onAlert(tx: Store, alert: Alert, now: number): Promise<CorrelationOutcome | null> {
    if (isWhitelisted(alert.status) || alert.status === "expired") return null;
    const graph = alertEntities(alert);
    const current = await tx.events.eventOfAlert(alert.id);
    if (current) {
      const e = await tx.events.get(alert.accountId, current);
      if (e) {
        await tx.events.upsertEntities(e.id, e.accountId, graph.entities, graph.edges);
        await tx.events.update(foldAlert(this.#attack, e, alert, false, now));
        return { eventId: e.id, outcome: "refreshed" };
      }
      await tx.events.removeAlert(current, alert.id);
    }
    const { events, ruleIds } = await decideJoin(tx, this.#rules, alert, graph.entities, this.#external);
    if (events.length === 0) return { eventId: await this.#create(tx, alert, graph, now), outcome: "created" };

    let target = events[0]!;
    for (const younger of events.slice(1)) target = await this.#merge(tx, target, younger, now);
    await tx.events.addAlert(target.id, alert.id, now);
    await tx.events.upsertEntities(target.id, target.accountId, graph.entities, graph.edges);
    const next = { ...foldAlert(this.#attack, target, alert, true, now), joinedBy: union(target.joinedBy, ruleIds).sort() };
    await tx.events.update(next);
    await activity(tx, next, "alert_joined", `alert ${alert.id} (${alert.type}) joined by ${ruleIds.join(", ")}`, "system", "", now);
    return { eventId: target.id, outcome: events.length > 1 ? "merged" : "joined" };
  }

  /**
   * A continuing occurrence (a threshold still counting): the alert's event and entities stay
   * recent, so later alerts within the window still join. One keyed lookup, at most one write a minute.
   */
  async onRecurrence(tx: Store, alert: Alert, now: number): Promise<void> {
    if (isWhitelisted(alert.status) || alert.status === "expired") return;
    const eventId = await tx.events.eventOfAlert(alert.id);
    if (!eventId) return;
    await tx.events.touch(eventId, alertEntities(alert).entities.map((e) => e.key), alert.lastSeen, now, TOUCH_STEP_MS);
  }

  async #create(tx: Store, alert: Alert, graph: AlertGraph, now: number): Promise<string> {
    const seed: SecurityEvent = {
      id: newId("evt", now), accountId: alert.accountId, title: titleHead(alert, graph), status: "unhandled", severity: alert.severity, severityOverride: null,
      ownerUserId: null, firstSeen: alert.firstSeen, lastSeen: alert.lastSeen, alertCount: 0, assetIds: [], tactics: [], techniques: [], stage: null,
      alertTypes: [], joinedBy: [], handledHow: null, handledAt: null, createdAt: now, updatedAt: now,
    };
    const e = foldAlert(this.#attack, seed, alert, true, now);
    await tx.events.insert(e);
    await tx.events.addAlert(e.id, alert.id, now);
    await tx.events.upsertEntities(e.id, e.accountId, graph.entities, graph.edges);
    await activity(tx, e, "created", `opened by alert ${alert.id} (${alert.type})`, "system", "", now);
    return e.id;
  }

  /** The alert bridged two open events: the younger's alerts, entities, edges and activity move into the older. */
  async #merge(tx: Store, older: SecurityEvent, younger: SecurityEvent, now: number): Promise<SecurityEvent> {
    await tx.events.merge(younger.id, older.id);
    // work in progress is not hidden by the merge: an Unhandled event takes the other's Handling/Failed
    const status = older.status === "unhandled" ? younger.status : older.status;
    const base: SecurityEvent = {
      ...older, status, ownerUserId: older.ownerUserId ?? younger.ownerUserId, severityOverride: older.severityOverride ?? younger.severityOverride,
      joinedBy: union(older.joinedBy, younger.joinedBy),
    };
    const merged = overviewOf(this.#attack, base, await eventAlerts(tx, base), now);
    await tx.events.update(merged);
    await activity(tx, merged, "merged", `event ${younger.id} (${younger.title}) merged into this one: an alert links them`, "system", "", now);
    return merged;
  }

  /**
   * EVT-9 (for the API): an alert leaves its event (whitelisted from it). The overview, entities
   * and edges are rebuilt from the alerts it still holds, so the alert's entities stop joining.
   */
  async detachAlert(tx: Store, e: SecurityEvent, alertId: string, actor: string, detail: string, remark: string, now: number): Promise<SecurityEvent> {
    await tx.events.removeAlert(e.id, alertId);
    const next = await this.recomputeEvent(tx, e, now);
    await activity(tx, next, "alert_left", detail || `alert ${alertId} left the event`, actor, remark, now);
    return next;
  }

  /** EVT-2/EVT-12: the overview, entities and edges recomputed from the event's alerts (e.g. after a severity override is cleared). */
  async recomputeEvent(tx: Store, e: SecurityEvent, now: number): Promise<SecurityEvent> {
    const alerts = await eventAlerts(tx, e);
    await tx.events.clearEntities(e.id);
    for (const a of alerts) {
      const g = alertEntities(a);
      await tx.events.upsertEntities(e.id, e.accountId, g.entities, g.edges);
    }
    const next = overviewOf(this.#attack, e, alerts, now);
    await tx.events.update(next);
    return next;
  }
}

async function setStatus(tx: Store, e: SecurityEvent, to: SecurityEvent["status"], how: string, actor: string, remark: string, now: number, extra = ""): Promise<SecurityEvent> {
  const handled = to === "handled";
  const next: SecurityEvent = { ...e, status: to, handledHow: handled ? how : null, handledAt: handled ? now : null, updatedAt: now };
  await tx.events.update(next);
  await activity(tx, next, "status", `status: ${e.status} → ${to}${how ? `: ${how}` : ""}${extra}`, actor, remark, now);
  return next;
}

/**
 * EVT-8: Handled. Every Unhandled alert of the event becomes Handled with the event's handling
 * info; Blocked (precision defence), whitelisted, expired and already handled alerts never
 * change. The event no longer takes alerts: later ones open a new event.
 */
export async function markEventHandled(tx: Store, e: SecurityEvent, how: string, actor: string, remark: string | undefined, now: number): Promise<SecurityEvent> {
  let n = 0;
  for (const a of await eventAlerts(tx, e)) {
    if (a.status !== "unhandled") continue;
    await transition(tx, a, "handled", { actor, how: `${how} (security event ${e.id})`, remark: remark ?? "" }, now);
    n++;
  }
  return setStatus(tx, e, "handled", how, actor, remark ?? "", now, `; ${n} alert${n === 1 ? "" : "s"} handled`);
}

/** EVT-7/EVT-8: Handling (tasks running): no alert changes, and new alerts may still join. */
export function markEventHandling(tx: Store, e: SecurityEvent, how: string, actor: string, remark: string | undefined, now: number): Promise<SecurityEvent> {
  return setStatus(tx, e, "handling", how, actor, remark ?? "", now);
}

/** EVT-7: a handling task failed: Failed (still open: alerts may join). */
export function markEventFailed(tx: Store, e: SecurityEvent, how: string, actor: string, remark: string | undefined, now: number): Promise<SecurityEvent> {
  return setStatus(tx, e, "failed", how, actor, remark ?? "", now);
}

/** EVT-3, a scheduled job: events last seen over 180 days ago go, with their alerts that old. */
export async function purgeOldEvents(store: Store, now: number, retentionMs: number = EVENT_RETENTION_MS): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await store.transaction((tx) => tx.events.purgeBefore(now - retentionMs, 200));
    total += n;
    if (n < 200) return total;
  }
}
