/** Domain types shared by every layer. Field names follow ECS where one exists. */

export type Severity = "low" | "medium" | "high" | "critical";
export const SEVERITIES: readonly Severity[] = ["low", "medium", "high", "critical"];

/** ALR-1 statuses. */
export type AlertStatus = "unhandled" | "handled" | "whitelisted_manual" | "whitelisted_auto" | "blocked" | "expired";

export interface Agent {
  id: string;
  accountId: string;
  hostname: string;
  version: string;
  os: string;
  enrolledAt: number;
  lastSeenAt: number | null;
  revokedAt: number | null;
  /** sha256 (hex) of the agent's secret; the secret itself is never stored. */
  credentialHash: string;
  /** Malformed records this agent sent that the server rejected. */
  rejectedRecords: number;
  /** Records the agent reported it had to drop (spool full). */
  droppedRecords: number;
}

export interface EnrolToken {
  id: string;
  accountId: string;
  tokenHash: string;
  note: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  usedByAgentId: string | null;
}

/** A telemetry record as stored: the validated body plus where and when it came from. */
export interface StoredRecord {
  agentId: string;
  id: string;
  kind: string;
  ts: number;
  receivedAt: number;
  body: unknown;
}

export interface Alert {
  id: string;
  accountId: string;
  assetId: string;
  type: string;
  ruleId: string;
  name: string;
  severity: Severity;
  status: AlertStatus;
  dedupKey: string;
  firstSeen: number;
  lastSeen: number;
  count: number;
  sourceIp: string | null;
  userName: string | null;
  attack: string[];
  evidence: Record<string, unknown>;
  triage: string;
  /** Why nothing was blocked, or which policy blocked it. */
  response: string | null;
  /** ALR-1 "Handled (with how)": block / ignore / mark handled / …, with who. */
  handledHow: string | null;
  /** The whitelist entry or rule that whitelisted it. */
  whitelistedBy: string | null;
  createdAt: number;
  updatedAt: number;
}

/** ALR-1: one status change of an alert — who, when, how, remark. */
export interface AlertTransition {
  id: string;
  accountId: string;
  alertId: string;
  at: number;
  from: AlertStatus;
  to: AlertStatus;
  actor: string;
  how: string;
  remark: string;
}

/** ALR-4: what whitelisting an alert stores — its type's whitelist fields with their values. */
export interface WhitelistEntry {
  id: string;
  accountId: string;
  alertType: string;
  fields: Record<string, string>;
  /** null = all assets, present and future. */
  assetId: string | null;
  sourceAlertId: string | null;
  createdBy: string;
  createdAt: number;
}

export type WhitelistOperator = "regex" | "contains" | "equals" | "greater" | "less";
export const WHITELIST_OPERATORS: readonly WhitelistOperator[] = ["regex", "contains", "equals", "greater", "less"];

/** ALR-6: a custom whitelist rule. Rules are OR-ed. */
export interface WhitelistRule {
  id: string;
  accountId: string;
  /** An alert type, or "*" for every type (the preview warns about such rules). */
  alertType: string;
  field: string;
  operator: WhitelistOperator;
  value: string;
  /** null = all assets, present and future. */
  assetId: string | null;
  note: string;
  createdBy: string;
  createdAt: number;
  deletedAt: number | null;
}

export type PolicyStatus = "pending" | "active" | "disabled" | "expired" | "failed";

/** BF-4: one blocking rule in the IP Policy Library. */
export interface IpPolicy {
  id: string;
  accountId: string;
  /** The asset whose firewall enforces it. */
  assetId: string;
  ip: string;
  status: PolicyStatus;
  reason: string;
  alertId: string | null;
  createdBy: string;
  createdAt: number;
  /** null = permanent. */
  expiresAt: number | null;
  updatedAt: number;
  lastResult: string | null;
}

export type ActionType = "block_ip" | "unblock_ip" | "run_baseline" | "kill_process" | "quarantine_file" | "restore_file" | "scan_web_files" | "isolate_host" | "release_host" | "web_deny_ip" | "web_allow_ip" | "lock_account" | "unlock_account";
export type ActionStatus = "queued" | "sent" | "succeeded" | "failed";

/** A typed response action queued for one agent (AGT-10). */
export interface AgentAction {
  id: string;
  accountId: string;
  agentId: string;
  type: ActionType;
  /** block_ip/unblock_ip: ip (+ timeoutSeconds); run_baseline: checks. */
  params: { ip?: string; timeoutSeconds?: number; checks?: string[]; pid?: number; start?: number; sha256?: string; path?: string; entryId?: string; serverAddresses?: string[]; serverPort?: number; user?: string };
  policyId: string | null;
  status: ActionStatus;
  createdAt: number;
  sentAt: number | null;
  finishedAt: number | null;
  result: string | null;
}

export interface AllowEntry {
  id: string;
  accountId: string;
  cidr: string;
  note: string;
  createdAt: number;
  createdBy: string;
}

export type Role = "admin" | "analyst" | "viewer";

export interface User {
  id: string;
  accountId: string;
  username: string;
  passwordHash: string;
  role: Role;
  createdAt: number;
  mustChangePassword: boolean;
  disabledAt: number | null;
}

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  /** The token's own role: at most its user's; the lower of the two applies. */
  role: Role;
  tokenHash: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export const DEFAULT_ACCOUNT = "default";

export const ROLES: readonly Role[] = ["viewer", "analyst", "admin"];
export const ROLE_RANK: Record<Role, number> = { viewer: 0, analyst: 1, admin: 2 };
export const minRole = (a: Role, b: Role): Role => (ROLE_RANK[a] <= ROLE_RANK[b] ? a : b);

/** EVT-11: who may own (handle) security events: analysts and admins, never viewers. */
export const canHandleEvents = (user: { role: Role; disabledAt?: number | null }): boolean => ROLE_RANK[user.role] >= ROLE_RANK.analyst && !user.disabledAt;

/** ACC-1: a tenant. A master account (no parent) may manage member accounts (parentId = it). */
export interface Account {
  id: string;
  name: string;
  parentId: string | null;
  createdAt: number;
}

/** A console sign-in: cookie secret (hashed) plus the CSRF token bound to it. */
export interface Session {
  idHash: string;
  userId: string;
  csrf: string;
  ip: string;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
}

export interface AuditEntry {
  id: string;
  accountId: string;
  at: number;
  /** "user:alice", "token:tok_… (alice)", "agent:ag_…", "system". */
  actor: string;
  ip: string | null;
  action: string;
  target: string | null;
  outcome: "success" | "failure" | "denied";
  details: Record<string, unknown>;
}

export type ChannelKind = "email" | "webhook" | "syslog";

/** ALR-9: where alerts are sent. `config` is validated per kind by the notifier. */
export interface NotificationChannel {
  id: string;
  accountId: string;
  name: string;
  kind: ChannelKind;
  config: Record<string, unknown>;
  /** Alerts below this severity are not sent. */
  minSeverity: Severity;
  /** Alert types sent; empty = all. */
  types: string[];
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export type OutboxStatus = "pending" | "sent" | "dead";

/** One notification to deliver, kept until it is delivered or given up (dead). */
export interface OutboxItem {
  id: string;
  accountId: string;
  channelId: string;
  alertId: string | null;
  payload: Record<string, unknown>;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
}

/** Where an address is, from the offline GeoIP database (LOG-1). */
export interface GeoLocation {
  /** ISO 3166-1 alpha-2. */
  country: string;
  region: string;
  city: string;
  lat: number | null;
  lon: number | null;
  /** Stable key at city level: "CC/Region/City". */
  key: string;
  /** For people: "City, Region, CC". */
  label: string;
}

export type LogonFactor = "location" | "ip" | "time" | "account";
export const LOGON_FACTORS: readonly LogonFactor[] = ["location", "ip", "time", "account"];

/** LOG-2/LOG-4: a location the asset learned to trust, and how. */
export interface ApprovedLocation {
  accountId: string;
  assetId: string;
  key: string;
  label: string;
  how: "learning" | "six_successes" | "operator";
  /** The address whose logon approved it (for "operator": the alert's source, or empty). */
  ip: string;
  approvedAt: number;
}

/**
 * LOG-6: an operator-set approval (or one added automatically when auto-update is on).
 * value: location "CC", "CC/Region" or "CC/Region/City"; ip an address or CIDR; account a
 * user name; time "HH:MM-HH:MM" with optional days "Mon-Fri " prefix, in `tz`.
 */
export interface LogonApproval {
  id: string;
  accountId: string;
  factor: LogonFactor;
  value: string;
  /** IANA zone of a time range (default UTC). */
  tz: string | null;
  /** Assets it applies to; null = every asset, present and future. */
  assetIds: string[] | null;
  source: "operator" | "auto";
  note: string;
  createdBy: string;
  createdAt: number;
}

/** BF-5: the latest run of a baseline check on an asset. */
export interface BaselineRun {
  accountId: string;
  assetId: string;
  check: string;
  ts: number;
  trigger: string;
  checked: number;
  skipped: { subject: string; reason: string }[];
  durationMs: number;
  findings: number;
  receivedAt: number;
}

export interface BaselineFinding {
  accountId: string;
  assetId: string;
  check: string;
  subject: string;
  reason: string;
  scheme: string;
  firstSeen: number;
  lastSeen: number;
}

/** AGT-7: the latest account inventory of an asset (accounts as the protocol's inventoryAccount). */
export interface InventorySnapshot {
  accountId: string;
  assetId: string;
  ts: number;
  uidMin: number;
  accounts: Array<{ name: string; uid: number; [k: string]: unknown }>;
  receivedAt: number;
}

/** RSP-2 / WS-7: one file in an agent's quarantine vault, as its vault records say. */
export interface QuarantinedFile {
  accountId: string;
  assetId: string;
  entryId: string;
  originalPath: string;
  sha256: string;
  md5: string | null;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  quarantinedAt: number;
  expiresAt: number;
  state: "quarantined" | "restored" | "purged";
  /** Agent time of the vault record that set the state. */
  stateTs: number;
  updatedAt: number;
}

/** EVT-1/EVT-4/EVT-5: something alerts share — what correlation joins on and the graph draws. */
export type EntityKind = "ip" | "host" | "account" | "process" | "file" | "domain" | "url";

/** An entity of an event: `key` is canonical (e.g. "ip:203.0.113.7", "file:<asset>:/var/www/x.php", "account:<asset>:root"). */
export interface EventEntity {
  key: string;
  kind: EntityKind;
  /** What an operator reads (an address, a path, a user name): attacker-controlled text. */
  label: string;
  /** The asset it lives on; null for entities that are not host-bound (an attacker IP, a domain). */
  assetId: string | null;
  /** Whether it is the attacker's or malicious (an attacker IP, a web shell, a miner), as opposed to a victim (an account, a host). */
  malicious: boolean;
  firstSeen: number;
  lastSeen: number;
}

/** EVT-4: an edge of the provenance graph, between entity keys. */
export interface EventEdge {
  from: string;
  to: string;
  relation: "logged_on_from" | "spawned" | "wrote" | "connected_to" | "resolved" | "attacked" | "ran_on";
  alertId: string;
  ts: number;
}

/** EVT-7/EVT-8: Unhandled, Handling (tasks running, alerts unchanged), Handled, Failed (a task failed). */
export type EventStatus = "unhandled" | "handling" | "handled" | "failed";

/** EVT-1/EVT-2: a security event — related alerts grouped, with what the overview shows. */
export interface SecurityEvent {
  id: string;
  accountId: string;
  title: string;
  status: EventStatus;
  /** The highest severity of its alerts, unless an operator changed it (EVT-12). */
  severity: Severity;
  severityOverride: Severity | null;
  ownerUserId: string | null;
  firstSeen: number;
  lastSeen: number;
  alertCount: number;
  assetIds: string[];
  /** ATT&CK tactic ids (TA00xx) and technique ids of its alerts, and the furthest kill-chain stage reached. */
  tactics: string[];
  techniques: string[];
  stage: string | null;
  /** Alert types that fed it (EVT-2 "alert sources"). */
  alertTypes: string[];
  /** The correlation rule ids that joined its alerts (why these alerts are one event). */
  joinedBy: string[];
  handledHow: string | null;
  handledAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** EVT-13: one change or task result in an event's activity log. */
export interface EventActivity {
  id: string;
  eventId: string;
  accountId: string;
  at: number;
  actor: string;
  /** e.g. "created", "alert_joined", "status", "severity", "owner", "task", "whitelist". */
  action: string;
  detail: string;
  remark: string;
}

/** EVT-7: what a resolution does to one entity (IP → block, file → quarantine, process → kill, host → isolate, account → lock). */
export type EventTaskAction = "block" | "kill" | "quarantine" | "isolate" | "lock";

/**
 * EVT-7 / RSP-1: one task of an event's resolution, on one asset: the agent action carrying it
 * out (a block: its IP policy's block_ip action) and its status and result.
 */
export interface EventTask {
  id: string;
  /** The tasks queued by one resolve share it; the event's newest resolution decides its status. */
  resolutionId: string;
  eventId: string;
  /** The event's account. */
  accountId: string;
  /** The destination account: whose asset it runs on (the event's, or a member account the resolver manages). */
  targetAccountId: string;
  assetId: string;
  entityKey: string;
  action: EventTaskAction;
  /** What it does, for people: "block 203.0.113.7 on web-1 for 1d". */
  what: string;
  actionId: string | null;
  policyId: string | null;
  /** ms; null = no validity period (or permanent). */
  validityMs: number | null;
  status: "queued" | "succeeded" | "failed";
  result: string | null;
  createdBy: string;
  createdAt: number;
  finishedAt: number | null;
}
