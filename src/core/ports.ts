import type { Agent, AgentAction, Alert, AlertStatus, AllowEntry, ApiToken, EnrolToken, IpPolicy, PolicyStatus, StoredRecord, User, ActionStatus, Severity } from "./model.ts";

/**
 * Store ports. Every adapter (SQLite now, PostgreSQL later) implements them and
 * runs the same contract suite (src/store/store.contract.ts).
 */

export interface Page<T> { items: T[]; total: number }

export interface AgentStore {
  insert(a: Agent): Promise<void>;
  get(id: string): Promise<Agent | null>;
  list(): Promise<Agent[]>;
  touch(id: string, at: number, patch?: { version?: string; hostname?: string }): Promise<void>;
  revoke(id: string, at: number): Promise<boolean>;
  addCounters(id: string, c: { rejected?: number; dropped?: number }): Promise<void>;
}

export interface EnrolTokenStore {
  insert(t: EnrolToken): Promise<void>;
  findByHash(hash: string): Promise<EnrolToken | null>;
  /** Marks the token used; false if it was already used (one-time). */
  consume(id: string, agentId: string, at: number): Promise<boolean>;
  list(): Promise<EnrolToken[]>;
}

export interface TelemetryStore {
  /** Inserts records not seen before (unique on agentId+id); returns the ones that were new. */
  insertNew(records: StoredRecord[]): Promise<StoredRecord[]>;
  count(agentId?: string): Promise<number>;
  /** Records with ts >= since, oldest first (used to warm detection state after a restart). */
  since(since: number, limit: number): Promise<StoredRecord[]>;
  list(q: { agentId?: string; kind?: string; limit: number; offset: number }): Promise<Page<StoredRecord>>;
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
}

export interface AlertStore {
  insert(a: Alert): Promise<void>;
  get(id: string): Promise<Alert | null>;
  /** The newest alert with this asset+dedup key that is not Expired (ALR-2, ALR-3). */
  findOpen(assetId: string, dedupKey: string): Promise<Alert | null>;
  update(a: Alert): Promise<void>;
  list(q: AlertQuery): Promise<Page<Alert>>;
  /** Alerts whose last occurrence is before `before` and are not Expired yet. */
  listStale(before: number, limit: number): Promise<Alert[]>;
}

export interface PolicyStore {
  insert(p: IpPolicy): Promise<void>;
  get(id: string): Promise<IpPolicy | null>;
  update(p: IpPolicy): Promise<void>;
  list(q: { status?: PolicyStatus; ip?: string; assetId?: string; limit: number; offset: number }): Promise<Page<IpPolicy>>;
  /** The pending/active policy for this ip on this asset, if any. */
  findLive(assetId: string, ip: string): Promise<IpPolicy | null>;
  /** Live policies whose expiresAt <= now. */
  listDue(now: number): Promise<IpPolicy[]>;
}

export interface ActionStore {
  insert(a: AgentAction): Promise<void>;
  get(id: string): Promise<AgentAction | null>;
  /** Queued actions of an agent, oldest first; marks them sent. */
  takeQueued(agentId: string, at: number, max: number): Promise<AgentAction[]>;
  /** Sent actions older than `before` go back to queued (the agent did not answer). */
  requeueStale(before: number): Promise<number>;
  finish(id: string, agentId: string, status: Extract<ActionStatus, "succeeded" | "failed">, result: string, at: number): Promise<AgentAction | null>;
  list(q: { agentId?: string; policyId?: string; limit: number; offset: number }): Promise<Page<AgentAction>>;
}

export interface AllowlistStore {
  insert(e: AllowEntry): Promise<void>;
  remove(id: string): Promise<boolean>;
  list(): Promise<AllowEntry[]>;
}

export interface UserStore {
  insert(u: User): Promise<void>;
  get(id: string): Promise<User | null>;
  findByName(username: string): Promise<User | null>;
  count(): Promise<number>;
  updatePassword(id: string, hash: string, mustChange: boolean): Promise<void>;
}

export interface ApiTokenStore {
  insert(t: ApiToken): Promise<void>;
  findByHash(hash: string): Promise<ApiToken | null>;
  revoke(id: string, at: number): Promise<boolean>;
  touch(id: string, at: number): Promise<void>;
  listForUser(userId: string): Promise<ApiToken[]>;
}

export interface SettingsStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
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
  /** Runs fn atomically: all or nothing. Nested calls join the outer transaction. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
