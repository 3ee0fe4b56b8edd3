import { SEVERITIES, type EntityKind, type EventTaskAction, type IntelMatch, type Severity } from "../core/index.ts";

/**
 * EVT-6 risk assessment of an event's malicious entities: offline (intel lists already loaded,
 * the store's own history) and explainable — every point of the score is a reason a person can
 * read. Pure: the caller gathers the facts (recommend.ts), this weighs them.
 *
 *   score = what it did (≤ 7) + worst alert severity (≤ 2) + reputation (≤ 4) + spread (≤ 3)
 *           + recency (−2 … +1) − already handled (≤ 4)
 *   critical ≥ 9, high ≥ 6, medium ≥ 3, else low.
 */
export type RiskLevel = "critical" | "high" | "medium" | "low";
export type RiskFactor = "behaviour" | "severity" | "reputation" | "spread" | "recency" | "handled";

export interface RiskReason {
  factor: RiskFactor;
  points: number;
  text: string;
}

/** What is known about one entity, gathered from the event, the store and the intel lists. */
export interface EntityFacts {
  key: string;
  kind: EntityKind;
  label: string;
  /** The alerts of the event naming it. */
  alerts: { type: string; severity: Severity; lastSeen: number; assetId: string }[];
  /** Why it is in the assessment when it is not itself malicious (a compromised account). */
  compromisedBy?: string;
  /** Intel list entries naming it (its address, domain, URL or file hash). */
  intel: IntelMatch[];
  /** Over the last 30 days across the account: events holding it and the assets they touched. */
  spread: { events: number; assets: number };
  lastSeen: number;
  /** Where its handling already holds, of the assets it would apply to. */
  handled: { done: number; of: number; what: string } | null;
}

export interface EntityRisk {
  key: string;
  kind: EntityKind;
  label: string;
  level: RiskLevel;
  score: number;
  /** The handling suggested; no actions when an agent can do nothing (a domain, a URL) or it is all done. */
  suggestion: { actions: EventTaskAction[]; text: string };
  reasons: RiskReason[];
}

/** What an alert type says the entity did, and how much that weighs. */
const BEHAVIOUR: Record<string, { points: number; did: string }> = {
  ssh_brute_force: { points: 2, did: "brute-forced logons" },
  rdp_brute_force: { points: 2, did: "brute-forced logons" },
  ftp_brute_force: { points: 2, did: "brute-forced logons" },
  mysql_brute_force: { points: 2, did: "brute-forced logons" },
  slow_brute_force: { points: 2, did: "brute-forced logons" },
  distributed_brute_force: { points: 1, did: "took part in a distributed brute force" },
  logon_scan_accounts: { points: 2, did: "probed many accounts" },
  logon_scan_hosts: { points: 2, did: "probed many hosts" },
  logon_after_brute_force: { points: 3, did: "logged on after guessing a password" },
  malicious_ip_logon: { points: 3, did: "logged on from a listed address" },
  backdoor_account_logon: { points: 3, did: "logged on with a backdoor account" },
  weak_password_logon: { points: 2, did: "logged on to an account with a weak password" },
  unusual_logon: { points: 1, did: "logged on from an unusual place" },
  suspicious_ssh_session: { points: 3, did: "ran intrusion commands in an SSH session" },
  download_and_execute: { points: 2, did: "downloaded and ran a program" },
  encoded_command: { points: 2, did: "ran an encoded command" },
  reverse_shell: { points: 4, did: "opened a reverse shell" },
  reverse_shell_socket: { points: 4, did: "opened a reverse shell" },
  mining_program: { points: 3, did: "ran a miner" },
  mining_behaviour: { points: 3, did: "ran a miner" },
  mining_pool: { points: 2, did: "connected to a mining pool" },
  malicious_process: { points: 3, did: "ran a known-malicious program" },
  malicious_ip: { points: 2, did: "talked to a listed address" },
  malicious_domain: { points: 2, did: "looked up a listed domain" },
  web_shell: { points: 3, did: "wrote a web shell" },
  persistent_web_shell: { points: 3, did: "wrote a web shell" },
  web_file_backdoor: { points: 3, did: "planted a backdoor in a web file" },
  suspicious_web_file: { points: 1, did: "wrote a suspicious web file" },
  app_intrusion: { points: 3, did: "broke into an application" },
  backdoor_account_created: { points: 3, did: "created a backdoor account" },
  sensitive_file: { points: 2, did: "tampered with a sensitive file" },
  ld_preload: { points: 3, did: "hijacked the dynamic loader" },
};
const MAX_BEHAVIOUR = 7;
const SEVERITY_POINTS: Record<Severity, number> = { critical: 2, high: 1, medium: 0, low: 0 };
const HOUR = 3_600_000, DAY = 24 * HOUR;

/** EVT-7: the built-in handling per entity type (nothing for a host here: isolation is offered per asset). */
export const POLICY_BY_KIND: Partial<Record<EntityKind, { actions: EventTaskAction[]; text: string }>> = {
  ip: { actions: ["block"], text: "block it on the host firewall of every affected asset" },
  process: { actions: ["kill", "quarantine"], text: "kill the process and quarantine its executable" },
  file: { actions: ["quarantine"], text: "quarantine the file (restorable for 30 days)" },
  account: { actions: ["lock"], text: "lock the account until its credential is changed" },
};

export function levelOf(score: number): RiskLevel {
  return score >= 9 ? "critical" : score >= 6 ? "high" : score >= 3 ? "medium" : "low";
}

const ago = (ms: number) => (ms < 2 * HOUR ? `${Math.max(1, Math.round(ms / 60_000))} min` : ms < 2 * DAY ? `${Math.round(ms / HOUR)} h` : `${Math.round(ms / DAY)} days`);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** EVT-6: one entity's level, suggestion and reasons. */
export function assessEntity(f: EntityFacts, now: number): EntityRisk {
  const reasons: RiskReason[] = [];

  // what it did: each distinct behaviour once, strongest first
  const did = new Map<string, number>();
  for (const a of f.alerts) {
    const b = BEHAVIOUR[a.type];
    if (b) did.set(b.did, Math.max(did.get(b.did) ?? 0, b.points));
  }
  if (f.compromisedBy) did.set(f.compromisedBy, Math.max(did.get(f.compromisedBy) ?? 0, 3));
  const done = [...did].sort((a, b) => b[1] - a[1]);
  const behaviour = Math.min(MAX_BEHAVIOUR, done.reduce((s, [, p]) => s + p, 0));
  if (done.length) reasons.push({ factor: "behaviour", points: behaviour, text: `it ${done.map(([d]) => d).join(", ")}` });
  else reasons.push({ factor: "behaviour", points: 0, text: `named by ${plural(f.alerts.length, "alert")} of types Hostward weighs no behaviour for` });

  const worst = f.alerts.map((a) => a.severity).sort((a, b) => SEVERITIES.indexOf(b) - SEVERITIES.indexOf(a))[0];
  if (worst) reasons.push({ factor: "severity", points: SEVERITY_POINTS[worst], text: `its worst alert is ${worst}` });

  // reputation: the lists that name it, the first weighs most
  const lists = [...new Map(f.intel.map((m) => [`${m.list}\n${m.category}`, m])).values()];
  if (lists.length) {
    const points = Math.min(4, 3 + (lists.length - 1));
    reasons.push({ factor: "reputation", points, text: `named by ${plural(lists.length, "intel list")}: ${lists.slice(0, 5).map((m) => `${m.list} (${m.category})`).join(", ")}` });
  } else reasons.push({ factor: "reputation", points: 0, text: "no intel list names it" });

  // spread: across assets and repeat events of the last 30 days
  const spread = (f.spread.assets >= 5 ? 2 : f.spread.assets >= 2 ? 1 : 0) + (f.spread.events >= 2 ? 1 : 0);
  reasons.push({ factor: "spread", points: spread, text: `seen on ${plural(f.spread.assets, "asset")} in ${plural(f.spread.events, "event")} over the last 30 days` });

  const age = now - f.lastSeen;
  const recency = age <= HOUR ? 1 : age > 7 * DAY ? -2 : 0;
  reasons.push({ factor: "recency", points: recency, text: age <= HOUR ? "active within the last hour" : `last seen ${ago(age)} ago` });

  const policy = POLICY_BY_KIND[f.kind];
  let suggestion = policy ? { actions: [...policy.actions], text: policy.text } : { actions: [], text: f.kind === "domain" || f.kind === "url" ? "no agent action: block it at your DNS resolver or web proxy" : "no action for this kind of entity" };
  if (f.handled && f.handled.of > 0 && f.handled.done > 0) {
    const all = f.handled.done >= f.handled.of;
    reasons.push({ factor: "handled", points: all ? -4 : -1, text: `${f.handled.what} on ${f.handled.done} of ${plural(f.handled.of, "asset")}` });
    if (all) suggestion = { actions: [], text: `nothing more: ${f.handled.what} on every asset it applies to` };
  }

  const score = reasons.reduce((s, r) => s + r.points, 0);
  const level = levelOf(score);
  if (suggestion.actions.length && level === "low") suggestion = { ...suggestion, text: `optional: ${suggestion.text}` };
  return { key: f.key, kind: f.kind, label: f.label, level, score, suggestion, reasons };
}

/** EVT-6 / EVT-7: the validity period a block gets by default, longer the riskier the address. */
export function defaultBlockValidity(level: RiskLevel): "6h" | "12h" | "1d" | "7d" {
  return level === "critical" ? "7d" : level === "high" ? "1d" : level === "medium" ? "12h" : "6h";
}
