import type { Alert, AlertCounts, AlertQuery, AlertStore } from "../../core/index.ts";
import { type Db, type Row, Params } from "./pg-db.ts";
import { toAlert, num, str, likeOf } from "./rows.ts";
import type { PgStoreContext } from "./postgres-store.ts";

type AlertFilter = Omit<AlertQuery, "limit" | "offset" | "after">;
type Col = "status" | "severity";

/**
 * ALR-10 on PostgreSQL, the plan of ADR 0007 (migration 0005's .pg.sql form): totals and counts
 * without an asset/address/time filter come from alert_counts (+ the deltas not folded yet);
 * free text matches name or type (few distinct pairs: looked up in the counts) or source address
 * or user name (pg_trgm GIN index under ILIKE). ILIKE on these "C"-collated columns folds ASCII
 * case, as SQLite's LIKE does.
 */
export function buildPgAlertStore(db: Db, ctx: PgStoreContext): AlertStore {
  const OTHER = (t: string) => `(source_ip ILIKE ${t} OR user_name ILIKE ${t})`;
  const PAIR = (t: string) => `(name ILIKE ${t} OR type ILIKE ${t})`;

  /** Whether any alert's name or type carries the text: otherwise the text condition is the indexed address/user part alone. */
  const pairsMatch = async (accountId: string, like: string) =>
    (await db.get("SELECT 1 AS x FROM alert_counts_live WHERE account_id = $1 AND (name ILIKE $2 OR type ILIKE $2) GROUP BY type, name HAVING SUM(n) > 0 LIMIT 1", [accountId, like])) !== undefined;

  const where = (p: Params, accountId: string, q: AlertFilter, skip: Col | null, text: { like: string; pairs: boolean } | undefined) => {
    const w = [`account_id = ${p.add(accountId)}`];
    const eq = (col: string, v: string | undefined) => { if (v !== undefined && col !== skip) w.push(`${col} = ${p.add(v)}`); };
    eq("type", q.type); eq("severity", q.severity); eq("status", q.status); eq("asset_id", q.assetId); eq("source_ip", q.sourceIp);
    if (q.from !== undefined) w.push(`last_seen >= ${p.add(q.from)}`);
    if (q.to !== undefined) w.push(`first_seen <= ${p.add(q.to)}`);
    if (text) {
      const t = p.add(text.like);
      w.push(text.pairs ? `(${PAIR(t)} OR ${OTHER(t)})` : OTHER(t));
    }
    return w;
  };

  /** Matching alerts in total (col null) or per status/severity (that filter skipped for its own breakdown). */
  const count = async (accountId: string, q: AlertFilter, col: Col | null, text: { like: string; pairs: boolean } | undefined): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    const add = (rows: Row[]) => { for (const r of rows) if (num(r.n) > 0) out[str(r.k)] = (out[str(r.k)] ?? 0) + num(r.n); };
    const k = col ?? "''";
    const group = col ? ` GROUP BY ${col}` : "";
    if (q.assetId === undefined && q.sourceIp === undefined && q.from === undefined && q.to === undefined) {
      const p = new Params();
      const w = where(p, accountId, { type: q.type, status: q.status, severity: q.severity }, col, undefined);
      if (!text) {
        add(await db.all(`SELECT ${k} AS k, SUM(n) AS n FROM alert_counts_live WHERE ${w.join(" AND ")}${group}`, p.values));
      } else {
        const t = p.add(text.like);
        if (text.pairs) add(await db.all(`SELECT ${k} AS k, SUM(n) AS n FROM alert_counts_live WHERE ${w.join(" AND ")} AND ${PAIR(t)}${group}`, p.values));
        // plus the alerts found by address or user name whose name and type do not match
        add(await db.all(`SELECT ${k} AS k, COUNT(*) AS n FROM alerts WHERE ${w.join(" AND ")} AND ${OTHER(t)}${text.pairs ? ` AND NOT ${PAIR(t)}` : ""}${group}`, p.values));
      }
    } else {
      const p = new Params();
      const w = where(p, accountId, q, col, text);
      add(await db.all(`SELECT ${k} AS k, COUNT(*) AS n FROM alerts WHERE ${w.join(" AND ")}${group}`, p.values));
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
  };

  const textOf = async (accountId: string, q: AlertFilter) => {
    if (!q.text) return undefined;
    const like = likeOf(q.text);
    return { like, pairs: await pairsMatch(accountId, like) };
  };

  const params = (a: Alert) => [a.accountId, a.assetId, a.type, a.ruleId, a.name, a.severity, a.status, a.dedupKey, a.firstSeen, a.lastSeen, a.count,
    a.sourceIp, a.userName, JSON.stringify(a.attack), JSON.stringify(a.evidence), a.triage, a.response, a.handledHow, a.whitelistedBy, a.createdAt, a.updatedAt, a.id];
  // ALR-2: find-then-insert/update of one asset+dedup key is serialized across workers
  const dedupLock = (assetId: string, dedupKey: string) => (db.inTx ? db.lock(JSON.stringify(["alert", assetId, dedupKey])) : Promise.resolve());

  return {
    async insert(a) {
      await db.run(`INSERT INTO alerts (account_id, asset_id, type, rule_id, name, severity, status, dedup_key, first_seen, last_seen, count, source_ip, user_name, attack, evidence, triage, response, handled_how, whitelisted_by, created_at, updated_at, id)
                    VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)`, params(a));
    },
    async get(accountId, id) {
      // in a transaction an alert is read to be rewritten whole (update): a concurrent recurrence waits
      const r = await db.get(`SELECT * FROM alerts WHERE id = $1 AND account_id = $2${db.inTx ? " FOR UPDATE" : ""}`, [id, accountId]);
      return r ? toAlert(r) : null;
    },
    async findOpen(assetId, dedupKey) {
      await dedupLock(assetId, dedupKey);
      const r = await db.get(`SELECT * FROM alerts WHERE asset_id = $1 AND dedup_key = $2 AND status <> 'expired' ORDER BY created_at DESC, id DESC LIMIT 1${db.inTx ? " FOR UPDATE" : ""}`, [assetId, dedupKey]);
      return r ? toAlert(r) : null;
    },
    async update(a) {
      await db.run(`UPDATE alerts SET account_id=$1, asset_id=$2, type=$3, rule_id=$4, name=$5, severity=$6, status=$7, dedup_key=$8, first_seen=$9, last_seen=$10, count=$11, source_ip=$12, user_name=$13, attack=$14, evidence=$15, triage=$16, response=$17, handled_how=$18, whitelisted_by=$19, created_at=$20, updated_at=$21 WHERE id = $22`,
        params(a));
    },
    async list(accountId, q) {
      await ctx.foldCounts(db);
      const text = await textOf(accountId, q);
      const total = (await count(accountId, q, null, text))[""] ?? 0;
      if (total === 0) return { items: [], total };
      const p = new Params();
      const w = where(p, accountId, q, null, text);
      if (q.after) w.push(`(last_seen, id) < (${p.add(q.after.lastSeen)}, ${p.add(q.after.id)})`);
      const items = (await db.all(`SELECT * FROM alerts WHERE ${w.join(" AND ")} ORDER BY last_seen DESC, id DESC LIMIT ${p.add(q.limit)} OFFSET ${p.add(q.after ? 0 : q.offset)}`, p.values)).map(toAlert);
      return { items, total };
    },
    async counts(accountId, q) {
      await ctx.foldCounts(db);
      const text = await textOf(accountId, q);
      const counts: AlertCounts = {
        total: (await count(accountId, q, null, text))[""] ?? 0,
        byStatus: await count(accountId, q, "status", text),
        bySeverity: await count(accountId, q, "severity", text),
      };
      return counts;
    },
    async everHad(assetId, dedupKey) {
      await dedupLock(assetId, dedupKey);
      return (await db.get("SELECT 1 AS x FROM alerts WHERE asset_id = $1 AND dedup_key = $2 LIMIT 1", [assetId, dedupKey])) !== undefined;
    },
    async evidenceKeys(accountId, type, sample) {
      const keys = new Set<string>();
      for (const r of await db.all("SELECT evidence FROM alerts WHERE account_id = $1 AND type = $2 ORDER BY last_seen DESC LIMIT $3", [accountId, type, sample])) {
        for (const k of Object.keys(JSON.parse(str(r.evidence)) as object)) keys.add(k);
      }
      return [...keys].sort();
    },
    async listStale(before, limit) {
      return (await db.all("SELECT * FROM alerts WHERE last_seen < $1 AND status <> 'expired' ORDER BY last_seen, id LIMIT $2", [before, limit])).map(toAlert);
    },
  };
}
