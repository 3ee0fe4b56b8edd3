import type { EventEntity, EventStore, EventTaskStore, SecurityEvent } from "../../core/index.ts";
import { type Db, Params } from "./pg-db.ts";
import { toActivity, toEdge, toEntity, toEvent, toTask, likeOf, num, str, strOrNull } from "./rows.ts";

const OPEN = "('unhandled','handling','failed')";

const eventParams = (e: SecurityEvent) => [e.accountId, e.title, e.status, e.severity, e.severityOverride, e.ownerUserId, e.firstSeen, e.lastSeen, e.alertCount,
  JSON.stringify(e.assetIds), JSON.stringify(e.tactics), JSON.stringify(e.techniques), e.stage, JSON.stringify(e.alertTypes), JSON.stringify(e.joinedBy),
  e.handledHow, e.handledAt, e.createdAt, e.updatedAt, e.id];

/** Entity merge: lastSeen grows, firstSeen shrinks, malicious only turns true; the label stays the first one. */
const MERGE_ENTITY = `ON CONFLICT (event_id, entity_key) DO UPDATE SET last_seen = GREATEST(event_entities.last_seen, excluded.last_seen),
  first_seen = LEAST(event_entities.first_seen, excluded.first_seen), malicious = GREATEST(event_entities.malicious, excluded.malicious)`;

/** Folds repeated keys of one batch the way successive upserts would (one statement may not touch a row twice). */
function foldEntities(entities: EventEntity[]): EventEntity[] {
  const byKey = new Map<string, EventEntity>();
  for (const e of entities) {
    const p = byKey.get(e.key);
    byKey.set(e.key, p ? { ...p, lastSeen: Math.max(p.lastSeen, e.lastSeen), firstSeen: Math.min(p.firstSeen, e.firstSeen), malicious: p.malicious || e.malicious } : e);
  }
  return [...byKey.values()];
}

/** EVT-1 … EVT-13 on PostgreSQL. Correlation state is here, shared by every worker. */
export function buildPgEventStore(db: Db): EventStore {
  return {
    async insert(e) {
      await db.run(`INSERT INTO security_events (account_id, title, status, severity, severity_override, owner_user_id, first_seen, last_seen, alert_count, asset_ids, tactics, techniques, stage, alert_types, joined_by, handled_how, handled_at, created_at, updated_at, id)
                    VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)`, eventParams(e));
    },
    async update(e) {
      await db.run(`UPDATE security_events SET account_id=$1, title=$2, status=$3, severity=$4, severity_override=$5, owner_user_id=$6, first_seen=$7, last_seen=$8, alert_count=$9, asset_ids=$10, tactics=$11, techniques=$12, stage=$13, alert_types=$14, joined_by=$15, handled_how=$16, handled_at=$17, created_at=$18, updated_at=$19 WHERE id = $20`,
        eventParams(e));
    },
    async get(accountId, id) {
      // in a transaction an event is read to be rewritten whole (update): concurrent writers queue on the row
      const r = await db.get(`SELECT * FROM security_events WHERE id = $1 AND account_id = $2${db.inTx ? " FOR UPDATE" : ""}`, [id, accountId]);
      return r ? toEvent(r) : null;
    },
    async list(accountId, q) {
      const p = new Params();
      const acc = p.add(accountId);
      const w = [`account_id = ${acc}`];
      if (q.status !== undefined) w.push(q.status.length ? `status = ANY(${p.add(q.status)}::text[])` : "false");
      if (q.severity !== undefined) w.push(q.severity.length ? `severity = ANY(${p.add(q.severity)}::text[])` : "false");
      if (q.from !== undefined) w.push(`last_seen >= ${p.add(q.from)}`);
      if (q.to !== undefined) w.push(`first_seen <= ${p.add(q.to)}`);
      if (q.ownerUserId !== undefined) w.push(`owner_user_id = ${p.add(q.ownerUserId)}`);
      // every event holds a host entity per asset (src/alerting/entities.ts): the key index finds them
      if (q.assetId !== undefined) w.push(`id IN (SELECT event_id FROM event_entities WHERE account_id = ${acc} AND entity_key = ${p.add(`host:${q.assetId}`)})`);
      if (q.text) {
        const like = p.add(likeOf(q.text));
        w.push(`(title ILIKE ${like} OR id IN (SELECT event_id FROM event_entities WHERE account_id = ${acc} AND label ILIKE ${like}))`);
      }
      const where = w.join(" AND ");
      const total = num((await db.get(`SELECT COUNT(*) AS n FROM security_events WHERE ${where}`, p.values))!.n);
      const items = total === 0 ? [] : (await db.all(`SELECT * FROM security_events WHERE ${where} ORDER BY last_seen DESC, id DESC LIMIT ${p.add(q.limit)} OFFSET ${p.add(q.offset)}`, p.values)).map(toEvent);
      return { items, total };
    },
    async addAlert(eventId, alertId, at) {
      await db.run("INSERT INTO event_alerts (alert_id, event_id, added_at) VALUES ($1,$2,$3) ON CONFLICT (alert_id) DO NOTHING", [alertId, eventId, at]);
    },
    async removeAlert(eventId, alertId) {
      await db.run("DELETE FROM event_alerts WHERE alert_id = $1 AND event_id = $2", [alertId, eventId]);
    },
    async eventOfAlert(alertId) {
      return strOrNull((await db.get("SELECT event_id FROM event_alerts WHERE alert_id = $1", [alertId]))?.event_id);
    },
    async alertIds(eventId) {
      return (await db.all("SELECT alert_id FROM event_alerts WHERE event_id = $1 ORDER BY added_at, alert_id", [eventId])).map((r) => str(r.alert_id));
    },
    // two statements for any number of entities and edges (SQLite: one per row)
    upsertEntities: (eventId, accountId, entities, edges) => db.atomic(async (tx) => {
      const es = foldEntities(entities);
      if (es.length) {
        await tx.run(
          `INSERT INTO event_entities (event_id, entity_key, account_id, kind, label, asset_id, malicious, first_seen, last_seen)
           SELECT $1::text, e.key, $2::text, e.kind, e.label, e.asset_id, e.malicious, e.first_seen, e.last_seen
             FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[]) AS e(key, kind, label, asset_id, malicious, first_seen, last_seen)
           ${MERGE_ENTITY}`,
          [eventId, accountId, es.map((e) => e.key), es.map((e) => e.kind), es.map((e) => e.label), es.map((e) => e.assetId), es.map((e) => (e.malicious ? 1 : 0)), es.map((e) => e.firstSeen), es.map((e) => e.lastSeen)]);
      }
      if (edges.length) {
        await tx.run(
          `INSERT INTO event_edges (event_id, from_key, to_key, relation, alert_id, ts)
           SELECT $1::text, x.* FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) AS x ON CONFLICT DO NOTHING`,
          [eventId, edges.map((x) => x.from), edges.map((x) => x.to), edges.map((x) => x.relation), edges.map((x) => x.alertId), edges.map((x) => x.ts)]);
      }
    }),
    async entities(eventId) {
      return (await db.all("SELECT * FROM event_entities WHERE event_id = $1 ORDER BY kind, entity_key", [eventId])).map(toEntity);
    },
    async edges(eventId) {
      return (await db.all("SELECT * FROM event_edges WHERE event_id = $1 ORDER BY ts, from_key, to_key, relation, alert_id", [eventId])).map(toEdge);
    },
    async findOpenByEntities(accountId, keys, since) {
      if (keys.length === 0) return [];
      // EVT-1: "join an open event holding this key, else open one" is decided by one worker at a
      // time per account, until its transaction ends — else two alerts sharing an attacker on two
      // workers would open two events
      if (db.inTx) await db.lock(`events:${accountId}`);
      const rows = await db.all(
        `SELECT en.event_id, en.entity_key, en.last_seen FROM event_entities en JOIN security_events ev ON ev.id = en.event_id
         WHERE en.account_id = $1 AND en.entity_key = ANY($2::text[]) AND en.last_seen >= $3 AND ev.status IN ${OPEN}`, [accountId, keys, since]);
      return rows.map((r) => ({ eventId: str(r.event_id), key: str(r.entity_key), lastSeen: num(r.last_seen) }))
        .sort((a, b) => b.lastSeen - a.lastSeen || (a.eventId < b.eventId ? 1 : a.eventId > b.eventId ? -1 : 0));
    },
    async eventsWithEntity(accountId, key, since, limit) {
      return (await db.all(
        `SELECT ev.* FROM event_entities en JOIN security_events ev ON ev.id = en.event_id
         WHERE en.account_id = $1 AND en.entity_key = $2 AND en.last_seen >= $3 ORDER BY ev.last_seen DESC, ev.id DESC LIMIT $4`, [accountId, key, since, limit])).map(toEvent);
    },
    async addActivity(a) {
      await db.run("INSERT INTO event_activity (id, event_id, account_id, at, actor, action, detail, remark) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)", [a.id, a.eventId, a.accountId, a.at, a.actor, a.action, a.detail, a.remark]);
    },
    async activity(accountId, eventId) {
      return (await db.all("SELECT * FROM event_activity WHERE account_id = $1 AND event_id = $2 ORDER BY at, id", [accountId, eventId])).map(toActivity);
    },
    // EVT-3: set-based (a fixed number of statements per batch); events being changed right now
    // (row locked by an ingest) are left for the next run
    purgeBefore: (before, limit) => db.atomic(async (tx) => {
      const ids = (await tx.all("SELECT id FROM security_events WHERE last_seen < $1 ORDER BY last_seen, id LIMIT $2 FOR UPDATE SKIP LOCKED", [before, limit])).map((r) => str(r.id));
      if (ids.length === 0) return 0;
      const old = (await tx.all("SELECT a.id FROM event_alerts ea JOIN alerts a ON a.id = ea.alert_id WHERE ea.event_id = ANY($1::text[]) AND a.last_seen < $2", [ids, before])).map((r) => str(r.id));
      if (old.length) {
        await tx.run("DELETE FROM alert_transitions WHERE alert_id = ANY($1::text[])", [old]);
        await tx.run("DELETE FROM alerts WHERE id = ANY($1::text[])", [old]);
      }
      for (const table of ["event_alerts", "event_entities", "event_edges", "event_activity", "event_tasks"]) await tx.run(`DELETE FROM ${table} WHERE event_id = ANY($1::text[])`, [ids]);
      await tx.run("DELETE FROM security_events WHERE id = ANY($1::text[])", [ids]);
      return ids.length;
    }),
    merge: (fromId, intoId) => db.atomic(async (tx) => {
      if (fromId === intoId) return;
      await tx.run("UPDATE event_alerts SET event_id = $1 WHERE event_id = $2", [intoId, fromId]);
      // entities both events hold merge as an upsert does
      await tx.run(`INSERT INTO event_entities (event_id, entity_key, account_id, kind, label, asset_id, malicious, first_seen, last_seen)
                    SELECT $1::text, entity_key, account_id, kind, label, asset_id, malicious, first_seen, last_seen FROM event_entities WHERE event_id = $2
                    ${MERGE_ENTITY}`, [intoId, fromId]);
      await tx.run(`INSERT INTO event_edges (event_id, from_key, to_key, relation, alert_id, ts) SELECT $1::text, from_key, to_key, relation, alert_id, ts FROM event_edges WHERE event_id = $2
                    ON CONFLICT DO NOTHING`, [intoId, fromId]);
      await tx.run("UPDATE event_activity SET event_id = $1 WHERE event_id = $2", [intoId, fromId]);
      await tx.run("UPDATE event_tasks SET event_id = $1 WHERE event_id = $2", [intoId, fromId]);
      await tx.run("DELETE FROM event_entities WHERE event_id = $1", [fromId]);
      await tx.run("DELETE FROM event_edges WHERE event_id = $1", [fromId]);
      await tx.run("DELETE FROM security_events WHERE id = $1", [fromId]);
    }),
    clearEntities: (eventId) => db.atomic(async (tx) => {
      await tx.run("DELETE FROM event_entities WHERE event_id = $1", [eventId]);
      await tx.run("DELETE FROM event_edges WHERE event_id = $1", [eventId]);
    }),
    touch: (eventId, keys, lastSeen, now, minStep) => db.atomic(async (tx) => {
      const moved = (await tx.run("UPDATE security_events SET last_seen = $1, updated_at = $2 WHERE id = $3 AND last_seen <= $4", [lastSeen, now, eventId, lastSeen - minStep])) > 0;
      if (moved && keys.length) await tx.run("UPDATE event_entities SET last_seen = $1 WHERE event_id = $2 AND entity_key = ANY($3::text[]) AND last_seen < $1", [lastSeen, eventId, keys]);
      return moved;
    }),
  };
}

/** EVT-7 / RSP-1 on PostgreSQL. */
export function buildPgEventTaskStore(db: Db): EventTaskStore {
  return {
    async insert(t) {
      await db.run(`INSERT INTO event_tasks (id, resolution_id, event_id, account_id, target_account_id, asset_id, entity_key, action, what, action_id, policy_id, validity_ms, status, result, created_by, created_at, finished_at)
                    VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
        [t.id, t.resolutionId, t.eventId, t.accountId, t.targetAccountId, t.assetId, t.entityKey, t.action, t.what, t.actionId, t.policyId, t.validityMs, t.status, t.result, t.createdBy, t.createdAt, t.finishedAt]);
    },
    async update(t) {
      await db.run("UPDATE event_tasks SET event_id = $1, status = $2, result = $3, finished_at = $4, action_id = $5, policy_id = $6 WHERE id = $7",
        [t.eventId, t.status, t.result, t.finishedAt, t.actionId, t.policyId, t.id]);
    },
    async byAction(actionId) {
      return (await db.all("SELECT * FROM event_tasks WHERE action_id = $1 ORDER BY created_at, id", [actionId])).map(toTask);
    },
    async list(accountId, eventId) {
      return (await db.all("SELECT * FROM event_tasks WHERE account_id = $1 AND event_id = $2 ORDER BY created_at, id", [accountId, eventId])).map(toTask);
    },
  };
}
