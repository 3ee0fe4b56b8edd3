import type { ApprovedLocation, LogonApproval, BaselineRun, BaselineFinding, InventorySnapshot, QuarantinedFile, SecurityEvent, EventEntity, EventEdge, EventActivity, EventStatus, EventTask } from "./model.ts";
import type { NotificationChannel, OutboxItem, OutboxStatus, AlertTransition, WhitelistEntry, WhitelistRule } from "./model.ts";
import type { Account, Agent, AgentAction, Alert, AlertStatus, AllowEntry, ApiToken, AuditEntry, EnrolToken, IpPolicy, PolicyStatus, Role, Session, StoredRecord, User, ActionStatus, Severity } from "./model.ts";

/**
 * Store ports. Every adapter (SQLite now, PostgreSQL later) implements them and
 * runs the same contract suite (src/store/store.contract.ts).
 *
 * ACC-1: whatever an API user can reach takes the account id first and never returns
 * another account's rows. Unscoped lookups exist only for the agent channel (an agent
 * authenticates by its own id) and for the server's internal jobs.
 */

export interface Page<T> { items: T[]; total: number }

export interface AgentStore {
  insert(a: Agent): Promise<void>;
  /** Unscoped: the agent channel authenticates an agent by its id. */
  get(id: string): Promise<Agent | null>;
  getIn(accountId: string, id: string): Promise<Agent | null>;
  list(accountId: string): Promise<Agent[]>;
  touch(id: string, at: number, patch?: { version?: string; hostname?: string }): Promise<void>;
  revoke(accountId: string, id: string, at: number): Promise<boolean>;
  addCounters(id: string, c: { rejected?: number; dropped?: number }): Promise<void>;
}

export interface EnrolTokenStore {
  insert(t: EnrolToken): Promise<void>;
  findByHash(hash: string): Promise<EnrolToken | null>;
  /** Marks the token used; false if it was already used (one-time). */
  consume(id: string, agentId: string, at: number): Promise<boolean>;
  list(accountId: string): Promise<EnrolToken[]>;
}

export interface TelemetryStore {
  /** Inserts records not seen before (unique on agentId+id); returns the ones that were new. */
  insertNew(records: StoredRecord[]): Promise<StoredRecord[]>;
  count(agentId?: string): Promise<number>;
  /** Records with ts >= since, oldest first (used to warm detection state after a restart). */
  since(since: number, limit: number): Promise<StoredRecord[]>;
  /** An agent's newest records of one kind, newest first, no total counted (AGT-3/AGT-4 views). */
  recent(agentId: string, kind: string, limit: number): Promise<StoredRecord[]>;
  /** Records of the account's agents. */
  list(accountId: string, q: { agentId?: string; kind?: string; limit: number; offset: number }): Promise<Page<StoredRecord>>;
}

export interface AlertQuery {
  type?: string;
  severity?: Severity;
  status?: AlertStatus;
  assetId?: string;
  sourceIp?: string;
  from?: number;
  to?: number;
  text?: string;
  limit: number;
  offset: number;
  /** Keyset paging: continue after this (lastSeen, id), newest first. Stable while alerts arrive. */
  after?: { lastSeen: number; id: string };
}

export interface AlertCounts { total: number; byStatus: Record<string, number>; bySeverity: Record<string, number> }

export interface AlertStore {
  insert(a: Alert): Promise<void>;
  get(accountId: string, id: string): Promise<Alert | null>;
  /** The newest alert with this asset+dedup key that is not Expired (ALR-2, ALR-3). */
  findOpen(assetId: string, dedupKey: string): Promise<Alert | null>;
  update(a: Alert): Promise<void>;
  list(accountId: string, q: AlertQuery): Promise<Page<Alert>>;
  /** Counts per status and severity for the same filters (status/severity filters ignored for their own breakdown). */
  counts(accountId: string, q: Omit<AlertQuery, "limit" | "offset" | "after">): Promise<AlertCounts>;
  /** Whether any alert (expired ones too) ever had this asset+dedup key: "notify only the first time". */
  everHad(assetId: string, dedupKey: string): Promise<boolean>;
  /** Distinct evidence keys seen on recent alerts of a type (field discovery). */
  evidenceKeys(accountId: string, type: string, sample: number): Promise<string[]>;
  /** Alerts whose last occurrence is before `before` and are not Expired yet (all accounts: a server job). */
  listStale(before: number, limit: number): Promise<Alert[]>;
}

export interface PolicyStore {
  insert(p: IpPolicy): Promise<void>;
  get(accountId: string, id: string): Promise<IpPolicy | null>;
  update(p: IpPolicy): Promise<void>;
  list(accountId: string, q: { status?: PolicyStatus; ip?: string; assetId?: string; limit: number; offset: number }): Promise<Page<IpPolicy>>;
  /** The pending/active policy for this ip on this asset, if any. */
  findLive(assetId: string, ip: string): Promise<IpPolicy | null>;
  /** Live policies whose expiresAt <= now (all accounts: a server job). */
  listDue(now: number): Promise<IpPolicy[]>;
}

export interface ActionStore {
  insert(a: AgentAction): Promise<void>;
  get(accountId: string, id: string): Promise<AgentAction | null>;
  /** Queued actions of an agent, oldest first; marks them sent. */
  takeQueued(agentId: string, at: number, max: number): Promise<AgentAction[]>;
  /** Sent actions older than `before` go back to queued (the agent did not answer). */
  requeueStale(before: number): Promise<number>;
  finish(id: string, agentId: string, status: Extract<ActionStatus, "succeeded" | "failed">, result: string, at: number): Promise<AgentAction | null>;
  list(accountId: string, q: { agentId?: string; policyId?: string; limit: number; offset: number }): Promise<Page<AgentAction>>;
}

export interface AllowlistStore {
  insert(e: AllowEntry): Promise<void>;
  remove(accountId: string, id: string): Promise<boolean>;
  list(accountId: string): Promise<AllowEntry[]>;
}

export interface UserStore {
  insert(u: User): Promise<void>;
  /** Unscoped: a session or token names its user. */
  get(id: string): Promise<User | null>;
  getIn(accountId: string, id: string): Promise<User | null>;
  /** User names are unique across accounts (sign-in does not ask for an account). */
  findByName(username: string): Promise<User | null>;
  list(accountId: string): Promise<User[]>;
  count(): Promise<number>;
  updatePassword(id: string, hash: string, mustChange: boolean): Promise<void>;
  update(accountId: string, id: string, patch: { role?: Role; disabledAt?: number | null }): Promise<boolean>;
}

export interface ApiTokenStore {
  insert(t: ApiToken): Promise<void>;
  findByHash(hash: string): Promise<ApiToken | null>;
  revoke(id: string, at: number): Promise<boolean>;
  get(id: string): Promise<ApiToken | null>;
  touch(id: string, at: number): Promise<void>;
  listForUser(userId: string): Promise<ApiToken[]>;
}

/** Server-wide settings (not an account's). */
export interface SettingsStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
}

/** An account's own settings (defence switch, …). */
export interface AccountSettingsStore {
  get<T>(accountId: string, key: string): Promise<T | undefined>;
  set(accountId: string, key: string, value: unknown): Promise<void>;
}

export interface AccountStore {
  insert(a: Account): Promise<void>;
  get(id: string): Promise<Account | null>;
  /** The account and the member accounts it manages. */
  listManaged(id: string): Promise<Account[]>;
}

export interface SessionStore {
  insert(s: Session): Promise<void>;
  get(idHash: string): Promise<Session | null>;
  touch(idHash: string, at: number): Promise<void>;
  remove(idHash: string): Promise<void>;
  removeForUser(userId: string, exceptIdHash?: string): Promise<number>;
}

/** Failed sign-ins and the sources a user signed in from, for lock-out (ACC-2). */
export interface LoginStore {
  addFailure(username: string, ip: string, at: number): Promise<void>;
  failuresForUserFrom(username: string, ip: string, since: number): Promise<number>;
  failuresFrom(ip: string, since: number): Promise<number>;
  failuresForUser(username: string, since: number): Promise<number>;
  /** The time of the oldest failure still counting, to say when a lock ends. */
  oldestFailure(q: { username?: string; ip?: string }, since: number): Promise<number | null>;
  clearFailures(username: string, ip: string): Promise<void>;
  markKnownSource(userId: string, ip: string, at: number): Promise<void>;
  isKnownSource(userId: string, ip: string, since: number): Promise<boolean>;
}

export interface AuditQuery { action?: string; actor?: string; from?: number; to?: number; limit: number; offset: number }

export interface AuditStore {
  insert(e: AuditEntry): Promise<void>;
  list(accountId: string, q: AuditQuery): Promise<Page<AuditEntry>>;
}

export interface AlertTransitionStore {
  insert(t: AlertTransition): Promise<void>;
  list(accountId: string, alertId: string): Promise<AlertTransition[]>;
}

export interface WhitelistStore {
  insertEntry(e: WhitelistEntry): Promise<void>;
  listEntries(accountId: string, alertType?: string): Promise<WhitelistEntry[]>;
  /** Removes the entries a whitelisted alert created (ALR-5). */
  deleteEntriesFromAlert(accountId: string, alertId: string): Promise<number>;
  deleteEntry(accountId: string, id: string): Promise<boolean>;
  insertRule(r: WhitelistRule): Promise<void>;
  /** Live (not deleted) rules. */
  listRules(accountId: string): Promise<WhitelistRule[]>;
  getRule(accountId: string, id: string): Promise<WhitelistRule | null>;
  /** ALR-7: a deleted rule stops matching new alerts; alerts it whitelisted stay so. */
  deleteRule(accountId: string, id: string, at: number): Promise<boolean>;
}

export interface NotificationStore {
  insertChannel(c: NotificationChannel): Promise<void>;
  updateChannel(c: NotificationChannel): Promise<void>;
  deleteChannel(accountId: string, id: string): Promise<boolean>;
  getChannel(accountId: string, id: string): Promise<NotificationChannel | null>;
  listChannels(accountId: string): Promise<NotificationChannel[]>;
  enqueue(items: OutboxItem[]): Promise<void>;
  /** Pending items whose next attempt is due, oldest first (all accounts: the dispatcher). */
  due(now: number, limit: number): Promise<OutboxItem[]>;
  markSent(id: string, at: number): Promise<void>;
  markRetry(id: string, attempts: number, nextAttemptAt: number, error: string): Promise<void>;
  markDead(id: string, attempts: number, error: string): Promise<void>;
  listOutbox(accountId: string, q: { status?: OutboxStatus; channelId?: string; alertId?: string; limit: number; offset: number }): Promise<Page<OutboxItem>>;
}

/** A time window [from, to) in ms, and optionally the alert types to count. */
export interface StatsQuery { from: number; to: number; types?: string[] }
export interface DayCount { /** UTC midnight (ms) of the day. */ day: number; key: string; n: number }
export interface AlertTop { key: string; alerts: number; /** Sum of the alerts' counts (attempts). */ attempts: number; spread: number; lastSeen: number }

/**
 * Read-only aggregates for the console's charts (account-scoped, ACC-1). Day buckets
 * are UTC days of an alert's first occurrence; tops count alerts active in the window.
 */
export interface StatsStore {
  /** Alerts first seen in the window, per UTC day and per value of `by`. */
  alertsPerDay(accountId: string, by: "severity" | "status" | "type", q: StatsQuery): Promise<DayCount[]>;
  /** IP policies (blocks) created in the window per UTC day; key is the policy's current status. */
  blocksPerDay(accountId: string, q: Omit<StatsQuery, "types">): Promise<DayCount[]>;
  /** Assets by alerts active in the window; spread = distinct source addresses. */
  topAssets(accountId: string, q: StatsQuery & { limit: number }): Promise<AlertTop[]>;
  /** Source addresses by alerts active in the window; spread = distinct assets hit. */
  topSources(accountId: string, q: StatsQuery & { limit: number }): Promise<AlertTop[]>;
  /** Of these addresses, the blocks each has: live (pending/active) and all. */
  blocksOf(accountId: string, ips: string[]): Promise<Record<string, { live: number; total: number }>>;
  /** Blocks created in the window per asset. */
  blocksPerAsset(accountId: string, q: Omit<StatsQuery, "types">): Promise<Record<string, number>>;
  /** Alerts per status and severity now; live blocks; agents seen since `onlineSince` (not revoked). */
  totals(accountId: string, onlineSince: number): Promise<{ unhandled: number; unhandledCritical: number; liveBlocks: number; pendingBlocks: number; assetsOnline: number; assetsOffline: number }>;
}

/** LOG-1 … LOG-6: what each asset learned about its logons, and the operators' approvals. */
export interface LogonStore {
  /** When the asset's 24-hour learning began (its first public-IP success), or null. */
  learningStartedAt(assetId: string): Promise<number | null>;
  /** Sets it if not set yet; returns the (first) start. */
  startLearning(accountId: string, assetId: string, at: number): Promise<number>;
  approvedLocations(assetId: string): Promise<ApprovedLocation[]>;
  /** Inserts unless the asset already approved the key; false if it had. */
  approveLocation(l: ApprovedLocation): Promise<boolean>;
  /** Learned locations of the account's assets (one asset when given). */
  listLocations(accountId: string, assetId?: string): Promise<ApprovedLocation[]>;
  revokeLocation(accountId: string, assetId: string, key: string): Promise<boolean>;
  /** Counts `n` (default one) more successful logons of this ip/user on the asset, the last at `at`; returns the total including them. */
  countSuccess(accountId: string, assetId: string, kind: "ip" | "user", value: string, at: number, n?: number): Promise<number>;
  insertApproval(a: LogonApproval): Promise<void>;
  listApprovals(accountId: string): Promise<LogonApproval[]>;
  deleteApproval(accountId: string, id: string): Promise<boolean>;
}

export interface BaselineStore {
  /** Replaces the asset's findings of the run's check with these (a fixed password clears at once); returns what changed. */
  replace(run: BaselineRun, findings: Array<Pick<BaselineFinding, "subject" | "reason" | "scheme">>): Promise<{ added: string[]; cleared: string[] }>;
  findings(accountId: string, q: { assetId?: string; check?: string }): Promise<BaselineFinding[]>;
  runs(accountId: string, q: { assetId?: string; check?: string }): Promise<BaselineRun[]>;
  /** Unscoped (ingest): the asset's finding for one subject. */
  finding(assetId: string, check: string, subject: string): Promise<BaselineFinding | null>;
}

export interface InventoryStore {
  /** Stores the asset's latest inventory; returns the one it replaces. */
  put(s: InventorySnapshot): Promise<InventorySnapshot | null>;
  /** Unscoped (ingest). */
  latest(assetId: string): Promise<InventorySnapshot | null>;
  get(accountId: string, assetId: string): Promise<InventorySnapshot | null>;
}

export interface QuarantineStore {
  /**
   * Applies one vault record of an asset (its whole vault at agent time `ts`): entries in it are
   * quarantined; entries no longer in it were restored (when listed in `restoredIds`) or purged.
   * A record older than the state it would change is ignored. Returns the entry ids whose state changed.
   */
  sync(s: { accountId: string; assetId: string; ts: number; entries: Omit<QuarantinedFile, "accountId" | "assetId" | "state" | "stateTs" | "updatedAt">[]; restoredIds: string[] }, now: number): Promise<string[]>;
  list(accountId: string, q: { assetId?: string; state?: QuarantinedFile["state"]; limit: number; offset: number }): Promise<{ items: QuarantinedFile[]; total: number }>;
  get(accountId: string, assetId: string, entryId: string): Promise<QuarantinedFile | null>;
}

/** EVT-1 … EVT-13: security events and what they hold; correlation state lives here, not in a worker's memory. */
export interface EventStore {
  insert(e: SecurityEvent): Promise<void>;
  update(e: SecurityEvent): Promise<void>;
  get(accountId: string, id: string): Promise<SecurityEvent | null>;
  list(accountId: string, q: EventQuery): Promise<Page<SecurityEvent>>;
  /** Adds an alert to an event (idempotent); an alert belongs to at most one event. */
  addAlert(eventId: string, alertId: string, at: number): Promise<void>;
  /** Removes an alert from its event (EVT-9 whitelisting). */
  removeAlert(eventId: string, alertId: string): Promise<void>;
  /** The event an alert belongs to, if any (unscoped: ingest). */
  eventOfAlert(alertId: string): Promise<string | null>;
  alertIds(eventId: string): Promise<string[]>;
  /** Adds or refreshes entities (by key: lastSeen grows, malicious only turns true) and edges (deduplicated by from/to/relation/alert). */
  upsertEntities(eventId: string, accountId: string, entities: EventEntity[], edges: EventEdge[]): Promise<void>;
  entities(eventId: string): Promise<EventEntity[]>;
  edges(eventId: string): Promise<EventEdge[]>;
  /**
   * EVT-1: open events (Unhandled, Handling or Failed) of the account holding any of these entity
   * keys, each seen since `since` (the key's own lastSeen in that event) — the join candidates, newest first.
   */
  findOpenByEntities(accountId: string, keys: string[], since: number): Promise<Array<{ eventId: string; key: string; lastSeen: number }>>;
  /** EVT-5: events, newest first, holding this entity key since `since`. */
  eventsWithEntity(accountId: string, key: string, since: number, limit: number): Promise<SecurityEvent[]>;
  addActivity(a: EventActivity): Promise<void>;
  activity(accountId: string, eventId: string): Promise<EventActivity[]>;
  /**
   * EVT-3: deletes events last seen before `before` (all accounts, a server job) with their links,
   * entities, edges and activity, and those of their alerts last seen before `before` (with the
   * alerts' transitions); returns how many events.
   */
  purgeBefore(before: number, limit: number): Promise<number>;
  /** EVT-1: an alert bridged two open events: everything of `fromId` (alerts, entities merged by key, edges, activity) moves to `intoId`, and `fromId` is deleted. */
  merge(fromId: string, intoId: string): Promise<void>;
  /** EVT-9: drops an event's entities and edges, before they are rebuilt from the alerts it still holds. */
  clearEntities(eventId: string): Promise<void>;
  /**
   * A recurring alert (ingest, per record): the event's lastSeen and these entity keys' lastSeen move
   * to `lastSeen`, only when the event's is at least `minStep` ms older (bounds the writes); true if it moved.
   */
  touch(eventId: string, keys: string[], lastSeen: number, now: number, minStep: number): Promise<boolean>;
}

/** EVT-7 / RSP-1: the tasks of event resolutions. */
export interface EventTaskStore {
  insert(t: EventTask): Promise<void>;
  update(t: EventTask): Promise<void>;
  /** The task an agent action carries out (unscoped: the agent channel reports by action id). */
  byAction(actionId: string): Promise<EventTask[]>;
  /** An event's tasks, oldest first. */
  list(accountId: string, eventId: string): Promise<EventTask[]>;
}

export interface EventQuery {
  from?: number;
  to?: number;
  status?: EventStatus[];
  severity?: Severity[];
  assetId?: string;
  ownerUserId?: string;
  /** Matches the title, entity labels and attacker IPs (a substring, case-insensitive). */
  text?: string;
  limit: number;
  offset: number;
}

/** Issue 10: a lease one worker of a cluster holds at a time (jobs, bus partitions). */
export interface Lease {
  name: string;
  holder: string;
  /** Grows each time the lease changes hands (fencing). */
  epoch: number;
  expiresAt: number;
}

/** Issue 10: a server worker as the others see it (heartbeats). */
export interface WorkerInfo {
  id: string;
  startedAt: number;
  seenAt: number;
  info: Record<string, unknown>;
}

/** Issue 10: what the workers of a cluster agree on — leases, processed bus messages, who is alive. */
export interface CoordinationStore {
  /** Takes the lease when it is free, expired or already `holder`'s (then renews it); null while another holds it. */
  acquireLease(name: string, holder: string, now: number, ttlMs: number): Promise<Lease | null>;
  /** Gives the lease up at once (true when `holder` had it). */
  releaseLease(name: string, holder: string): Promise<boolean>;
  /**
   * In a transaction, before its commit: does `holder` still hold the lease at `epoch`? On
   * PostgreSQL the lease row stays locked until the commit, so no other worker takes it meanwhile.
   */
  holdsLease(name: string, holder: string, epoch: number): Promise<boolean>;
  /** Leases whose names start with `prefix`. */
  leases(prefix: string): Promise<Lease[]>;
  heartbeat(w: WorkerInfo): Promise<void>;
  /** Workers seen at or after `seenSince`, oldest start first. */
  workers(seenSince: number): Promise<WorkerInfo[]>;
  removeWorker(id: string): Promise<void>;
  /**
   * Marks bus messages processed by a consumer, in the transaction that commits their results;
   * returns the keys not marked before (a redelivered message's key is not among them).
   */
  markProcessed(consumer: string, keys: string[], now: number): Promise<Set<string>>;
  /** Keys a consumer marked at or after `since` (its state is rebuilt from these records only). */
  processed(consumer: string, since: number): Promise<Set<string>>;
  /** Forgets marks older than `before` (the bus's duplicate horizon is far shorter). */
  purgeProcessed(before: number): Promise<number>;
}

export interface Store {
  readonly agents: AgentStore;
  readonly enrolTokens: EnrolTokenStore;
  readonly telemetry: TelemetryStore;
  readonly alerts: AlertStore;
  readonly policies: PolicyStore;
  readonly actions: ActionStore;
  readonly allowlist: AllowlistStore;
  readonly users: UserStore;
  readonly apiTokens: ApiTokenStore;
  readonly settings: SettingsStore;
  readonly accountSettings: AccountSettingsStore;
  readonly accounts: AccountStore;
  readonly sessions: SessionStore;
  readonly logins: LoginStore;
  readonly audit: AuditStore;
  readonly notifications: NotificationStore;
  readonly transitions: AlertTransitionStore;
  readonly whitelist: WhitelistStore;
  readonly stats: StatsStore;
  readonly logon: LogonStore;
  readonly baseline: BaselineStore;
  readonly inventory: InventoryStore;
  readonly quarantine: QuarantineStore;
  readonly events: EventStore;
  readonly eventTasks: EventTaskStore;
  readonly coordination: CoordinationStore;
  /** Runs fn atomically: all or nothing. Nested calls join the outer transaction. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** LOG-1/LOG-5: offline GeoIP. Never locates private, loopback or documentation addresses. */
export interface GeoIpReader {
  locate(ip: string): import("./model.ts").GeoLocation | null;
}

/** LOG-8/PRC-1: is an address on an intel list of malicious IPs? */
export interface IpReputationReader {
  lookup(ip: string): { list: string; provenance: string } | null;
}

/** PRC-1: one intel list entry that matched. */
export interface IntelMatch { list: string; category: string; provenance: string }

/** PRC-1: what the server asks the intel lists about host telemetry. */
export interface IndicatorReader {
  ip(ip: string): IntelMatch[];
  domain(name: string): IntelMatch[];
  hash(hex: string): IntelMatch[];
  /** Typical mining-pool (stratum) ports. */
  port(port: number): IntelMatch[];
  processName(name: string): IntelMatch[];
  /** Command-line tokens (miner flags, pool URL schemes) found in the text. */
  tokens(commandLine: string): IntelMatch[];
}
