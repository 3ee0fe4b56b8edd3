import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type {
  Account, Agent, AgentAction, Alert, AlertQuery, AllowEntry, ApiToken, AuditEntry, EnrolToken, IpPolicy, Page, PolicyStatus, Session, StoredRecord, User,
  Store, AgentStore, EnrolTokenStore, TelemetryStore, AlertStore, PolicyStore, ActionStore, AllowlistStore, UserStore, ApiTokenStore, SettingsStore,
  AccountSettingsStore, AccountStore, SessionStore, LoginStore, AuditStore, NotificationStore, NotificationChannel, OutboxItem,
  AlertTransition, AlertTransitionStore, WhitelistEntry, WhitelistRule, WhitelistStore, AlertCounts,
} from "../../core/index.ts";
import { loadMigrations } from "../migrations/index.ts";
import { buildSqliteStatsStore } from "./stats-store.ts";
import { buildSqliteLogonStores, buildSqliteQuarantineStore } from "./logon-store.ts";
import { buildSqliteEventStore } from "./event-store.ts";
import { buildSqliteEventTaskStore } from "./event-task-store.ts";
import { buildSqliteCoordinationStore } from "./coordination-store.ts";

type Row = Record<string, SQLInputValue>;
type P = SQLInputValue;

/**
 * The connection plus the transaction gate. node:sqlite is synchronous, so a statement
 * never interleaves with another; only an open async transaction must be waited for,
 * or another caller's statement would land inside it.
 */
class Conn {
  readonly db: DatabaseSync;
  tx: Promise<unknown> | null = null;
  /**
   * Statements that waited for the open transaction. They go before the next transaction
   * (first come, first served): otherwise a busy ingest queue, starting one transaction right
   * after another, can keep a request's statement waiting for seconds.
   */
  waiting = 0;
  /** When the event loop last reached its check phase (after polling sockets) while we watched. */
  loopSeen = performance.now();
  #watching = false;
  watchLoop(): void {
    if (this.#watching) return;
    this.#watching = true;
    setImmediate(() => {
      this.#watching = false;
      this.loopSeen = performance.now();
    });
  }
  #stmts = new Map<string, ReturnType<DatabaseSync["prepare"]>>();
  constructor(db: DatabaseSync) {
    this.db = db;
  }
  stmt(sql: string) {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s;
  }
  all(sql: string, ...p: P[]): Row[] {
    return this.stmt(sql).all(...p) as Row[];
  }
  get(sql: string, ...p: P[]): Row | undefined {
    return this.stmt(sql).get(...p) as Row | undefined;
  }
  run(sql: string, ...p: P[]): number {
    return Number(this.stmt(sql).run(...p).changes);
  }
}

/** Transactions run back to back for at most this long (ms) before the event loop gets a turn. */
const LOOP_TURN_MS = 20;

/** Callers outside a transaction wait for the open one, then run synchronously. */
type Gate = () => Promise<unknown> | null;

const num = (v: SQLInputValue | undefined): number => Number(v);
const numOrNull = (v: SQLInputValue | undefined): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: SQLInputValue | undefined): string => String(v);
const strOrNull = (v: SQLInputValue | undefined): string | null => (v === null || v === undefined ? null : String(v));

const toAgent = (r: Row): Agent => ({
  id: str(r.id), accountId: str(r.account_id), hostname: str(r.hostname), version: str(r.version), os: str(r.os),
  enrolledAt: num(r.enrolled_at), lastSeenAt: numOrNull(r.last_seen_at), revokedAt: numOrNull(r.revoked_at),
  credentialHash: str(r.credential_hash), rejectedRecords: num(r.rejected_records), droppedRecords: num(r.dropped_records),
});
const toToken = (r: Row): EnrolToken => ({
  id: str(r.id), accountId: str(r.account_id), tokenHash: str(r.token_hash), note: str(r.note), createdAt: num(r.created_at),
  expiresAt: num(r.expires_at), usedAt: numOrNull(r.used_at), usedByAgentId: strOrNull(r.used_by_agent_id),
});
const toRecord = (r: Row): StoredRecord => ({
  agentId: str(r.agent_id), id: str(r.id), kind: str(r.kind), ts: num(r.ts), receivedAt: num(r.received_at), body: JSON.parse(str(r.body)),
});
const toAlert = (r: Row): Alert => ({
  id: str(r.id), accountId: str(r.account_id), assetId: str(r.asset_id), type: str(r.type), ruleId: str(r.rule_id), name: str(r.name),
  severity: str(r.severity) as Alert["severity"], status: str(r.status) as Alert["status"], dedupKey: str(r.dedup_key),
  firstSeen: num(r.first_seen), lastSeen: num(r.last_seen), count: num(r.count), sourceIp: strOrNull(r.source_ip), userName: strOrNull(r.user_name),
  attack: JSON.parse(str(r.attack)), evidence: JSON.parse(str(r.evidence)), triage: str(r.triage), response: strOrNull(r.response),
  handledHow: strOrNull(r.handled_how), whitelistedBy: strOrNull(r.whitelisted_by),
  createdAt: num(r.created_at), updatedAt: num(r.updated_at),
});
const toTransition = (r: Row): AlertTransition => ({
  id: str(r.id), accountId: str(r.account_id), alertId: str(r.alert_id), at: num(r.at), from: str(r.from_status) as AlertTransition["from"],
  to: str(r.to_status) as AlertTransition["to"], actor: str(r.actor), how: str(r.how), remark: str(r.remark),
});
const toEntry = (r: Row): WhitelistEntry => ({
  id: str(r.id), accountId: str(r.account_id), alertType: str(r.alert_type), fields: JSON.parse(str(r.fields)), assetId: strOrNull(r.asset_id),
  sourceAlertId: strOrNull(r.source_alert_id), createdBy: str(r.created_by), createdAt: num(r.created_at),
});
const toRule = (r: Row): WhitelistRule => ({
  id: str(r.id), accountId: str(r.account_id), alertType: str(r.alert_type), field: str(r.field), operator: str(r.operator) as WhitelistRule["operator"],
  value: str(r.value), assetId: strOrNull(r.asset_id), note: str(r.note), createdBy: str(r.created_by), createdAt: num(r.created_at), deletedAt: numOrNull(r.deleted_at),
});
const toPolicy = (r: Row): IpPolicy => ({
  id: str(r.id), accountId: str(r.account_id), assetId: str(r.asset_id), ip: str(r.ip), status: str(r.status) as PolicyStatus,
  reason: str(r.reason), alertId: strOrNull(r.alert_id), createdBy: str(r.created_by), createdAt: num(r.created_at),
  expiresAt: numOrNull(r.expires_at), updatedAt: num(r.updated_at), lastResult: strOrNull(r.last_result),
});
const toAction = (r: Row): AgentAction => ({
  id: str(r.id), accountId: str(r.account_id), agentId: str(r.agent_id), type: str(r.type) as AgentAction["type"], params: JSON.parse(str(r.params)),
  policyId: strOrNull(r.policy_id), status: str(r.status) as AgentAction["status"], createdAt: num(r.created_at),
  sentAt: numOrNull(r.sent_at), finishedAt: numOrNull(r.finished_at), result: strOrNull(r.result),
});
const toAccount = (r: Row): Account => ({ id: str(r.id), name: str(r.name), parentId: strOrNull(r.parent_id), createdAt: num(r.created_at) });
const toSession = (r: Row): Session => ({
  idHash: str(r.id_hash), userId: str(r.user_id), csrf: str(r.csrf), ip: str(r.ip), createdAt: num(r.created_at), expiresAt: num(r.expires_at), lastSeenAt: num(r.last_seen_at),
});
const toAudit = (r: Row): AuditEntry => ({
  id: str(r.id), accountId: str(r.account_id), at: num(r.at), actor: str(r.actor), ip: strOrNull(r.ip), action: str(r.action), target: strOrNull(r.target),
  outcome: str(r.outcome) as AuditEntry["outcome"], details: JSON.parse(str(r.details)),
});
const toChannel = (r: Row): NotificationChannel => ({
  id: str(r.id), accountId: str(r.account_id), name: str(r.name), kind: str(r.kind) as NotificationChannel["kind"], config: JSON.parse(str(r.config)),
  minSeverity: str(r.min_severity) as NotificationChannel["minSeverity"], types: JSON.parse(str(r.types)), enabled: num(r.enabled) === 1, createdAt: num(r.created_at), updatedAt: num(r.updated_at),
});
const toOutbox = (r: Row): OutboxItem => ({
  id: str(r.id), accountId: str(r.account_id), channelId: str(r.channel_id), alertId: strOrNull(r.alert_id), payload: JSON.parse(str(r.payload)),
  status: str(r.status) as OutboxItem["status"], attempts: num(r.attempts), nextAttemptAt: num(r.next_attempt_at), lastError: strOrNull(r.last_error),
  createdAt: num(r.created_at), sentAt: numOrNull(r.sent_at),
});
const toAllow = (r: Row): AllowEntry => ({
  id: str(r.id), accountId: str(r.account_id), cidr: str(r.cidr), note: str(r.note), createdAt: num(r.created_at), createdBy: str(r.created_by),
});
const toUser = (r: Row): User => ({
  id: str(r.id), accountId: str(r.account_id), username: str(r.username), passwordHash: str(r.password_hash), role: str(r.role) as User["role"],
  createdAt: num(r.created_at), mustChangePassword: num(r.must_change_password) === 1, disabledAt: numOrNull(r.disabled_at),
});
const toApiToken = (r: Row): ApiToken => ({
  id: str(r.id), userId: str(r.user_id), name: str(r.name), role: str(r.role) as ApiToken["role"], tokenHash: str(r.token_hash), createdAt: num(r.created_at),
  expiresAt: numOrNull(r.expires_at), revokedAt: numOrNull(r.revoked_at), lastUsedAt: numOrNull(r.last_used_at),
});

function page<T>(c: Conn, where: string, params: P[], table: string, order: string, limit: number, offset: number, map: (r: Row) => T): Page<T> {
  const total = num(c.get(`SELECT COUNT(*) AS n FROM ${table} ${where}`, ...params)!.n);
  const items = c.all(`SELECT * FROM ${table} ${where} ORDER BY ${order} LIMIT ? OFFSET ?`, ...params, limit, offset).map(map);
  return { items, total };
}

function buildStores(c: Conn, gate: Gate) {
  // Every method: wait for a foreign transaction (if any), then run synchronously.
  const g = async () => {
    let w = gate();
    if (!w) return;
    c.waiting++;
    try {
      while (w) {
        await w.catch(() => {});
        w = gate();
      }
    } finally {
      // counted until the caller's statement (synchronous, right after this returns) has run
      setImmediate(() => c.waiting--);
    }
  };

  const agents: AgentStore = {
    async insert(a) {
      await g();
      c.run(`INSERT INTO agents (id, account_id, hostname, version, os, enrolled_at, last_seen_at, revoked_at, credential_hash, rejected_records, dropped_records)
             VALUES (?,?,?,?,?,?,?,?,?,?,?)`, a.id, a.accountId, a.hostname, a.version, a.os, a.enrolledAt, a.lastSeenAt, a.revokedAt, a.credentialHash, a.rejectedRecords, a.droppedRecords);
    },
    async get(id) {
      await g();
      const r = c.get("SELECT * FROM agents WHERE id = ?", id);
      return r ? toAgent(r) : null;
    },
    async getIn(accountId, id) {
      await g();
      const r = c.get("SELECT * FROM agents WHERE id = ? AND account_id = ?", id, accountId);
      return r ? toAgent(r) : null;
    },
    async list(accountId) {
      await g();
      return c.all("SELECT * FROM agents WHERE account_id = ? ORDER BY enrolled_at", accountId).map(toAgent);
    },
    async touch(id, at, patch) {
      await g();
      c.run("UPDATE agents SET last_seen_at = ?, version = COALESCE(?, version), hostname = COALESCE(?, hostname) WHERE id = ?", at, patch?.version ?? null, patch?.hostname ?? null, id);
    },
    async revoke(accountId, id, at) {
      await g();
      return c.run("UPDATE agents SET revoked_at = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL", at, id, accountId) > 0;
    },
    async addCounters(id, n) {
      await g();
      c.run("UPDATE agents SET rejected_records = rejected_records + ?, dropped_records = dropped_records + ? WHERE id = ?", n.rejected ?? 0, n.dropped ?? 0, id);
    },
  };

  const enrolTokens: EnrolTokenStore = {
    async insert(t) {
      await g();
      c.run("INSERT INTO enrol_tokens (id, account_id, token_hash, note, created_at, expires_at, used_at, used_by_agent_id) VALUES (?,?,?,?,?,?,?,?)",
        t.id, t.accountId, t.tokenHash, t.note, t.createdAt, t.expiresAt, t.usedAt, t.usedByAgentId);
    },
    async findByHash(h) {
      await g();
      const r = c.get("SELECT * FROM enrol_tokens WHERE token_hash = ?", h);
      return r ? toToken(r) : null;
    },
    async consume(id, agentId, at) {
      await g();
      return c.run("UPDATE enrol_tokens SET used_at = ?, used_by_agent_id = ? WHERE id = ? AND used_at IS NULL", at, agentId, id) > 0;
    },
    async list(accountId) {
      await g();
      return c.all("SELECT * FROM enrol_tokens WHERE account_id = ? ORDER BY created_at DESC", accountId).map(toToken);
    },
  };

  const telemetry: TelemetryStore = {
    async insertNew(records) {
      await g();
      const fresh: StoredRecord[] = [];
      for (const r of records) {
        const n = c.run("INSERT INTO telemetry (agent_id, id, kind, ts, received_at, body) VALUES (?,?,?,?,?,?) ON CONFLICT (agent_id, id) DO NOTHING",
          r.agentId, r.id, r.kind, r.ts, r.receivedAt, JSON.stringify(r.body));
        if (n > 0) fresh.push(r);
      }
      return fresh;
    },
    async count(agentId) {
      await g();
      const r = agentId === undefined ? c.get("SELECT COUNT(*) AS n FROM telemetry") : c.get("SELECT COUNT(*) AS n FROM telemetry WHERE agent_id = ?", agentId);
      return num(r!.n);
    },
    async since(since, limit) {
      await g();
      return c.all("SELECT * FROM telemetry WHERE ts >= ? ORDER BY ts, received_at LIMIT ?", since, limit).map(toRecord);
    },
    async recent(agentId, kind, limit) {
      await g();
      return c.all("SELECT * FROM telemetry WHERE agent_id = ? AND kind = ? ORDER BY ts DESC, id LIMIT ?", agentId, kind, limit).map(toRecord);
    },
    async list(accountId, q) {
      await g();
      const w: string[] = ["agent_id IN (SELECT id FROM agents WHERE account_id = ?)"];
      const p: P[] = [accountId];
      if (q.agentId) { w.push("agent_id = ?"); p.push(q.agentId); }
      if (q.kind) { w.push("kind = ?"); p.push(q.kind); }
      return page(c, `WHERE ${w.join(" AND ")}`, p, "telemetry", "ts DESC, id", q.limit, q.offset, toRecord);
    },
  };

  const alertParams = (a: Alert): P[] => [a.accountId, a.assetId, a.type, a.ruleId, a.name, a.severity, a.status, a.dedupKey, a.firstSeen, a.lastSeen, a.count,
    a.sourceIp, a.userName, JSON.stringify(a.attack), JSON.stringify(a.evidence), a.triage, a.response, a.handledHow, a.whitelistedBy, a.createdAt, a.updatedAt];
  type AlertFilter = Omit<AlertQuery, "limit" | "offset">;
  type TextMatch = ReturnType<typeof alertText>;
  /**
   * Free text (ALR-10) matches name, type, source address or user name. Names and types are few:
   * the (type, name) pairs that match come from alert_counts (0005). Addresses and user names come
   * from the trigram index alerts_text for 3+ characters; shorter text scans.
   */
  const alertText = (accountId: string, text: string) => {
    // attacker text is data: bound parameters, LIKE wildcards escaped, the FTS phrase quoted
    const like = `%${text.replace(/[\\%_]/g, (m) => "\\" + m)}%`;
    const pairs = c.all("SELECT DISTINCT type, name FROM alert_counts WHERE account_id = ? AND n > 0 AND (name LIKE ? ESCAPE '\\' OR type LIKE ? ESCAPE '\\')", accountId, like, like);
    const indexed = [...text].length >= 3;
    return {
      /** Alerts whose name or type matches, or null when none does. */
      pairs: pairs.length ? `(${pairs.map(() => "(type = ? AND name = ?)").join(" OR ")})` : null,
      pairP: pairs.flatMap((r) => [r.type!, r.name!]),
      /** Alerts whose source address or user name matches. */
      other: indexed ? "rowid IN (SELECT rowid FROM alerts_text WHERE alerts_text MATCH ?)" : "(source_ip LIKE ? ESCAPE '\\' OR user_name LIKE ? ESCAPE '\\')",
      otherP: indexed ? [`"${text.replaceAll('"', '""')}"`] : [like, like],
      indexed,
    };
  };
  /** WHERE clause of an alert query (account first: every index starts with it). */
  const alertWhere = (accountId: string, q: AlertFilter, skip: Set<string> = new Set(), text?: TextMatch) => {
    const w: string[] = ["account_id = ?"];
    const p: P[] = [accountId];
    const eq = (col: string, v: string | undefined) => { if (v !== undefined && !skip.has(col)) { w.push(`${col} = ?`); p.push(v); } };
    eq("type", q.type); eq("severity", q.severity); eq("status", q.status); eq("asset_id", q.assetId); eq("source_ip", q.sourceIp);
    if (q.from !== undefined) { w.push("last_seen >= ?"); p.push(q.from); }
    if (q.to !== undefined) { w.push("first_seen <= ?"); p.push(q.to); }
    if (q.text) {
      const t = text ?? alertText(accountId, q.text);
      w.push(t.pairs ? `(${t.pairs} OR ${t.other})` : t.other);
      p.push(...t.pairP, ...t.otherP);
    }
    return { w, p };
  };
  /**
   * Matching alerts in total (col null, key "") or per status/severity. SQLite keeps no statistics
   * here, so the SQL picks the plan: alert_counts when no asset/address/time filter, one index seek
   * per status/severity for a time range, otherwise the filter's own index (`+col` keeps the
   * status/severity index, which only saves the GROUP BY sort, from being walked in full).
   */
  const alertCount = (accountId: string, q: AlertFilter, col: "status" | "severity" | null, skip: Set<string> = new Set(), text?: TextMatch): Record<string, number> => {
    const out: Record<string, number> = {};
    const add = (rows: Row[]) => { for (const r of rows) if (num(r.n) > 0) out[str(r.k)] = (out[str(r.k)] ?? 0) + num(r.n); };
    const k = col ?? "''";
    const group = (plus: string) => (col ? ` GROUP BY ${plus}${col}` : "");
    const t = q.text ? (text ?? alertText(accountId, q.text)) : undefined;
    if (q.assetId === undefined && q.sourceIp === undefined && q.from === undefined && q.to === undefined) {
      const { w, p } = alertWhere(accountId, { type: q.type, status: q.status, severity: q.severity }, skip);
      const where = w.join(" AND ");
      if (!t) {
        add(c.all(`SELECT ${k} AS k, SUM(n) AS n FROM alert_counts WHERE ${where}${group("")}`, ...p));
      } else {
        if (t.pairs) add(c.all(`SELECT ${k} AS k, SUM(n) AS n FROM alert_counts WHERE ${where} AND ${t.pairs}${group("")}`, ...p, ...t.pairP));
        // plus the alerts found by address or user name whose name and type did not match
        add(c.all(`SELECT ${k} AS k, COUNT(*) AS n FROM alerts WHERE ${where} AND ${t.other}${t.pairs ? ` AND NOT ${t.pairs}` : ""}${group("+")}`, ...p, ...t.otherP, ...t.pairP));
      }
    } else {
      const { w, p } = alertWhere(accountId, q, skip, t);
      const timeOnly = q.assetId === undefined && q.sourceIp === undefined && q.type === undefined && q.to === undefined && !t;
      if (col && timeOnly) {
        w.push(`${col} IN (SELECT ${col} FROM alert_counts WHERE account_id = ? AND n > 0)`);
        p.push(accountId);
      }
      add(c.all(`SELECT ${k} AS k, COUNT(*) AS n FROM alerts WHERE ${w.join(" AND ")}${group(col && timeOnly ? "" : "+")}`, ...p));
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
  };
  /** Up to this many alerts carry the text: list them from the text index rather than walk the newest-first index. */
  const TEXT_DRIVES = 1_000;
  const alerts: AlertStore = {
    async insert(a) {
      await g();
      c.run(`INSERT INTO alerts (account_id, asset_id, type, rule_id, name, severity, status, dedup_key, first_seen, last_seen, count, source_ip, user_name, attack, evidence, triage, response, handled_how, whitelisted_by, created_at, updated_at, id)
             VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, ...alertParams(a), a.id);
    },
    async get(accountId, id) {
      await g();
      const r = c.get("SELECT * FROM alerts WHERE id = ? AND account_id = ?", id, accountId);
      return r ? toAlert(r) : null;
    },
    async findOpen(assetId, dedupKey) {
      await g();
      const r = c.get("SELECT * FROM alerts WHERE asset_id = ? AND dedup_key = ? AND status <> 'expired' ORDER BY created_at DESC LIMIT 1", assetId, dedupKey);
      return r ? toAlert(r) : null;
    },
    async update(a) {
      await g();
      c.run(`UPDATE alerts SET account_id=?, asset_id=?, type=?, rule_id=?, name=?, severity=?, status=?, dedup_key=?, first_seen=?, last_seen=?, count=?, source_ip=?, user_name=?, attack=?, evidence=?, triage=?, response=?, handled_how=?, whitelisted_by=?, created_at=?, updated_at=? WHERE id = ?`,
        ...alertParams(a), a.id);
    },
    async list(accountId: string, q: AlertQuery) {
      await g();
      const t = q.text ? alertText(accountId, q.text) : undefined;
      const total = alertCount(accountId, q, null, new Set(), t)[""] ?? 0;
      if (total === 0) return { items: [], total };
      const drive = t !== undefined && t.pairs === null && t.indexed && num(c.get("SELECT COUNT(*) AS n FROM alerts_text WHERE alerts_text MATCH ?", ...t.otherP)!.n) <= TEXT_DRIVES;
      const { w, p } = alertWhere(accountId, drive ? { ...q, text: undefined } : q, new Set(), t);
      if (q.after) {
        w.push("(last_seen < ? OR (last_seen = ? AND id < ?))");
        p.push(q.after.lastSeen, q.after.lastSeen, q.after.id);
      }
      // CROSS JOIN: SQLite keeps the text matches as the outer loop
      const from = drive ? "(SELECT rowid AS r FROM alerts_text WHERE alerts_text MATCH ?) AS m CROSS JOIN alerts ON alerts.rowid = m.r" : "alerts";
      const items = c.all(`SELECT alerts.* FROM ${from} WHERE ${w.join(" AND ")} ORDER BY last_seen DESC, id DESC LIMIT ? OFFSET ?`, ...(drive ? t.otherP : []), ...p, q.limit, q.after ? 0 : q.offset).map(toAlert);
      return { items, total };
    },
    async counts(accountId, q) {
      await g();
      const t = q.text ? alertText(accountId, q.text) : undefined;
      const counts: AlertCounts = {
        total: alertCount(accountId, q, null, new Set(), t)[""] ?? 0,
        byStatus: alertCount(accountId, q, "status", new Set(["status"]), t),
        bySeverity: alertCount(accountId, q, "severity", new Set(["severity"]), t),
      };
      return counts;
    },
    async everHad(assetId, dedupKey) {
      await g();
      return c.get("SELECT 1 AS x FROM alerts WHERE asset_id = ? AND dedup_key = ? LIMIT 1", assetId, dedupKey) !== undefined;
    },
    async evidenceKeys(accountId, type, sample) {
      await g();
      const keys = new Set<string>();
      for (const r of c.all("SELECT evidence FROM alerts WHERE account_id = ? AND type = ? ORDER BY last_seen DESC LIMIT ?", accountId, type, sample)) {
        for (const k of Object.keys(JSON.parse(str(r.evidence)) as object)) keys.add(k);
      }
      return [...keys].sort();
    },
    async listStale(before, limit) {
      await g();
      return c.all("SELECT * FROM alerts WHERE last_seen < ? AND status <> 'expired' ORDER BY last_seen LIMIT ?", before, limit).map(toAlert);
    },
  };

  const policyParams = (x: IpPolicy): P[] => [x.accountId, x.assetId, x.ip, x.status, x.reason, x.alertId, x.createdBy, x.createdAt, x.expiresAt, x.updatedAt, x.lastResult];
  const policies: PolicyStore = {
    async insert(x) {
      await g();
      c.run("INSERT INTO ip_policies (account_id, asset_id, ip, status, reason, alert_id, created_by, created_at, expires_at, updated_at, last_result, id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", ...policyParams(x), x.id);
    },
    async get(accountId, id) {
      await g();
      const r = c.get("SELECT * FROM ip_policies WHERE id = ? AND account_id = ?", id, accountId);
      return r ? toPolicy(r) : null;
    },
    async update(x) {
      await g();
      c.run("UPDATE ip_policies SET account_id=?, asset_id=?, ip=?, status=?, reason=?, alert_id=?, created_by=?, created_at=?, expires_at=?, updated_at=?, last_result=? WHERE id = ?", ...policyParams(x), x.id);
    },
    async list(accountId, q) {
      await g();
      const w: string[] = ["account_id = ?"];
      const p: P[] = [accountId];
      if (q.status) { w.push("status = ?"); p.push(q.status); }
      if (q.ip) { w.push("ip = ?"); p.push(q.ip); }
      if (q.assetId) { w.push("asset_id = ?"); p.push(q.assetId); }
      return page(c, `WHERE ${w.join(" AND ")}`, p, "ip_policies", "created_at DESC, id", q.limit, q.offset, toPolicy);
    },
    async findLive(assetId, ip) {
      await g();
      const r = c.get("SELECT * FROM ip_policies WHERE asset_id = ? AND ip = ? AND status IN ('pending','active') ORDER BY created_at DESC LIMIT 1", assetId, ip);
      return r ? toPolicy(r) : null;
    },
    async listDue(now) {
      await g();
      return c.all("SELECT * FROM ip_policies WHERE status IN ('pending','active') AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at", now).map(toPolicy);
    },
  };

  const actions: ActionStore = {
    async insert(a) {
      await g();
      c.run("INSERT INTO agent_actions (id, account_id, agent_id, type, params, policy_id, status, created_at, sent_at, finished_at, result) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        a.id, a.accountId, a.agentId, a.type, JSON.stringify(a.params), a.policyId, a.status, a.createdAt, a.sentAt, a.finishedAt, a.result);
    },
    async get(accountId, id) {
      await g();
      const r = c.get("SELECT * FROM agent_actions WHERE id = ? AND account_id = ?", id, accountId);
      return r ? toAction(r) : null;
    },
    async takeQueued(agentId, at, max) {
      await g();
      const rows = c.all("SELECT * FROM agent_actions WHERE agent_id = ? AND status = 'queued' ORDER BY created_at, id LIMIT ?", agentId, max).map(toAction);
      for (const a of rows) {
        c.run("UPDATE agent_actions SET status = 'sent', sent_at = ? WHERE id = ?", at, a.id);
        a.status = "sent";
        a.sentAt = at;
      }
      return rows;
    },
    async requeueStale(before) {
      await g();
      return c.run("UPDATE agent_actions SET status = 'queued' WHERE status = 'sent' AND sent_at < ?", before);
    },
    async finish(id, agentId, status, result, at) {
      await g();
      const n = c.run("UPDATE agent_actions SET status = ?, result = ?, finished_at = ? WHERE id = ? AND agent_id = ? AND status IN ('queued','sent')", status, result, at, id, agentId);
      if (n === 0) return null;
      return toAction(c.get("SELECT * FROM agent_actions WHERE id = ?", id)!);
    },
    async list(accountId, q) {
      await g();
      const w: string[] = ["account_id = ?"];
      const p: P[] = [accountId];
      if (q.agentId) { w.push("agent_id = ?"); p.push(q.agentId); }
      if (q.policyId) { w.push("policy_id = ?"); p.push(q.policyId); }
      return page(c, `WHERE ${w.join(" AND ")}`, p, "agent_actions", "created_at DESC, id", q.limit, q.offset, toAction);
    },
  };

  const allowlist: AllowlistStore = {
    async insert(e) {
      await g();
      c.run("INSERT INTO allowlist (id, account_id, cidr, note, created_at, created_by) VALUES (?,?,?,?,?,?)", e.id, e.accountId, e.cidr, e.note, e.createdAt, e.createdBy);
    },
    async remove(accountId, id) {
      await g();
      return c.run("DELETE FROM allowlist WHERE id = ? AND account_id = ?", id, accountId) > 0;
    },
    async list(accountId) {
      await g();
      return c.all("SELECT * FROM allowlist WHERE account_id = ? ORDER BY created_at", accountId).map(toAllow);
    },
  };

  const users: UserStore = {
    async insert(u) {
      await g();
      c.run("INSERT INTO users (id, account_id, username, password_hash, role, created_at, must_change_password, disabled_at) VALUES (?,?,?,?,?,?,?,?)",
        u.id, u.accountId, u.username, u.passwordHash, u.role, u.createdAt, u.mustChangePassword ? 1 : 0, u.disabledAt);
    },
    async get(id) {
      await g();
      const r = c.get("SELECT * FROM users WHERE id = ?", id);
      return r ? toUser(r) : null;
    },
    async getIn(accountId, id) {
      await g();
      const r = c.get("SELECT * FROM users WHERE id = ? AND account_id = ?", id, accountId);
      return r ? toUser(r) : null;
    },
    async list(accountId) {
      await g();
      return c.all("SELECT * FROM users WHERE account_id = ? ORDER BY username", accountId).map(toUser);
    },
    async update(accountId, id, patch) {
      await g();
      const u = c.get("SELECT * FROM users WHERE id = ? AND account_id = ?", id, accountId);
      if (!u) return false;
      c.run("UPDATE users SET role = ?, disabled_at = ? WHERE id = ?", patch.role ?? str(u.role), patch.disabledAt === undefined ? numOrNull(u.disabled_at) : patch.disabledAt, id);
      return true;
    },
    async findByName(name) {
      await g();
      const r = c.get("SELECT * FROM users WHERE username = ?", name);
      return r ? toUser(r) : null;
    },
    async count() {
      await g();
      return num(c.get("SELECT COUNT(*) AS n FROM users")!.n);
    },
    async updatePassword(id, hash, mustChange) {
      await g();
      c.run("UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?", hash, mustChange ? 1 : 0, id);
    },
  };

  const apiTokens: ApiTokenStore = {
    async insert(t) {
      await g();
      c.run("INSERT INTO api_tokens (id, user_id, name, role, token_hash, created_at, expires_at, revoked_at, last_used_at) VALUES (?,?,?,?,?,?,?,?,?)",
        t.id, t.userId, t.name, t.role, t.tokenHash, t.createdAt, t.expiresAt, t.revokedAt, t.lastUsedAt);
    },
    async findByHash(h) {
      await g();
      const r = c.get("SELECT * FROM api_tokens WHERE token_hash = ?", h);
      return r ? toApiToken(r) : null;
    },
    async revoke(id, at) {
      await g();
      return c.run("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", at, id) > 0;
    },
    async get(id) {
      await g();
      const r = c.get("SELECT * FROM api_tokens WHERE id = ?", id);
      return r ? toApiToken(r) : null;
    },
    async touch(id, at) {
      await g();
      c.run("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", at, id);
    },
    async listForUser(userId) {
      await g();
      return c.all("SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at", userId).map(toApiToken);
    },
  };

  const settings: SettingsStore = {
    async get<T>(key: string) {
      await g();
      const r = c.get("SELECT value FROM settings WHERE key = ?", key);
      return r ? (JSON.parse(str(r.value)) as T) : undefined;
    },
    async set(key, value) {
      await g();
      c.run("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, JSON.stringify(value));
    },
  };

  const accountSettings: AccountSettingsStore = {
    async get<T>(accountId: string, key: string) {
      await g();
      const r = c.get("SELECT value FROM account_settings WHERE account_id = ? AND key = ?", accountId, key);
      return r ? (JSON.parse(str(r.value)) as T) : undefined;
    },
    async set(accountId, key, value) {
      await g();
      c.run("INSERT INTO account_settings (account_id, key, value) VALUES (?, ?, ?) ON CONFLICT (account_id, key) DO UPDATE SET value = excluded.value", accountId, key, JSON.stringify(value));
    },
  };

  const accounts: AccountStore = {
    async insert(a) {
      await g();
      c.run("INSERT INTO accounts (id, name, parent_id, created_at) VALUES (?,?,?,?)", a.id, a.name, a.parentId, a.createdAt);
    },
    async get(id) {
      await g();
      const r = c.get("SELECT * FROM accounts WHERE id = ?", id);
      return r ? toAccount(r) : null;
    },
    async listManaged(id) {
      await g();
      return c.all("SELECT * FROM accounts WHERE id = ? OR parent_id = ? ORDER BY parent_id IS NOT NULL, name", id, id).map(toAccount);
    },
  };

  const sessions: SessionStore = {
    async insert(x) {
      await g();
      c.run("INSERT INTO sessions (id_hash, user_id, csrf, ip, created_at, expires_at, last_seen_at) VALUES (?,?,?,?,?,?,?)", x.idHash, x.userId, x.csrf, x.ip, x.createdAt, x.expiresAt, x.lastSeenAt);
    },
    async get(idHash) {
      await g();
      const r = c.get("SELECT * FROM sessions WHERE id_hash = ?", idHash);
      return r ? toSession(r) : null;
    },
    async touch(idHash, at) {
      await g();
      c.run("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", at, idHash);
    },
    async remove(idHash) {
      await g();
      c.run("DELETE FROM sessions WHERE id_hash = ?", idHash);
    },
    async removeForUser(userId, except) {
      await g();
      return c.run("DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?", userId, except ?? "");
    },
  };

  const logins: LoginStore = {
    async addFailure(username, ip, at) {
      await g();
      c.run("INSERT INTO login_failures (username, ip, at) VALUES (?,?,?)", username, ip, at);
    },
    async failuresForUserFrom(username, ip, since) {
      await g();
      return num(c.get("SELECT COUNT(*) AS n FROM login_failures WHERE username = ? AND ip = ? AND at >= ?", username, ip, since)!.n);
    },
    async failuresFrom(ip, since) {
      await g();
      return num(c.get("SELECT COUNT(*) AS n FROM login_failures WHERE ip = ? AND at >= ?", ip, since)!.n);
    },
    async failuresForUser(username, since) {
      await g();
      return num(c.get("SELECT COUNT(*) AS n FROM login_failures WHERE username = ? AND at >= ?", username, since)!.n);
    },
    async oldestFailure(q, since) {
      await g();
      const w = ["at >= ?"];
      const p: P[] = [since];
      if (q.username !== undefined) { w.push("username = ?"); p.push(q.username); }
      if (q.ip !== undefined) { w.push("ip = ?"); p.push(q.ip); }
      const r = c.get(`SELECT MIN(at) AS t FROM login_failures WHERE ${w.join(" AND ")}`, ...p);
      return numOrNull(r?.t);
    },
    async clearFailures(username, ip) {
      await g();
      c.run("DELETE FROM login_failures WHERE username = ? AND ip = ?", username, ip);
    },
    async markKnownSource(userId, ip, at) {
      await g();
      c.run("INSERT INTO known_sources (user_id, ip, last_at) VALUES (?,?,?) ON CONFLICT (user_id, ip) DO UPDATE SET last_at = excluded.last_at", userId, ip, at);
    },
    async isKnownSource(userId, ip, since) {
      await g();
      return c.get("SELECT 1 AS k FROM known_sources WHERE user_id = ? AND ip = ? AND last_at >= ?", userId, ip, since) !== undefined;
    },
  };

  const audit: AuditStore = {
    async insert(e) {
      await g();
      c.run("INSERT INTO audit_log (id, account_id, at, actor, ip, action, target, outcome, details) VALUES (?,?,?,?,?,?,?,?,?)",
        e.id, e.accountId, e.at, e.actor, e.ip, e.action, e.target, e.outcome, JSON.stringify(e.details));
    },
    async list(accountId, q) {
      await g();
      const w: string[] = ["account_id = ?"];
      const p: P[] = [accountId];
      if (q.action) { w.push("action = ?"); p.push(q.action); }
      if (q.actor) { w.push("actor = ?"); p.push(q.actor); }
      if (q.from !== undefined) { w.push("at >= ?"); p.push(q.from); }
      if (q.to !== undefined) { w.push("at <= ?"); p.push(q.to); }
      return page(c, `WHERE ${w.join(" AND ")}`, p, "audit_log", "at DESC, id DESC", q.limit, q.offset, toAudit);
    },
  };

  const channelParams = (x: NotificationChannel): P[] => [x.accountId, x.name, x.kind, JSON.stringify(x.config), x.minSeverity, JSON.stringify(x.types), x.enabled ? 1 : 0, x.createdAt, x.updatedAt];
  const notifications: NotificationStore = {
    async insertChannel(x) {
      await g();
      c.run("INSERT INTO notification_channels (account_id, name, kind, config, min_severity, types, enabled, created_at, updated_at, id) VALUES (?,?,?,?,?,?,?,?,?,?)", ...channelParams(x), x.id);
    },
    async updateChannel(x) {
      await g();
      c.run("UPDATE notification_channels SET account_id=?, name=?, kind=?, config=?, min_severity=?, types=?, enabled=?, created_at=?, updated_at=? WHERE id = ?", ...channelParams(x), x.id);
    },
    async deleteChannel(accountId, id) {
      await g();
      return c.run("DELETE FROM notification_channels WHERE id = ? AND account_id = ?", id, accountId) > 0;
    },
    async getChannel(accountId, id) {
      await g();
      const r = c.get("SELECT * FROM notification_channels WHERE id = ? AND account_id = ?", id, accountId);
      return r ? toChannel(r) : null;
    },
    async listChannels(accountId) {
      await g();
      return c.all("SELECT * FROM notification_channels WHERE account_id = ? ORDER BY created_at, id", accountId).map(toChannel);
    },
    async enqueue(items) {
      await g();
      for (const x of items) {
        c.run("INSERT INTO notification_outbox (id, account_id, channel_id, alert_id, payload, status, attempts, next_attempt_at, last_error, created_at, sent_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
          x.id, x.accountId, x.channelId, x.alertId, JSON.stringify(x.payload), x.status, x.attempts, x.nextAttemptAt, x.lastError, x.createdAt, x.sentAt);
      }
    },
    async due(now, limit) {
      await g();
      return c.all("SELECT * FROM notification_outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?", now, limit).map(toOutbox);
    },
    async markSent(id, at) {
      await g();
      c.run("UPDATE notification_outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?", at, id);
    },
    async markRetry(id, attempts, nextAt, error) {
      await g();
      c.run("UPDATE notification_outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?", attempts, nextAt, error, id);
    },
    async markDead(id, attempts, error) {
      await g();
      c.run("UPDATE notification_outbox SET status = 'dead', attempts = ?, last_error = ? WHERE id = ?", attempts, error, id);
    },
    async listOutbox(accountId, q) {
      await g();
      const w: string[] = ["account_id = ?"];
      const p: P[] = [accountId];
      if (q.status) { w.push("status = ?"); p.push(q.status); }
      if (q.channelId) { w.push("channel_id = ?"); p.push(q.channelId); }
      if (q.alertId) { w.push("alert_id = ?"); p.push(q.alertId); }
      return page(c, `WHERE ${w.join(" AND ")}`, p, "notification_outbox", "created_at DESC, id DESC", q.limit, q.offset, toOutbox);
    },
  };

  const transitions: AlertTransitionStore = {
    async insert(t) {
      await g();
      c.run("INSERT INTO alert_transitions (id, account_id, alert_id, at, from_status, to_status, actor, how, remark) VALUES (?,?,?,?,?,?,?,?,?)", t.id, t.accountId, t.alertId, t.at, t.from, t.to, t.actor, t.how, t.remark);
    },
    async list(accountId, alertId) {
      await g();
      return c.all("SELECT * FROM alert_transitions WHERE account_id = ? AND alert_id = ? ORDER BY at, id", accountId, alertId).map(toTransition);
    },
  };

  const whitelist: WhitelistStore = {
    async insertEntry(e) {
      await g();
      c.run("INSERT INTO whitelist_entries (id, account_id, alert_type, fields, asset_id, source_alert_id, created_by, created_at) VALUES (?,?,?,?,?,?,?,?)", e.id, e.accountId, e.alertType, JSON.stringify(e.fields), e.assetId, e.sourceAlertId, e.createdBy, e.createdAt);
    },
    async listEntries(accountId, alertType) {
      await g();
      return (alertType === undefined ? c.all("SELECT * FROM whitelist_entries WHERE account_id = ? ORDER BY created_at, id", accountId) : c.all("SELECT * FROM whitelist_entries WHERE account_id = ? AND alert_type = ? ORDER BY created_at, id", accountId, alertType)).map(toEntry);
    },
    async deleteEntriesFromAlert(accountId, alertId) {
      await g();
      return c.run("DELETE FROM whitelist_entries WHERE account_id = ? AND source_alert_id = ?", accountId, alertId);
    },
    async deleteEntry(accountId, id) {
      await g();
      return c.run("DELETE FROM whitelist_entries WHERE account_id = ? AND id = ?", accountId, id) > 0;
    },
    async insertRule(r) {
      await g();
      c.run("INSERT INTO whitelist_rules (id, account_id, alert_type, field, operator, value, asset_id, note, created_by, created_at, deleted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", r.id, r.accountId, r.alertType, r.field, r.operator, r.value, r.assetId, r.note, r.createdBy, r.createdAt, r.deletedAt);
    },
    async listRules(accountId) {
      await g();
      return c.all("SELECT * FROM whitelist_rules WHERE account_id = ? AND deleted_at IS NULL ORDER BY created_at, id", accountId).map(toRule);
    },
    async getRule(accountId, id) {
      await g();
      const r = c.get("SELECT * FROM whitelist_rules WHERE account_id = ? AND id = ?", accountId, id);
      return r ? toRule(r) : null;
    },
    async deleteRule(accountId, id, at) {
      await g();
      return c.run("UPDATE whitelist_rules SET deleted_at = ? WHERE account_id = ? AND id = ? AND deleted_at IS NULL", at, accountId, id) > 0;
    },
  };

  const stats = buildSqliteStatsStore(c, g);
  const { logon, baseline, inventory } = buildSqliteLogonStores(c, g);
  const quarantine = buildSqliteQuarantineStore(c, g);
  const events = buildSqliteEventStore(c, g);
  const eventTasks = buildSqliteEventTaskStore(c, g);

  const coordination = buildSqliteCoordinationStore(c, g);

  return { agents, enrolTokens, telemetry, alerts, policies, actions, allowlist, users, apiTokens, settings, accountSettings, accounts, sessions, logins, audit, notifications, transitions, whitelist, stats, logon, baseline, inventory, quarantine, events, eventTasks, coordination };
}

export interface SqliteStoreOptions {
  /** File path, or ":memory:". */
  path: string;
}

/** The default store: one SQLite file in WAL mode, synchronous=FULL so an acknowledged write survives a crash. */
export class SqliteStore implements Store {
  readonly agents; readonly enrolTokens; readonly telemetry; readonly alerts; readonly policies;
  readonly actions; readonly allowlist; readonly users; readonly apiTokens; readonly settings;
  readonly accountSettings; readonly accounts; readonly sessions; readonly logins; readonly audit; readonly notifications;
  readonly transitions; readonly whitelist; readonly stats; readonly logon; readonly baseline; readonly inventory; readonly quarantine;
  readonly events; readonly eventTasks; readonly coordination;
  readonly #c: Conn;
  readonly #txView: Store;

  constructor(opts: SqliteStoreOptions) {
    if (opts.path !== ":memory:") mkdirSync(dirname(opts.path), { recursive: true });
    const db = new DatabaseSync(opts.path);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;");
    this.#c = new Conn(db);
    migrate(db);
    const root = buildStores(this.#c, () => this.#c.tx);
    ({ agents: this.agents, enrolTokens: this.enrolTokens, telemetry: this.telemetry, alerts: this.alerts, policies: this.policies,
      actions: this.actions, allowlist: this.allowlist, users: this.users, apiTokens: this.apiTokens, settings: this.settings,
      accountSettings: this.accountSettings, accounts: this.accounts, sessions: this.sessions, logins: this.logins, audit: this.audit,
      notifications: this.notifications, transitions: this.transitions, whitelist: this.whitelist, stats: this.stats,
      logon: this.logon, baseline: this.baseline, inventory: this.inventory, quarantine: this.quarantine, events: this.events, eventTasks: this.eventTasks, coordination: this.coordination } = root);
    const inner = buildStores(this.#c, () => null);
    const view: Store = { ...inner, transaction: (fn) => fn(view), close: async () => {} };
    this.#txView = view;
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    const c = this.#c;
    // node:sqlite is synchronous: transactions queued back to back (ingest under load) run in one
    // chain of microtasks, and the event loop would read no socket, answer no poll and finish no
    // TLS handshake until the queue is empty. Let it turn when it has not for a while.
    if (performance.now() - c.loopSeen > LOOP_TURN_MS) await new Promise((r) => setImmediate(r));
    c.watchLoop();
    for (;;) {
      while (c.tx) await c.tx.catch(() => {});
      if (c.waiting === 0) break;
      // statements that waited for the last transaction run first (they resume in this microtask drain)
      await new Promise((r) => setImmediate(r));
    }
    const run = (async () => {
      c.db.exec("BEGIN IMMEDIATE");
      try {
        const v = await fn(this.#txView);
        c.db.exec("COMMIT");
        return v;
      } catch (e) {
        c.db.exec("ROLLBACK");
        throw e;
      }
    })();
    c.tx = run;
    try {
      return await run;
    } finally {
      if (c.tx === run) c.tx = null;
    }
  }

  async close(): Promise<void> {
    while (this.#c.tx) await this.#c.tx.catch(() => {});
    this.#c.db.close();
  }
}

function migrate(db: DatabaseSync): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  const done = new Set((db.prepare("SELECT version FROM schema_migrations").all() as Row[]).map((r) => Number(r.version)));
  for (const m of loadMigrations()) {
    if (done.has(m.version)) continue;
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(m.version, m.name, Date.now());
      db.exec("COMMIT");
    } catch (e) {
      db.exec("ROLLBACK");
      throw e;
    }
  }
}
