import type { SQLInputValue } from "node:sqlite";
import type { EventActivity, EventEdge, EventEntity, EventStore, SecurityEvent } from "../../core/index.ts";

type Row = Record<string, SQLInputValue>;
type P = SQLInputValue;

export interface EventConn {
  all(sql: string, ...p: P[]): Row[];
  get(sql: string, ...p: P[]): Row | undefined;
  run(sql: string, ...p: P[]): number;
}

const num = (v: SQLInputValue | undefined): number => Number(v);
const str = (v: SQLInputValue | undefined): string => String(v);
const strOrNull = (v: SQLInputValue | undefined): string | null => (v === null || v === undefined ? null : String(v));
const OPEN = "('unhandled','handling','failed')";

const toEvent = (r: Row): SecurityEvent => ({
  id: str(r.id), accountId: str(r.account_id), title: str(r.title), status: str(r.status) as SecurityEvent["status"],
  severity: str(r.severity) as SecurityEvent["severity"], severityOverride: strOrNull(r.severity_override) as SecurityEvent["severityOverride"],
  ownerUserId: strOrNull(r.owner_user_id), firstSeen: num(r.first_seen), lastSeen: num(r.last_seen), alertCount: num(r.alert_count),
  assetIds: JSON.parse(str(r.asset_ids)), tactics: JSON.parse(str(r.tactics)), techniques: JSON.parse(str(r.techniques)), stage: strOrNull(r.stage),
  alertTypes: JSON.parse(str(r.alert_types)), joinedBy: JSON.parse(str(r.joined_by)), handledHow: strOrNull(r.handled_how),
  handledAt: r.handled_at === null ? null : num(r.handled_at), createdAt: num(r.created_at), updatedAt: num(r.updated_at),
});
const toEntity = (r: Row): EventEntity => ({
  key: str(r.entity_key), kind: str(r.kind) as EventEntity["kind"], label: str(r.label), assetId: strOrNull(r.asset_id),
  malicious: num(r.malicious) === 1, firstSeen: num(r.first_seen), lastSeen: num(r.last_seen),
});
const toEdge = (r: Row): EventEdge => ({
  from: str(r.from_key), to: str(r.to_key), relation: str(r.relation) as EventEdge["relation"], alertId: str(r.alert_id), ts: num(r.ts),
});
const toActivity = (r: Row): EventActivity => ({
  id: str(r.id), eventId: str(r.event_id), accountId: str(r.account_id), at: num(r.at), actor: str(r.actor), action: str(r.action), detail: str(r.detail), remark: str(r.remark),
});

const eventParams = (e: SecurityEvent): P[] => [e.accountId, e.title, e.status, e.severity, e.severityOverride, e.ownerUserId, e.firstSeen, e.lastSeen, e.alertCount,
  JSON.stringify(e.assetIds), JSON.stringify(e.tactics), JSON.stringify(e.techniques), e.stage, JSON.stringify(e.alertTypes), JSON.stringify(e.joinedBy),
  e.handledHow, e.handledAt, e.createdAt, e.updatedAt];

/** LIKE pattern for a substring; attacker text is data (wildcards escaped, bound as a parameter). */
const likeOf = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (m) => "\\" + m)}%`;

/** Entity upsert: lastSeen grows, firstSeen shrinks, malicious only turns true; the label stays the first one. */
const UPSERT_ENTITY = `INSERT INTO event_entities (event_id, entity_key, account_id, kind, label, asset_id, malicious, first_seen, last_seen) VALUES (?,?,?,?,?,?,?,?,?)
  ON CONFLICT (event_id, entity_key) DO UPDATE SET last_seen = MAX(last_seen, excluded.last_seen), first_seen = MIN(first_seen, excluded.first_seen),
  malicious = MAX(malicious, excluded.malicious)`;

/** EVT-1 … EVT-13: the SQLite adapter of the event port. */
export function buildSqliteEventStore(c: EventConn, g: () => Promise<void>): EventStore {
  /** Everything of these events goes; their alerts too when last seen before `before` (EVT-3). */
  const purgeEvents = (ids: string[], before: number) => {
    for (const id of ids) {
      for (const r of c.all("SELECT a.id FROM event_alerts ea JOIN alerts a ON a.id = ea.alert_id WHERE ea.event_id = ? AND a.last_seen < ?", id, before)) {
        c.run("DELETE FROM alert_transitions WHERE alert_id = ?", r.id!);
        c.run("DELETE FROM alerts WHERE id = ?", r.id!);
      }
      c.run("DELETE FROM event_alerts WHERE event_id = ?", id);
      c.run("DELETE FROM event_entities WHERE event_id = ?", id);
      c.run("DELETE FROM event_edges WHERE event_id = ?", id);
      c.run("DELETE FROM event_activity WHERE event_id = ?", id);
      c.run("DELETE FROM event_tasks WHERE event_id = ?", id);
      c.run("DELETE FROM security_events WHERE id = ?", id);
    }
  };

  return {
    async insert(e) {
      await g();
      c.run(`INSERT INTO security_events (account_id, title, status, severity, severity_override, owner_user_id, first_seen, last_seen, alert_count, asset_ids, tactics, techniques, stage, alert_types, joined_by, handled_how, handled_at, created_at, updated_at, id)
             VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, ...eventParams(e), e.id);
    },
    async update(e) {
      await g();
      c.run(`UPDATE security_events SET account_id=?, title=?, status=?, severity=?, severity_override=?, owner_user_id=?, first_seen=?, last_seen=?, alert_count=?, asset_ids=?, tactics=?, techniques=?, stage=?, alert_types=?, joined_by=?, handled_how=?, handled_at=?, created_at=?, updated_at=? WHERE id = ?`,
        ...eventParams(e), e.id);
    },
    async get(accountId, id) {
      await g();
      const r = c.get("SELECT * FROM security_events WHERE id = ? AND account_id = ?", id, accountId);
      return r ? toEvent(r) : null;
    },
    async list(accountId, q) {
      await g();
      const w: string[] = ["account_id = ?"];
      const p: P[] = [accountId];
      const anyOf = (col: string, vs: readonly string[] | undefined) => {
        if (vs === undefined) return;
        if (vs.length === 0) { w.push("1 = 0"); return; }
        w.push(`${col} IN (${vs.map(() => "?").join(",")})`);
        p.push(...vs);
      };
      anyOf("status", q.status);
      anyOf("severity", q.severity);
      if (q.from !== undefined) { w.push("last_seen >= ?"); p.push(q.from); }
      if (q.to !== undefined) { w.push("first_seen <= ?"); p.push(q.to); }
      if (q.ownerUserId !== undefined) { w.push("owner_user_id = ?"); p.push(q.ownerUserId); }
      // every event holds a host entity per asset (src/alerting/entities.ts): the key index finds them
      if (q.assetId !== undefined) { w.push("id IN (SELECT event_id FROM event_entities WHERE account_id = ? AND entity_key = ?)"); p.push(accountId, `host:${q.assetId}`); }
      if (q.text) {
        const like = likeOf(q.text);
        w.push("(LOWER(title) LIKE ? ESCAPE '\\' OR id IN (SELECT event_id FROM event_entities WHERE account_id = ? AND LOWER(label) LIKE ? ESCAPE '\\'))");
        p.push(like, accountId, like);
      }
      const where = w.join(" AND ");
      const total = num(c.get(`SELECT COUNT(*) AS n FROM security_events WHERE ${where}`, ...p)!.n);
      const items = total === 0 ? [] : c.all(`SELECT * FROM security_events WHERE ${where} ORDER BY last_seen DESC, id DESC LIMIT ? OFFSET ?`, ...p, q.limit, q.offset).map(toEvent);
      return { items, total };
    },
    async addAlert(eventId, alertId, at) {
      await g();
      c.run("INSERT INTO event_alerts (alert_id, event_id, added_at) VALUES (?,?,?) ON CONFLICT (alert_id) DO NOTHING", alertId, eventId, at);
    },
    async removeAlert(eventId, alertId) {
      await g();
      c.run("DELETE FROM event_alerts WHERE alert_id = ? AND event_id = ?", alertId, eventId);
    },
    async eventOfAlert(alertId) {
      await g();
      return strOrNull(c.get("SELECT event_id FROM event_alerts WHERE alert_id = ?", alertId)?.event_id);
    },
    async alertIds(eventId) {
      await g();
      return c.all("SELECT alert_id FROM event_alerts WHERE event_id = ? ORDER BY added_at, alert_id", eventId).map((r) => str(r.alert_id));
    },
    async upsertEntities(eventId, accountId, entities, edges) {
      await g();
      for (const e of entities) c.run(UPSERT_ENTITY, eventId, e.key, accountId, e.kind, e.label, e.assetId, e.malicious ? 1 : 0, e.firstSeen, e.lastSeen);
      for (const x of edges) {
        c.run("INSERT INTO event_edges (event_id, from_key, to_key, relation, alert_id, ts) VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING", eventId, x.from, x.to, x.relation, x.alertId, x.ts);
      }
    },
    async entities(eventId) {
      await g();
      return c.all("SELECT * FROM event_entities WHERE event_id = ? ORDER BY kind, entity_key", eventId).map(toEntity);
    },
    async edges(eventId) {
      await g();
      return c.all("SELECT * FROM event_edges WHERE event_id = ? ORDER BY ts, from_key, to_key, relation, alert_id", eventId).map(toEdge);
    },
    async findOpenByEntities(accountId, keys, since) {
      await g();
      if (keys.length === 0) return [];
      const out: Array<{ eventId: string; key: string; lastSeen: number }> = [];
      // one index seek per key (account, key, last_seen >= since); chunks keep the statement's parameters bounded
      for (let i = 0; i < keys.length; i += 200) {
        const chunk = keys.slice(i, i + 200);
        const rows = c.all(
          `SELECT en.event_id, en.entity_key, en.last_seen FROM event_entities en JOIN security_events ev ON ev.id = en.event_id
           WHERE en.account_id = ? AND en.entity_key IN (${chunk.map(() => "?").join(",")}) AND en.last_seen >= ? AND ev.status IN ${OPEN}`,
          accountId, ...chunk, since);
        for (const r of rows) out.push({ eventId: str(r.event_id), key: str(r.entity_key), lastSeen: num(r.last_seen) });
      }
      return out.sort((a, b) => b.lastSeen - a.lastSeen || (a.eventId < b.eventId ? 1 : a.eventId > b.eventId ? -1 : 0));
    },
    async eventsWithEntity(accountId, key, since, limit) {
      await g();
      return c.all(
        `SELECT ev.* FROM event_entities en JOIN security_events ev ON ev.id = en.event_id
         WHERE en.account_id = ? AND en.entity_key = ? AND en.last_seen >= ? ORDER BY ev.last_seen DESC, ev.id DESC LIMIT ?`,
        accountId, key, since, limit).map(toEvent);
    },
    async addActivity(a) {
      await g();
      c.run("INSERT INTO event_activity (id, event_id, account_id, at, actor, action, detail, remark) VALUES (?,?,?,?,?,?,?,?)", a.id, a.eventId, a.accountId, a.at, a.actor, a.action, a.detail, a.remark);
    },
    async activity(accountId, eventId) {
      await g();
      return c.all("SELECT * FROM event_activity WHERE account_id = ? AND event_id = ? ORDER BY at, id", accountId, eventId).map(toActivity);
    },
    async purgeBefore(before, limit) {
      await g();
      const ids = c.all("SELECT id FROM security_events WHERE last_seen < ? ORDER BY last_seen LIMIT ?", before, limit).map((r) => str(r.id));
      purgeEvents(ids, before);
      return ids.length;
    },
    async merge(fromId, intoId) {
      await g();
      if (fromId === intoId) return;
      c.run("UPDATE event_alerts SET event_id = ? WHERE event_id = ?", intoId, fromId);
      // entities both events hold merge as an upsert does
      c.run(`INSERT INTO event_entities (event_id, entity_key, account_id, kind, label, asset_id, malicious, first_seen, last_seen)
             SELECT ?, entity_key, account_id, kind, label, asset_id, malicious, first_seen, last_seen FROM event_entities WHERE event_id = ?
             ON CONFLICT (event_id, entity_key) DO UPDATE SET last_seen = MAX(last_seen, excluded.last_seen), first_seen = MIN(first_seen, excluded.first_seen),
             malicious = MAX(malicious, excluded.malicious)`, intoId, fromId);
      c.run(`INSERT INTO event_edges (event_id, from_key, to_key, relation, alert_id, ts) SELECT ?, from_key, to_key, relation, alert_id, ts FROM event_edges WHERE event_id = ?
             ON CONFLICT DO NOTHING`, intoId, fromId);
      c.run("UPDATE event_activity SET event_id = ? WHERE event_id = ?", intoId, fromId);
      c.run("UPDATE event_tasks SET event_id = ? WHERE event_id = ?", intoId, fromId);
      c.run("DELETE FROM event_entities WHERE event_id = ?", fromId);
      c.run("DELETE FROM event_edges WHERE event_id = ?", fromId);
      c.run("DELETE FROM security_events WHERE id = ?", fromId);
    },
    async clearEntities(eventId) {
      await g();
      c.run("DELETE FROM event_entities WHERE event_id = ?", eventId);
      c.run("DELETE FROM event_edges WHERE event_id = ?", eventId);
    },
    async touch(eventId, keys, lastSeen, now, minStep) {
      await g();
      const moved = c.run("UPDATE security_events SET last_seen = ?, updated_at = ? WHERE id = ? AND last_seen <= ?", lastSeen, now, eventId, lastSeen - minStep) > 0;
      if (moved) for (const k of keys) c.run("UPDATE event_entities SET last_seen = ? WHERE event_id = ? AND entity_key = ? AND last_seen < ?", lastSeen, eventId, k, lastSeen);
      return moved;
    },
  };
}
