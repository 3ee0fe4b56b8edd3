import { z } from "zod";
import { newId, normalizeIp, parseDuration, UserError, ErrorCodes, type Agent, type AgentAction, type Alert, type EntityKind, type EventEntity, type EventTask, type EventTaskAction, type IntelMatch, type SecurityEvent, type Store } from "../core/index.ts";
import { alertEntities, eventAlerts, markEventFailed, markEventHandled, markEventHandling } from "../alerting/index.ts";
import { killNotRunning, lockAccountAction } from "../protocol/index.ts";
import { queueAgentAction } from "./agent-actions.ts";
import type { IpPolicyService } from "./ip-policy-service.ts";
import { assessEntity, defaultBlockValidity, type EntityFacts, type EntityRisk } from "./risk.ts";

/**
 * EVT-7 recommended handling of a security event: a built-in policy per entity type — an
 * attacker IP is blocked on the host firewall of every affected asset (an IP policy: listed,
 * expiring, undone, RSP-1), a malicious process killed (its pid checked against its start
 * time and hash, as virus removal does) and its executable quarantined, a web shell
 * quarantined, a compromised account locked, a compromised host optionally isolated. The
 * operator edits the items (validity period, assets, destination account) and resolves: the
 * tasks are queued in one transaction, the event goes to Handling, and each agent result
 * moves it on — Handled when every task of the newest resolution succeeded, Failed when one failed.
 */
export type Validity = "6h" | "12h" | "1d" | "7d" | "permanent";
export const VALIDITIES: readonly Validity[] = ["6h", "12h", "1d", "7d", "permanent"];
/** Defaults (documented in docs/events.md): blocks by risk (risk.ts), a lock a week, an isolation a day. */
const LOCK_VALIDITY: Validity = "7d";
const ISOLATE_VALIDITY: Validity = "1d";
const ENTITY_WINDOW = 30 * 86_400_000;
/** The order tasks are queued in per asset: cut the attacker off, stop the process, then move its file. */
const ORDER: EventTaskAction[] = ["block", "kill", "quarantine", "lock", "isolate"];
/** Executables of the system itself are never quarantined (a reverse shell's bash): reinstall the package instead. */
const SYSTEM_DIRS = /^\/(?:usr\/(?:local\/)?(?:s?bin|lib(?:exec|32|64)?)|s?bin|lib(?:32|64)?|boot)\//;
/** Alert types after which the account the attacker used is compromised (a logon by the attacker). */
const COMPROMISING = new Set(["logon_after_brute_force", "malicious_ip_logon", "backdoor_account_logon", "weak_password_logon", "suspicious_ssh_session"]);
/** Alert types that mean the attacker ran code on the asset: its isolation is offered. */
const EXECUTION = new Set(["reverse_shell", "reverse_shell_socket", "mining_program", "mining_behaviour", "mining_pool", "malicious_process", "web_shell", "persistent_web_shell", "web_file_backdoor", "suspicious_ssh_session", "app_intrusion", "download_and_execute", "ld_preload", "backdoor_account_created"]);

export interface RecommendDeps {
  policies: IpPolicyService;
  /** PRC-1 intel lists naming a value (offline). */
  intel: (kind: "ip" | "domain" | "url" | "hash", value: string) => IntelMatch[];
}

export interface RecommendedItem {
  entityKey: string;
  kind: EntityKind;
  label: string;
  action: EventTaskAction;
  /** In the default plan: resolving with the selected items carries out the recommendation. */
  selected: boolean;
  assetIds: string[];
  /** The destination account (the event's by default). */
  accountId: string;
  validity: Validity | null;
  /** What the agent action gets (the address, the process's pid/start/hash, the file and its hash, the user). */
  target: Record<string, unknown>;
  why: string;
  /** Why it cannot be carried out, or null. */
  unavailable: string | null;
}

export interface Recommendation {
  risks: EntityRisk[];
  items: RecommendedItem[];
}

export const resolveItemSchema = z.object({
  entityKey: z.string().max(2000).describe("The entity (a key from GET /events/{id}/recommendations or /entities)."),
  action: z.enum(["block", "kill", "quarantine", "isolate", "lock"]),
  validity: z.enum(VALIDITIES as [Validity, ...Validity[]]).optional().describe("block, lock, isolate: the validity period (default: the recommendation's)."),
  assetIds: z.array(z.string().max(100)).min(1).max(100).optional().describe("The assets it runs on (default: the recommendation's; a block may name any asset of the destination account)."),
  accountId: z.string().max(100).optional().describe("The destination account (a block only): the event's, or a member account you manage; its assets are the default targets."),
}).strict();
export type ResolveItem = z.infer<typeof resolveItemSchema>;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined);
const sha256Of = (v: unknown): string | undefined => {
  const s = obj(v)?.sha256;
  return typeof s === "string" && /^[0-9a-f]{64}$/.test(s) ? s : undefined;
};
const exeOf = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v.replace(/ \(deleted\)$/, "") : undefined);
const validityMs = (v: Validity | null): number | null => (v === null || v === "permanent" ? null : parseDuration(v));
const forHow = (v: Validity | null) => (v === null ? "" : v === "permanent" ? " for good" : ` for ${v}`);

/**
 * The process entity `label` as an alert's own process (not one of its ancestors), when the alert
 * names enough to kill it safely and to find its file; labels are the executable, else the name.
 */
function processOf(a: Alert, label: string): { pid: number; start: number; sha256?: string; executable?: string; deleted: boolean } | null {
  const ev = a.evidence;
  const pid = ev["process.pid"], start = ev["process.start"];
  if (typeof pid !== "number" || typeof start !== "number") return null;
  const raw = ev["process.executable"];
  const executable = exeOf(raw);
  if ((executable ?? ev["process.name"]) !== label) return null;
  return { pid, start, sha256: sha256Of(ev["process.hash"]), executable, deleted: typeof raw === "string" && raw.endsWith(" (deleted)") };
}

interface Gathered {
  e: SecurityEvent;
  alerts: Alert[];
  entities: EventEntity[];
  byKey: Map<string, Alert[]>;
  compromised: Map<string, string>;
  agents: Map<string, Agent>;
}

async function gather(tx: Store, e: SecurityEvent): Promise<Gathered> {
  const alerts = (await eventAlerts(tx, e)).sort((a, b) => b.lastSeen - a.lastSeen);
  const entities = await tx.events.entities(e.id);
  const byKey = new Map<string, Alert[]>();
  const compromised = new Map<string, string>();
  for (const a of alerts) {
    for (const x of alertEntities(a).entities) {
      let l = byKey.get(x.key);
      if (!l) byKey.set(x.key, (l = []));
      l.push(a);
      if (x.kind === "account" && COMPROMISING.has(a.type) && !compromised.has(x.key)) {
        const from = a.sourceIp ?? (obj(a.evidence.session)?.sourceIp as string | undefined);
        compromised.set(x.key, from ? `was logged on to from attacker address ${normalizeIp(from) ?? from}` : `was used by the attacker (${a.name})`);
      }
    }
  }
  const agents = new Map((await tx.agents.list(e.accountId)).map((a) => [a.id, a]));
  return { e, alerts, entities, byKey, compromised, agents };
}

/** Succeeded actions of one type on an asset, newest first (the newest 200 of the asset). */
async function actionsOn(tx: Store, accountId: string, assetId: string): Promise<AgentAction[]> {
  return (await tx.actions.list(accountId, { agentId: assetId, limit: 200, offset: 0 })).items;
}

/** EVT-6 + EVT-7: the risk of each malicious (or compromised) entity of the event and the recommended handling. */
export async function recommend(tx: Store, e: SecurityEvent, deps: RecommendDeps, now: number): Promise<Recommendation> {
  const g = await gather(tx, e);
  const risks: EntityRisk[] = [];
  const items: RecommendedItem[] = [];
  const host = (id: string) => g.agents.get(id)?.hostname ?? id;

  for (const x of g.entities) {
    const compromisedBy = g.compromised.get(x.key);
    if (!x.malicious && !compromisedBy) continue;
    if (x.kind === "host") continue;
    const alerts = g.byKey.get(x.key) ?? [];
    const proc = x.kind === "process" ? alerts.map((a) => processOf(a, x.label)).find((p) => p !== null) ?? null : null;
    const fileHash = x.kind === "file" ? alerts.map((a) => sha256Of(a.evidence["file.hash"])).find((h) => h !== undefined) : undefined;

    // spread over 30 days: the events holding it and the assets they touched (an address is everywhere it attacked)
    const evs = await tx.events.eventsWithEntity(e.accountId, x.key, now - ENTITY_WINDOW, 200);
    const spreadAssets = x.assetId ? new Set([x.assetId]) : new Set(evs.flatMap((v) => v.assetIds).concat(e.assetIds));
    const hash = proc?.sha256 ?? fileHash;
    const intel = x.kind === "ip" || x.kind === "domain" || x.kind === "url" ? deps.intel(x.kind, x.label) : hash ? deps.intel("hash", hash) : [];

    let handled: EntityFacts["handled"] = null;
    if (x.kind === "ip") {
      let done = 0;
      for (const id of e.assetIds) if ((await tx.policies.findLive(id, x.label))?.status === "active") done++;
      handled = { done, of: e.assetIds.length, what: "blocked" };
    } else if (x.kind === "process" && x.assetId && proc) {
      const killed = (await actionsOn(tx, e.accountId, x.assetId)).some((a) => a.type === "kill_process" && a.status === "succeeded" && a.params.pid === proc.pid && a.params.start === proc.start);
      handled = { done: killed ? 1 : 0, of: 1, what: "killed" };
    } else if (x.kind === "file" && x.assetId) {
      const q = (await tx.quarantine.list(e.accountId, { assetId: x.assetId, state: "quarantined", limit: 500, offset: 0 })).items;
      handled = { done: q.some((f) => f.originalPath === x.label && (!fileHash || f.sha256 === fileHash)) ? 1 : 0, of: 1, what: "quarantined" };
    } else if (x.kind === "account" && x.assetId) {
      const last = (await actionsOn(tx, e.accountId, x.assetId)).find((a) => (a.type === "lock_account" || a.type === "unlock_account") && a.status === "succeeded" && a.params.user === x.label);
      handled = { done: last?.type === "lock_account" ? 1 : 0, of: 1, what: "locked" };
    }

    const risk = assessEntity({
      key: x.key, kind: x.kind, label: x.label, alerts: alerts.map((a) => ({ type: a.type, severity: a.severity, lastSeen: a.lastSeen, assetId: a.assetId })),
      compromisedBy, intel, spread: { events: Math.max(1, evs.length), assets: spreadAssets.size }, lastSeen: x.lastSeen, handled,
    }, now);
    risks.push(risk);

    const base = { entityKey: x.key, kind: x.kind, label: x.label, accountId: e.accountId };
    // a low risk is offered, not preselected; nothing is preselected where the handling already holds
    const selected = risk.suggestion.actions.length > 0 && risk.level !== "low";
    if (x.kind === "ip") {
      const ip = normalizeIp(x.label);
      const allowed = ip ? await deps.policies.allowedBy(tx, e.accountId, ip) : null;
      items.push({
        ...base, action: "block", selected: selected && !allowed && ip !== null, assetIds: [...e.assetIds], validity: defaultBlockValidity(risk.level), target: { ip: ip ?? x.label },
        why: `${risk.level} risk: ${risk.suggestion.text}`, unavailable: !ip ? "not an IP address" : allowed ? `${ip} is allowlisted (${allowed}); it is never blocked` : null,
      });
    } else if (x.kind === "process" && x.assetId) {
      const where = [x.assetId];
      items.push({
        ...base, action: "kill", selected: selected && proc !== null && !!proc.sha256, assetIds: where, validity: null, target: proc ? { pid: proc.pid, start: proc.start, sha256: proc.sha256 ?? null, executable: proc.executable ?? null } : {},
        why: `${risk.level} risk: kill process ${proc?.pid ?? "?"} on ${host(x.assetId)} (the agent checks its start time and hash first)`,
        unavailable: !proc ? "no alert names its pid and start time" : !proc.sha256 ? "no alert names its executable's hash (a reused pid could be killed)" : null,
      });
      const path = proc?.executable;
      items.push({
        ...base, action: "quarantine", selected: selected && !!path && !!proc?.sha256 && !proc.deleted && !SYSTEM_DIRS.test(path), assetIds: where, validity: null, target: { path: path ?? null, sha256: proc?.sha256 ?? null },
        why: `${risk.level} risk: move ${path ?? "its executable"} into the quarantine vault (restorable for 30 days)`,
        unavailable: !path || !proc?.sha256 ? "no alert names its executable with its hash" : proc.deleted ? "its executable was already deleted from disk" : SYSTEM_DIRS.test(path) ? `${path} is a system executable: it is never quarantined (reinstall its package if it was replaced)` : null,
      });
    } else if (x.kind === "file" && x.assetId) {
      items.push({
        ...base, action: "quarantine", selected: selected && !!fileHash && !SYSTEM_DIRS.test(x.label), assetIds: [x.assetId], validity: null, target: { path: x.label, sha256: fileHash ?? null },
        why: `${risk.level} risk: ${risk.suggestion.text}`,
        unavailable: !fileHash ? "no alert names the file's SHA-256" : SYSTEM_DIRS.test(x.label) ? `${x.label} is a system file: it is never quarantined` : null,
      });
    } else if (x.kind === "account" && x.assetId) {
      const inv = await tx.inventory.get(e.accountId, x.assetId);
      const uid0 = x.label === "root" || inv?.accounts.some((a) => a.name === x.label && a.uid === 0);
      const valid = lockAccountAction.shape.params.shape.user.safeParse(x.label).success;
      items.push({
        ...base, action: "lock", selected: selected && !uid0 && valid, assetIds: [x.assetId], validity: LOCK_VALIDITY, target: { user: x.label },
        why: `${risk.level} risk: ${risk.suggestion.text} (password locked and account expired; the agent unlocks it when the period ends)`,
        unavailable: uid0 ? `${x.label} has uid 0: it is never locked (it would lock the operators out); change its password instead` : !valid ? "not a local account name" : null,
      });
    }
  }

  // a host the attacker ran code on: isolation is offered, never preselected (it takes the server off the network)
  for (const assetId of e.assetIds) {
    const ran = g.alerts.filter((a) => a.assetId === assetId && EXECUTION.has(a.type));
    if (!ran.length) continue;
    items.push({
      entityKey: `host:${assetId}`, kind: "host", label: host(assetId), accountId: e.accountId, action: "isolate", selected: false, assetIds: [assetId], validity: ISOLATE_VALIDITY, target: {},
      why: `optional: the attacker ran code here (${[...new Set(ran.map((a) => a.type))].join(", ")}); isolation drops all traffic but the agent's channel`, unavailable: g.agents.get(assetId)?.revokedAt ? "the asset's agent is revoked" : null,
    });
  }
  const rank = { critical: 0, high: 1, medium: 2, low: 3 };
  risks.sort((a, b) => rank[a.level] - rank[b.level] || b.score - a.score || a.key.localeCompare(b.key));
  items.sort((a, b) => ORDER.indexOf(a.action) - ORDER.indexOf(b.action) || a.entityKey.localeCompare(b.entityKey));
  return { risks, items };
}

export interface ResolveOptions {
  actor: string;
  remark: string;
  /** Accounts the resolver may name as destination (its own and the member accounts it manages). */
  accounts: string[];
  /** RSP-3: the server's agent-channel address, kept open by an isolation. */
  channel?: { addresses: string[]; port: number };
  now: number;
}

export interface Resolution {
  event: SecurityEvent;
  resolutionId: string;
  tasks: EventTask[];
  /** Agents to wake after the commit. */
  wake: string[];
}

const refuse = (msg: string) => new UserError("conflict", ErrorCodes.ACTION_INVALID, msg);

/**
 * EVT-7 resolve: the chosen items (the recommendation's, edited) become tasks, all queued in the
 * caller's transaction — a refused item refuses the whole resolution. The event goes to
 * Handling, with an activity entry per task; if every task was already done it is Handled at once.
 */
export async function resolveEvent(tx: Store, e: SecurityEvent, chosen: ResolveItem[], deps: RecommendDeps, o: ResolveOptions): Promise<Resolution> {
  if (e.status === "handled") throw refuse("the event is Handled; a later alert opens a new event (reopen it with status unhandled to handle it again)");
  if (chosen.length === 0) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, "name at least one item to carry out");
  const rec = await recommend(tx, e, deps, o.now);
  const resolutionId = newId("res", o.now);
  const seen = new Set<string>();
  const plan: { item: RecommendedItem; accountId: string; assetIds: string[]; validity: Validity | null }[] = [];
  for (const c of chosen) {
    const item = rec.items.find((i) => i.entityKey === c.entityKey && i.action === c.action);
    if (!item) {
      const entity = rec.items.some((i) => i.entityKey === c.entityKey) || rec.risks.some((r) => r.key === c.entityKey);
      throw refuse(entity ? `${c.action} is not a handling of ${c.entityKey} (offered: ${rec.items.filter((i) => i.entityKey === c.entityKey).map((i) => i.action).join(", ") || "none"})` : `${c.entityKey} is no malicious entity of this event`);
    }
    if (item.unavailable) throw refuse(`${c.action} ${item.label}: ${item.unavailable}`);
    const accountId = c.accountId ?? e.accountId;
    if (accountId !== e.accountId) {
      if (c.action !== "block") throw refuse(`only a block can go to another account: a ${c.action} acts on what was seen on this account's asset`);
      if (!o.accounts.includes(accountId)) throw new UserError("forbidden", ErrorCodes.ACCOUNT_FORBIDDEN, `you do not manage account ${accountId}`);
    }
    if (c.validity !== undefined && item.validity === null) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, `${c.action} has no validity period`);
    let assetIds = c.assetIds ?? (accountId === e.accountId ? item.assetIds : (await tx.agents.list(accountId)).filter((a) => a.revokedAt === null).map((a) => a.id));
    assetIds = [...new Set(assetIds)];
    if (assetIds.length === 0) throw refuse(`account ${accountId} has no asset to ${c.action} on`);
    for (const id of assetIds) {
      const agent = await tx.agents.getIn(accountId, id);
      if (!agent) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no asset ${id} in account ${accountId}`);
      if (agent.revokedAt !== null) throw refuse(`the agent of ${agent.hostname} is revoked`);
      if (c.action !== "block" && !item.assetIds.includes(id)) throw refuse(`${c.action} ${item.label} runs only where it was seen (${item.assetIds.join(", ")})`);
    }
    const key = `${c.entityKey}\n${c.action}\n${accountId}`;
    if (seen.has(key)) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, `${c.action} ${item.label} is named twice`);
    seen.add(key);
    plan.push({ item, accountId, assetIds, validity: c.validity ?? item.validity });
  }
  plan.sort((a, b) => ORDER.indexOf(a.item.action) - ORDER.indexOf(b.item.action));

  const hostnames = new Map<string, string>();
  const hostOf = async (accountId: string, id: string) => {
    if (!hostnames.has(id)) hostnames.set(id, (await tx.agents.getIn(accountId, id))?.hostname ?? id);
    return hostnames.get(id)!;
  };
  const tasks: EventTask[] = [];
  const wake = new Set<string>();
  for (const p of plan) {
    const { item } = p;
    for (const assetId of p.assetIds) {
      const on = await hostOf(p.accountId, assetId);
      const task: EventTask = {
        id: newId("etk", o.now), resolutionId, eventId: e.id, accountId: e.accountId, targetAccountId: p.accountId, assetId, entityKey: item.entityKey, action: item.action,
        what: "", actionId: null, policyId: null, validityMs: validityMs(p.validity), status: "queued", result: null, createdBy: o.actor, createdAt: o.now, finishedAt: null,
      };
      const timeoutSeconds = task.validityMs === null ? undefined : Math.ceil(task.validityMs / 1000);
      const queue = async (type: AgentAction["type"], params: AgentAction["params"]) => {
        const a = await queueAgentAction(tx, { accountId: p.accountId, agentId: assetId, type, params }, o.now);
        task.actionId = a.id;
        wake.add(assetId);
      };
      const t = item.target;
      switch (item.action) {
        case "block": {
          const ip = t.ip as string;
          task.what = `block ${ip} on ${on}${forHow(p.validity)}`;
          const r = await deps.policies.block(tx, { accountId: p.accountId, assetId, ip, reason: `security event ${e.id}: ${e.title}`.slice(0, 300), alertId: null, createdBy: o.actor, duration: task.validityMs }, o.now);
          if (r.kind === "allowlisted") throw refuse(`${ip} is allowlisted (${r.entry}); it is never blocked`);
          task.policyId = r.policy.id;
          if (r.kind === "blocked") {
            task.actionId = r.action.id;
            wake.add(assetId);
          } else if (r.policy.status === "active") {
            Object.assign(task, { status: "succeeded", result: `already blocked by ${r.policy.id}`, finishedAt: o.now });
          } else {
            // a pending block: this task succeeds or fails with it
            const pending = (await tx.actions.list(p.accountId, { policyId: r.policy.id, limit: 20, offset: 0 })).items.find((a) => a.type === "block_ip" && (a.status === "queued" || a.status === "sent"));
            if (pending) task.actionId = pending.id;
            else Object.assign(task, { status: "succeeded", result: `already being blocked by ${r.policy.id}`, finishedAt: o.now });
          }
          break;
        }
        case "kill":
          task.what = `kill process ${t.pid as number} (${(t.executable as string | null) ?? item.label}) on ${on}`;
          await queue("kill_process", { pid: t.pid as number, start: t.start as number, sha256: t.sha256 as string });
          break;
        case "quarantine":
          task.what = `quarantine ${t.path as string} on ${on}`;
          await queue("quarantine_file", { path: t.path as string, sha256: t.sha256 as string });
          break;
        case "lock":
          task.what = `lock account ${t.user as string} on ${on}${forHow(p.validity)}`;
          await queue("lock_account", { user: t.user as string, ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }) });
          break;
        case "isolate":
          task.what = `isolate ${on}${forHow(p.validity)}`;
          await queue("isolate_host", { ...(o.channel?.addresses.length ? { serverAddresses: o.channel.addresses, serverPort: o.channel.port } : {}), ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }) });
          break;
      }
      await tx.eventTasks.insert(task);
      tasks.push(task);
      await tx.events.addActivity({ id: newId("eva", o.now), eventId: e.id, accountId: e.accountId, at: o.now, actor: o.actor, action: "task", detail: `${task.status === "queued" ? "queued" : task.status}: ${task.what}${task.actionId ? ` (${task.actionId})` : ""}`, remark: task.result ?? "" });
    }
  }
  const how = `resolution ${resolutionId}: ${tasks.length} task${tasks.length === 1 ? "" : "s"}`;
  const event = tasks.every((t) => t.status === "succeeded") ? await markEventHandled(tx, e, handledHow(tasks), o.actor, o.remark, o.now) : await markEventHandling(tx, e, how, o.actor, o.remark, o.now);
  return { event, resolutionId, tasks, wake: [...wake] };
}

/** The handling info Handled alerts carry: what the resolution did, bounded. */
function handledHow(tasks: EventTask[]): string {
  const text = `resolved: ${tasks.map((t) => t.what).join("; ")}`;
  return text.length > 480 ? `${text.slice(0, 479)}…` : text;
}

/**
 * EVT-7: an agent reported an action's result. The tasks it carries out are finished, the
 * result goes to the event's activity log, and the event moves on when the task belongs to its
 * newest resolution and it is still Handling: Failed at the first failed task (with its reason),
 * Handled (its alerts too, EVT-8) when all have succeeded. Runs in the result's transaction.
 */
export async function onEventTaskResult(tx: Store, a: AgentAction, now: number): Promise<void> {
  if (a.status !== "succeeded" && a.status !== "failed") return;
  for (const t of await tx.eventTasks.byAction(a.id)) {
    if (t.status !== "queued") continue;
    // a kill's aim is that the process no longer runs: gone already (its parent shell ended with the
    // miner it ran) or its pid reused by another process both reach it — neither is killed, nothing failed
    const gone = t.action === "kill" && a.status === "failed" && killNotRunning.test(a.result ?? "");
    const done: EventTask = { ...t, status: gone ? "succeeded" : a.status, result: gone ? `not running any more: ${a.result}` : a.result, finishedAt: now };
    await tx.eventTasks.update(done);
    const e = await tx.events.get(t.accountId, t.eventId);
    if (!e) continue;
    await tx.events.addActivity({ id: newId("eva", now), eventId: e.id, accountId: e.accountId, at: now, actor: `agent:${a.agentId}`, action: "task", detail: `${done.status}: ${t.what} (${a.id})`, remark: (a.result ?? "").slice(0, 1000) });
    if (e.status !== "handling") continue;
    const all = await tx.eventTasks.list(e.accountId, e.id);
    if (all.at(-1)?.resolutionId !== t.resolutionId) continue;
    const mine = all.filter((x) => x.resolutionId === t.resolutionId);
    const failed = mine.find((x) => x.status === "failed");
    if (failed) await markEventFailed(tx, e, `task failed: ${failed.what}: ${failed.result ?? "no reason given"}`.slice(0, 500), "system", "", now);
    else if (mine.every((x) => x.status === "succeeded")) await markEventHandled(tx, e, handledHow(mine), t.createdBy, "", now);
  }
}
