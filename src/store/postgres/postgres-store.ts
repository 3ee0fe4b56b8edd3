import pg from "pg";
import type {
  Store, AgentStore, EnrolTokenStore, TelemetryStore, PolicyStore, ActionStore, AllowlistStore, UserStore, ApiTokenStore, SettingsStore,
  AccountSettingsStore, AccountStore, SessionStore, LoginStore, AuditStore, NotificationStore, AlertTransitionStore, WhitelistStore, Page, StoredRecord,
  IpPolicy, NotificationChannel,
} from "../../core/index.ts";
import { type Db, type Row, Params, poolDb, inTransaction, pgTypes, mapPgError } from "./pg-db.ts";
import { migratePostgres } from "./migrate.ts";
import * as R from "./rows.ts";
import { buildPgAlertStore } from "./alert-store.ts";
import { buildPgStatsStore } from "./stats-store.ts";
import { buildPgLogonStores, buildPgQuarantineStore } from "./logon-store.ts";
import { buildPgEventStore, buildPgEventTaskStore } from "./event-store.ts";
import { buildPgCoordinationStore } from "./coordination-store.ts";

/**
 * The cluster profile's store: every Store port on PostgreSQL, with SQLite's semantics (the
 * same contract suite runs on both). SQLite had one writer; here transactions of many workers
 * run at once at READ COMMITTED, so wherever a port reads and then writes on what it read, the
 * adapter serializes just that (documented at each place):
 * - single statements where they suffice (ON CONFLICT … RETURNING, UPDATE … RETURNING,
 *   FOR UPDATE SKIP LOCKED for the action queue);
 * - inside a transaction, the rows read to be rewritten whole (alerts.get/findOpen,
 *   events.get) are read FOR UPDATE, so a concurrent writer waits instead of being overwritten;
 * - transaction-scoped advisory locks on the key a decision is made on: an alert's asset+dedup
 *   key (one open alert), an asset+IP (one live policy), an account's event correlation (one
 *   event per shared entity), an asset's vault/inventory/baseline check;
 * - multi-statement methods called outside a transaction open their own (`Db.atomic`).
 * Deadlocks between such locks are detected by PostgreSQL and surface as OperationalError (retry).
 */
export interface PgStoreOptions {
  /** postgres://user[:password]@host:port/database */
  url: string;
  /** Schema of the tables (created when missing); default the server's search_path. */
  schema?: string;
  /** Connections in the pool (each open transaction holds one). */
  poolSize?: number;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

function page<T>(db: Db, table: string, where: string, p: unknown[], order: string, limit: number, offset: number, map: (r: Row) => T): Promise<Page<T>> {
  return (async () => {
    const total = R.num((await db.get(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, p))!.n);
    const n = p.length;
    const items = (await db.all(`SELECT * FROM ${table} WHERE ${where} ORDER BY ${order} LIMIT $${n + 1} OFFSET $${n + 2}`, [...p, limit, offset])).map(map);
    return { items, total };
  })();
}

/** WHERE of optional equality filters; the first one is the account. */
function filters(accountId: string, eq: Array<[string, unknown]>): { where: string; p: unknown[] } {
  const q = new Params();
  const w = [`account_id = ${q.add(accountId)}`];
  for (const [col, v] of eq) if (v !== undefined && v !== null && v !== "") w.push(`${col} = ${q.add(v)}`);
  return { where: w.join(" AND "), p: q.values };
}

export interface PgStoreContext {
  /** Advisory-lock namespace (the schema): stores in other schemas never contend. */
  lockPrefix: string;
  /** Folds alert count deltas (outside transactions, at most once a second). */
  foldCounts: (db: Db) => Promise<void>;
}

function buildStores(db: Db, ctx: PgStoreContext) {
  const agents: AgentStore = {
    async insert(a) {
      await db.run(`INSERT INTO agents (id, account_id, hostname, version, os, enrolled_at, last_seen_at, revoked_at, credential_hash, rejected_records, dropped_records)
                    VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`, [a.id, a.accountId, a.hostname, a.version, a.os, a.enrolledAt, a.lastSeenAt, a.revokedAt, a.credentialHash, a.rejectedRecords, a.droppedRecords]);
    },
    async get(id) {
      const r = await db.get("SELECT * FROM agents WHERE id = $1", [id]);
      return r ? R.toAgent(r) : null;
    },
    async getIn(accountId, id) {
      const r = await db.get("SELECT * FROM agents WHERE id = $1 AND account_id = $2", [id, accountId]);
      return r ? R.toAgent(r) : null;
    },
    async list(accountId) {
      return (await db.all("SELECT * FROM agents WHERE account_id = $1 ORDER BY enrolled_at, id", [accountId])).map(R.toAgent);
    },
    async touch(id, at, patch) {
      await db.run("UPDATE agents SET last_seen_at = $1, version = COALESCE($2, version), hostname = COALESCE($3, hostname) WHERE id = $4", [at, patch?.version ?? null, patch?.hostname ?? null, id]);
    },
    async revoke(accountId, id, at) {
      return (await db.run("UPDATE agents SET revoked_at = $1 WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL", [at, id, accountId])) > 0;
    },
    async addCounters(id, n) {
      await db.run("UPDATE agents SET rejected_records = rejected_records + $1, dropped_records = dropped_records + $2 WHERE id = $3", [n.rejected ?? 0, n.dropped ?? 0, id]);
    },
  };

  const enrolTokens: EnrolTokenStore = {
    async insert(t) {
      await db.run("INSERT INTO enrol_tokens (id, account_id, token_hash, note, created_at, expires_at, used_at, used_by_agent_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        [t.id, t.accountId, t.tokenHash, t.note, t.createdAt, t.expiresAt, t.usedAt, t.usedByAgentId]);
    },
    async findByHash(h) {
      const r = await db.get("SELECT * FROM enrol_tokens WHERE token_hash = $1", [h]);
      return r ? R.toToken(r) : null;
    },
    // one statement: a concurrent consume waits for this row and then finds used_at set
    async consume(id, agentId, at) {
      return (await db.run("UPDATE enrol_tokens SET used_at = $1, used_by_agent_id = $2 WHERE id = $3 AND used_at IS NULL", [at, agentId, id])) > 0;
    },
    async list(accountId) {
      return (await db.all("SELECT * FROM enrol_tokens WHERE account_id = $1 ORDER BY created_at DESC, id", [accountId])).map(R.toToken);
    },
  };

  const telemetry: TelemetryStore = {
    // AGT-9: one statement for the batch; the unique key decides, so two workers given the same
    // record (a retried batch) store it once and only one of them reports it new
    async insertNew(records) {
      if (records.length === 0) return [];
      const rows = await db.all(
        `INSERT INTO telemetry (agent_id, id, kind, ts, received_at, body)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[])
         ON CONFLICT (agent_id, id) DO NOTHING RETURNING agent_id, id`,
        [records.map((r) => r.agentId), records.map((r) => r.id), records.map((r) => r.kind), records.map((r) => r.ts), records.map((r) => r.receivedAt), records.map((r) => JSON.stringify(r.body))],
      );
      const inserted = new Set(rows.map((r) => `${R.str(r.agent_id)}\0${R.str(r.id)}`));
      // a record repeated within the batch: its first occurrence is the one inserted
      return records.filter((r) => inserted.delete(`${r.agentId}\0${r.id}`));
    },
    async count(agentId) {
      const r = agentId === undefined ? await db.get("SELECT COUNT(*) AS n FROM telemetry") : await db.get("SELECT COUNT(*) AS n FROM telemetry WHERE agent_id = $1", [agentId]);
      return R.num(r!.n);
    },
    // ties in (ts, received_at) come back in the order they were stored, as SQLite's rowid gives
    // (ctid: telemetry is append-only)
    async since(since, limit) {
      return (await db.all("SELECT * FROM telemetry WHERE ts >= $1 ORDER BY ts, received_at, ctid LIMIT $2", [since, limit])).map(R.toRecord);
    },
    async recent(agentId, kind, limit) {
      return (await db.all("SELECT * FROM telemetry WHERE agent_id = $1 AND kind = $2 ORDER BY ts DESC, id LIMIT $3", [agentId, kind, limit])).map(R.toRecord);
    },
    async list(accountId, q) {
      const p = new Params();
      const w = [`agent_id IN (SELECT id FROM agents WHERE account_id = ${p.add(accountId)})`];
      if (q.agentId) w.push(`agent_id = ${p.add(q.agentId)}`);
      if (q.kind) w.push(`kind = ${p.add(q.kind)}`);
      return page(db, "telemetry", w.join(" AND "), p.values, "ts DESC, id", q.limit, q.offset, R.toRecord);
    },
  };

  const policyParams = (x: IpPolicy) => [x.accountId, x.assetId, x.ip, x.status, x.reason, x.alertId, x.createdBy, x.createdAt, x.expiresAt, x.updatedAt, x.lastResult, x.id];
  const policies: PolicyStore = {
    async insert(x) {
      await db.run("INSERT INTO ip_policies (account_id, asset_id, ip, status, reason, alert_id, created_by, created_at, expires_at, updated_at, last_result, id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)", policyParams(x));
    },
    async get(accountId, id) {
      // in a transaction the policy is read to be rewritten whole (enable/disable/expire): lock it
      const r = await db.get(`SELECT * FROM ip_policies WHERE id = $1 AND account_id = $2${db.inTx ? " FOR UPDATE" : ""}`, [id, accountId]);
      return r ? R.toPolicy(r) : null;
    },
    async update(x) {
      await db.run("UPDATE ip_policies SET account_id=$1, asset_id=$2, ip=$3, status=$4, reason=$5, alert_id=$6, created_by=$7, created_at=$8, expires_at=$9, updated_at=$10, last_result=$11 WHERE id = $12", policyParams(x));
    },
    async list(accountId, q) {
      const f = filters(accountId, [["status", q.status], ["ip", q.ip], ["asset_id", q.assetId]]);
      return page(db, "ip_policies", f.where, f.p, "created_at DESC, id", q.limit, q.offset, R.toPolicy);
    },
    async findLive(assetId, ip) {
      // BF-4: "is there a live policy, else create one" — one decision per asset+IP at a time
      if (db.inTx) await db.lock(JSON.stringify(["policy", assetId, ip]));
      const r = await db.get("SELECT * FROM ip_policies WHERE asset_id = $1 AND ip = $2 AND status IN ('pending','active') ORDER BY created_at DESC, id DESC LIMIT 1", [assetId, ip]);
      return r ? R.toPolicy(r) : null;
    },
    async listDue(now) {
      return (await db.all("SELECT * FROM ip_policies WHERE status IN ('pending','active') AND expires_at IS NOT NULL AND expires_at <= $1 ORDER BY expires_at, id", [now])).map(R.toPolicy);
    },
  };

  const byCreated = (a: { createdAt: number; id: string }, b: { createdAt: number; id: string }) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const actions: ActionStore = {
    async insert(a) {
      await db.run("INSERT INTO agent_actions (id, account_id, agent_id, type, params, policy_id, status, created_at, sent_at, finished_at, result) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
        [a.id, a.accountId, a.agentId, a.type, JSON.stringify(a.params), a.policyId, a.status, a.createdAt, a.sentAt, a.finishedAt, a.result]);
    },
    async get(accountId, id) {
      const r = await db.get("SELECT * FROM agent_actions WHERE id = $1 AND account_id = $2", [id, accountId]);
      return r ? R.toAction(r) : null;
    },
    // AGT-10: one statement; SKIP LOCKED hands an action to one poller only, even when an agent's
    // two connections (or two workers) poll at once
    async takeQueued(agentId, at, max) {
      const rows = await db.all(
        `UPDATE agent_actions SET status = 'sent', sent_at = $2 WHERE id IN (
           SELECT id FROM agent_actions WHERE agent_id = $1 AND status = 'queued' ORDER BY created_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING *`, [agentId, at, max]);
      return rows.map(R.toAction).sort(byCreated);
    },
    async requeueStale(before) {
      return db.run("UPDATE agent_actions SET status = 'queued' WHERE status = 'sent' AND sent_at < $1", [before]);
    },
    async finish(id, agentId, status, result, at) {
      const r = await db.get("UPDATE agent_actions SET status = $1, result = $2, finished_at = $3 WHERE id = $4 AND agent_id = $5 AND status IN ('queued','sent') RETURNING *", [status, result, at, id, agentId]);
      return r ? R.toAction(r) : null;
    },
    async list(accountId, q) {
      const f = filters(accountId, [["agent_id", q.agentId], ["policy_id", q.policyId]]);
      return page(db, "agent_actions", f.where, f.p, "created_at DESC, id", q.limit, q.offset, R.toAction);
    },
  };

  const allowlist: AllowlistStore = {
    async insert(e) {
      await db.run("INSERT INTO allowlist (id, account_id, cidr, note, created_at, created_by) VALUES ($1,$2,$3,$4,$5,$6)", [e.id, e.accountId, e.cidr, e.note, e.createdAt, e.createdBy]);
    },
    async remove(accountId, id) {
      return (await db.run("DELETE FROM allowlist WHERE id = $1 AND account_id = $2", [id, accountId])) > 0;
    },
    async list(accountId) {
      return (await db.all("SELECT * FROM allowlist WHERE account_id = $1 ORDER BY created_at, id", [accountId])).map(R.toAllow);
    },
  };

  const users: UserStore = {
    async insert(u) {
      await db.run("INSERT INTO users (id, account_id, username, password_hash, role, created_at, must_change_password, disabled_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        [u.id, u.accountId, u.username, u.passwordHash, u.role, u.createdAt, u.mustChangePassword ? 1 : 0, u.disabledAt]);
    },
    async get(id) {
      const r = await db.get("SELECT * FROM users WHERE id = $1", [id]);
      return r ? R.toUser(r) : null;
    },
    async getIn(accountId, id) {
      const r = await db.get("SELECT * FROM users WHERE id = $1 AND account_id = $2", [id, accountId]);
      return r ? R.toUser(r) : null;
    },
    async list(accountId) {
      return (await db.all("SELECT * FROM users WHERE account_id = $1 ORDER BY username", [accountId])).map(R.toUser);
    },
    // one statement (SQLite read then wrote): a concurrent patch of the other field is not lost
    async update(accountId, id, patch) {
      return (await db.run("UPDATE users SET role = COALESCE($3, role), disabled_at = CASE WHEN $4 THEN $5 ELSE disabled_at END WHERE id = $1 AND account_id = $2",
        [id, accountId, patch.role ?? null, patch.disabledAt !== undefined, patch.disabledAt ?? null])) > 0;
    },
    async findByName(name) {
      const r = await db.get("SELECT * FROM users WHERE username = $1", [name]);
      return r ? R.toUser(r) : null;
    },
    async count() {
      return R.num((await db.get("SELECT COUNT(*) AS n FROM users"))!.n);
    },
    async updatePassword(id, hash, mustChange) {
      await db.run("UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3", [hash, mustChange ? 1 : 0, id]);
    },
  };

  const apiTokens: ApiTokenStore = {
    async insert(t) {
      await db.run("INSERT INTO api_tokens (id, user_id, name, role, token_hash, created_at, expires_at, revoked_at, last_used_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        [t.id, t.userId, t.name, t.role, t.tokenHash, t.createdAt, t.expiresAt, t.revokedAt, t.lastUsedAt]);
    },
    async findByHash(h) {
      const r = await db.get("SELECT * FROM api_tokens WHERE token_hash = $1", [h]);
      return r ? R.toApiToken(r) : null;
    },
    async revoke(id, at) {
      return (await db.run("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", [at, id])) > 0;
    },
    async get(id) {
      const r = await db.get("SELECT * FROM api_tokens WHERE id = $1", [id]);
      return r ? R.toApiToken(r) : null;
    },
    async touch(id, at) {
      await db.run("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", [at, id]);
    },
    async listForUser(userId) {
      return (await db.all("SELECT * FROM api_tokens WHERE user_id = $1 ORDER BY created_at, id", [userId])).map(R.toApiToken);
    },
  };

  const settings: SettingsStore = {
    async get<T>(key: string) {
      const r = await db.get("SELECT value FROM settings WHERE key = $1", [key]);
      return r ? (JSON.parse(R.str(r.value)) as T) : undefined;
    },
    async set(key, value) {
      await db.run("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, JSON.stringify(value)]);
    },
  };

  const accountSettings: AccountSettingsStore = {
    async get<T>(accountId: string, key: string) {
      const r = await db.get("SELECT value FROM account_settings WHERE account_id = $1 AND key = $2", [accountId, key]);
      return r ? (JSON.parse(R.str(r.value)) as T) : undefined;
    },
    async set(accountId, key, value) {
      await db.run("INSERT INTO account_settings (account_id, key, value) VALUES ($1, $2, $3) ON CONFLICT (account_id, key) DO UPDATE SET value = excluded.value", [accountId, key, JSON.stringify(value)]);
    },
  };

  const accounts: AccountStore = {
    async insert(a) {
      await db.run("INSERT INTO accounts (id, name, parent_id, created_at) VALUES ($1,$2,$3,$4)", [a.id, a.name, a.parentId, a.createdAt]);
    },
    async get(id) {
      const r = await db.get("SELECT * FROM accounts WHERE id = $1", [id]);
      return r ? R.toAccount(r) : null;
    },
    async listManaged(id) {
      return (await db.all("SELECT * FROM accounts WHERE id = $1 OR parent_id = $1 ORDER BY parent_id IS NOT NULL, name, id", [id])).map(R.toAccount);
    },
  };

  const sessions: SessionStore = {
    async insert(x) {
      await db.run("INSERT INTO sessions (id_hash, user_id, csrf, ip, created_at, expires_at, last_seen_at) VALUES ($1,$2,$3,$4,$5,$6,$7)", [x.idHash, x.userId, x.csrf, x.ip, x.createdAt, x.expiresAt, x.lastSeenAt]);
    },
    async get(idHash) {
      const r = await db.get("SELECT * FROM sessions WHERE id_hash = $1", [idHash]);
      return r ? R.toSession(r) : null;
    },
    async touch(idHash, at) {
      await db.run("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2", [at, idHash]);
    },
    async remove(idHash) {
      await db.run("DELETE FROM sessions WHERE id_hash = $1", [idHash]);
    },
    async removeForUser(userId, except) {
      return db.run("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2", [userId, except ?? ""]);
    },
  };

  const count = async (sql: string, p: unknown[]) => R.num((await db.get(sql, p))!.n);
  const logins: LoginStore = {
    async addFailure(username, ip, at) {
      await db.run("INSERT INTO login_failures (username, ip, at) VALUES ($1,$2,$3)", [username, ip, at]);
    },
    failuresForUserFrom: (username, ip, since) => count("SELECT COUNT(*) AS n FROM login_failures WHERE username = $1 AND ip = $2 AND at >= $3", [username, ip, since]),
    failuresFrom: (ip, since) => count("SELECT COUNT(*) AS n FROM login_failures WHERE ip = $1 AND at >= $2", [ip, since]),
    failuresForUser: (username, since) => count("SELECT COUNT(*) AS n FROM login_failures WHERE username = $1 AND at >= $2", [username, since]),
    async oldestFailure(q, since) {
      const p = new Params();
      const w = [`at >= ${p.add(since)}`];
      if (q.username !== undefined) w.push(`username = ${p.add(q.username)}`);
      if (q.ip !== undefined) w.push(`ip = ${p.add(q.ip)}`);
      return R.numOrNull((await db.get(`SELECT MIN(at) AS t FROM login_failures WHERE ${w.join(" AND ")}`, p.values))?.t);
    },
    async clearFailures(username, ip) {
      await db.run("DELETE FROM login_failures WHERE username = $1 AND ip = $2", [username, ip]);
    },
    async markKnownSource(userId, ip, at) {
      await db.run("INSERT INTO known_sources (user_id, ip, last_at) VALUES ($1,$2,$3) ON CONFLICT (user_id, ip) DO UPDATE SET last_at = excluded.last_at", [userId, ip, at]);
    },
    async isKnownSource(userId, ip, since) {
      return (await db.get("SELECT 1 AS k FROM known_sources WHERE user_id = $1 AND ip = $2 AND last_at >= $3", [userId, ip, since])) !== undefined;
    },
  };

  const audit: AuditStore = {
    async insert(e) {
      await db.run("INSERT INTO audit_log (id, account_id, at, actor, ip, action, target, outcome, details) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        [e.id, e.accountId, e.at, e.actor, e.ip, e.action, e.target, e.outcome, JSON.stringify(e.details)]);
    },
    async list(accountId, q) {
      const p = new Params();
      const w = [`account_id = ${p.add(accountId)}`];
      if (q.action) w.push(`action = ${p.add(q.action)}`);
      if (q.actor) w.push(`actor = ${p.add(q.actor)}`);
      if (q.from !== undefined) w.push(`at >= ${p.add(q.from)}`);
      if (q.to !== undefined) w.push(`at <= ${p.add(q.to)}`);
      return page(db, "audit_log", w.join(" AND "), p.values, "at DESC, id DESC", q.limit, q.offset, R.toAudit);
    },
  };

  const channelParams = (x: NotificationChannel) => [x.accountId, x.name, x.kind, JSON.stringify(x.config), x.minSeverity, JSON.stringify(x.types), x.enabled ? 1 : 0, x.createdAt, x.updatedAt, x.id];
  const notifications: NotificationStore = {
    async insertChannel(x) {
      await db.run("INSERT INTO notification_channels (account_id, name, kind, config, min_severity, types, enabled, created_at, updated_at, id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)", channelParams(x));
    },
    async updateChannel(x) {
      await db.run("UPDATE notification_channels SET account_id=$1, name=$2, kind=$3, config=$4, min_severity=$5, types=$6, enabled=$7, created_at=$8, updated_at=$9 WHERE id = $10", channelParams(x));
    },
    async deleteChannel(accountId, id) {
      return (await db.run("DELETE FROM notification_channels WHERE id = $1 AND account_id = $2", [id, accountId])) > 0;
    },
    async getChannel(accountId, id) {
      const r = await db.get("SELECT * FROM notification_channels WHERE id = $1 AND account_id = $2", [id, accountId]);
      return r ? R.toChannel(r) : null;
    },
    async listChannels(accountId) {
      return (await db.all("SELECT * FROM notification_channels WHERE account_id = $1 ORDER BY created_at, id", [accountId])).map(R.toChannel);
    },
    async enqueue(items) {
      if (items.length === 0) return;
      const col = <K extends keyof (typeof items)[number]>(k: K) => items.map((x) => x[k]);
      await db.run(
        `INSERT INTO notification_outbox (id, account_id, channel_id, alert_id, payload, status, attempts, next_attempt_at, last_error, created_at, sent_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::text[], $10::bigint[], $11::bigint[])`,
        [col("id"), col("accountId"), col("channelId"), col("alertId"), items.map((x) => JSON.stringify(x.payload)), col("status"), col("attempts"), col("nextAttemptAt"), col("lastError"), col("createdAt"), col("sentAt")]);
    },
    async due(now, limit) {
      return (await db.all("SELECT * FROM notification_outbox WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2", [now, limit])).map(R.toOutbox);
    },
    async markSent(id, at) {
      await db.run("UPDATE notification_outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2", [at, id]);
    },
    async markRetry(id, attempts, nextAt, error) {
      await db.run("UPDATE notification_outbox SET attempts = $1, next_attempt_at = $2, last_error = $3 WHERE id = $4", [attempts, nextAt, error, id]);
    },
    async markDead(id, attempts, error) {
      await db.run("UPDATE notification_outbox SET status = 'dead', attempts = $1, last_error = $2 WHERE id = $3", [attempts, error, id]);
    },
    async listOutbox(accountId, q) {
      const f = filters(accountId, [["status", q.status], ["channel_id", q.channelId], ["alert_id", q.alertId]]);
      return page(db, "notification_outbox", f.where, f.p, "created_at DESC, id DESC", q.limit, q.offset, R.toOutbox);
    },
  };

  const transitions: AlertTransitionStore = {
    async insert(t) {
      await db.run("INSERT INTO alert_transitions (id, account_id, alert_id, at, from_status, to_status, actor, how, remark) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        [t.id, t.accountId, t.alertId, t.at, t.from, t.to, t.actor, t.how, t.remark]);
    },
    async list(accountId, alertId) {
      return (await db.all("SELECT * FROM alert_transitions WHERE account_id = $1 AND alert_id = $2 ORDER BY at, id", [accountId, alertId])).map(R.toTransition);
    },
  };

  const whitelist: WhitelistStore = {
    async insertEntry(e) {
      await db.run("INSERT INTO whitelist_entries (id, account_id, alert_type, fields, asset_id, source_alert_id, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        [e.id, e.accountId, e.alertType, JSON.stringify(e.fields), e.assetId, e.sourceAlertId, e.createdBy, e.createdAt]);
    },
    async listEntries(accountId, alertType) {
      const rows = alertType === undefined
        ? await db.all("SELECT * FROM whitelist_entries WHERE account_id = $1 ORDER BY created_at, id", [accountId])
        : await db.all("SELECT * FROM whitelist_entries WHERE account_id = $1 AND alert_type = $2 ORDER BY created_at, id", [accountId, alertType]);
      return rows.map(R.toEntry);
    },
    async deleteEntriesFromAlert(accountId, alertId) {
      return db.run("DELETE FROM whitelist_entries WHERE account_id = $1 AND source_alert_id = $2", [accountId, alertId]);
    },
    async deleteEntry(accountId, id) {
      return (await db.run("DELETE FROM whitelist_entries WHERE account_id = $1 AND id = $2", [accountId, id])) > 0;
    },
    async insertRule(r) {
      await db.run("INSERT INTO whitelist_rules (id, account_id, alert_type, field, operator, value, asset_id, note, created_by, created_at, deleted_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
        [r.id, r.accountId, r.alertType, r.field, r.operator, r.value, r.assetId, r.note, r.createdBy, r.createdAt, r.deletedAt]);
    },
    async listRules(accountId) {
      return (await db.all("SELECT * FROM whitelist_rules WHERE account_id = $1 AND deleted_at IS NULL ORDER BY created_at, id", [accountId])).map(R.toRule);
    },
    async getRule(accountId, id) {
      const r = await db.get("SELECT * FROM whitelist_rules WHERE account_id = $1 AND id = $2", [accountId, id]);
      return r ? R.toRule(r) : null;
    },
    async deleteRule(accountId, id, at) {
      return (await db.run("UPDATE whitelist_rules SET deleted_at = $1 WHERE account_id = $2 AND id = $3 AND deleted_at IS NULL", [at, accountId, id])) > 0;
    },
  };

  const alerts = buildPgAlertStore(db, ctx);
  const stats = buildPgStatsStore(db);
  const { logon, baseline, inventory } = buildPgLogonStores(db);
  const quarantine = buildPgQuarantineStore(db);
  const events = buildPgEventStore(db);
  const eventTasks = buildPgEventTaskStore(db);

  const coordination = buildPgCoordinationStore(db);

  return { agents, enrolTokens, telemetry, alerts, policies, actions, allowlist, users, apiTokens, settings, accountSettings, accounts, sessions, logins, audit, notifications, transitions, whitelist, stats, logon, baseline, inventory, quarantine, events, eventTasks, coordination };
}

type Stores = ReturnType<typeof buildStores>;

/** The cluster profile's store on PostgreSQL (`PgStore.open`). */
export class PgStore implements Store {
  readonly agents; readonly enrolTokens; readonly telemetry; readonly alerts; readonly policies;
  readonly actions; readonly allowlist; readonly users; readonly apiTokens; readonly settings;
  readonly accountSettings; readonly accounts; readonly sessions; readonly logins; readonly audit; readonly notifications;
  readonly transitions; readonly whitelist; readonly stats; readonly logon; readonly baseline; readonly inventory; readonly quarantine;
  readonly events; readonly eventTasks; readonly coordination;
  readonly #pool: pg.Pool;
  readonly #ctx: PgStoreContext;
  /** This process's open transactions: a call made outside one waits for those open when it was made. */
  readonly #open = new Set<Promise<unknown>>();

  /** Connects, creates the schema when missing and applies the migrations not applied yet. */
  static async open(opts: PgStoreOptions): Promise<PgStore> {
    if (opts.schema !== undefined && !SCHEMA.test(opts.schema)) throw new Error(`invalid schema name: ${JSON.stringify(opts.schema)}`);
    const pool = new pg.Pool({
      connectionString: opts.url, max: opts.poolSize ?? 10, types: pgTypes, application_name: "hostward",
      // the schema first, then public (where pg_trgm's operator classes live)
      ...(opts.schema ? { options: `-c search_path=${opts.schema},public` } : {}),
    });
    // an idle connection dropped by the server: the pool discards it; not a reason to crash
    pool.on("error", () => {});
    try {
      await migratePostgres(pool, opts.schema);
    } catch (e) {
      await pool.end().catch(() => {});
      throw mapPgError(e);
    }
    return new PgStore(pool, opts.schema ?? "public");
  }

  private constructor(pool: pg.Pool, schema: string) {
    this.#pool = pool;
    let lastFold = 0;
    this.#ctx = {
      lockPrefix: `hostward:${schema}`,
      foldCounts: async (db) => {
        const now = Date.now();
        if (db.inTx || now - lastFold < 1000) return;
        lastFold = now;
        await db.get("SELECT hw_alert_counts_fold()");
      },
    };
    const root = buildStores(poolDb(pool, () => this.#settled(), (fn) => this.#begin(fn)), this.#ctx);
    ({ agents: this.agents, enrolTokens: this.enrolTokens, telemetry: this.telemetry, alerts: this.alerts, policies: this.policies,
      actions: this.actions, allowlist: this.allowlist, users: this.users, apiTokens: this.apiTokens, settings: this.settings,
      accountSettings: this.accountSettings, accounts: this.accounts, sessions: this.sessions, logins: this.logins, audit: this.audit,
      notifications: this.notifications, transitions: this.transitions, whitelist: this.whitelist, stats: this.stats,
      logon: this.logon, baseline: this.baseline, inventory: this.inventory, quarantine: this.quarantine, events: this.events,
      eventTasks: this.eventTasks, coordination: this.coordination } = root);
  }

  async #settled(): Promise<void> {
    if (this.#open.size) await Promise.allSettled([...this.#open]);
  }

  /** A transaction on a client of its own, tracked from the moment it is asked for. */
  #begin<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    const run = inTransaction(this.#pool, this.#ctx.lockPrefix, fn);
    this.#open.add(run);
    const done = () => this.#open.delete(run);
    run.then(done, done);
    return run;
  }

  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    return this.#begin((db) => {
      const stores: Stores = buildStores(db, this.#ctx);
      const view: Store = { ...stores, transaction: (inner) => inner(view), close: async () => {} };
      return fn(view);
    });
  }

  async close(): Promise<void> {
    await this.#settled();
    await this.#pool.end();
  }
}
