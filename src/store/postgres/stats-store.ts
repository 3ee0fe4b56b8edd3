import type { AlertTop, DayCount, StatsQuery, StatsStore } from "../../core/index.ts";
import { type Db, Params } from "./pg-db.ts";
import { num } from "./rows.ts";

const DAY = 86_400_000;

/**
 * BF-3 on PostgreSQL: the same GROUP BY queries as the SQLite adapter over the account-leading
 * alert indexes. "last_seen >= from" is implied by "first_seen >= from" (last_seen >= first_seen)
 * and lets the (account_id, last_seen) range bound the scan.
 */
export function buildPgStatsStore(db: Db): StatsStore {
  const types = (p: Params, q: { types?: string[] }) => (q.types?.length ? ` AND type = ANY(${p.add(q.types)}::text[])` : "");

  const top = (col: "asset_id" | "source_ip", spreadCol: string) => async (accountId: string, q: StatsQuery & { limit: number }): Promise<AlertTop[]> => {
    const p = new Params();
    const rows = await db.all(
      `SELECT ${col} AS k, COUNT(*) AS alerts, SUM(count) AS attempts, COUNT(DISTINCT ${spreadCol}) AS spread, MAX(last_seen) AS last
         FROM alerts WHERE account_id = ${p.add(accountId)} AND last_seen >= ${p.add(q.from)} AND first_seen < ${p.add(q.to)} AND ${col} IS NOT NULL${types(p, q)}
        GROUP BY ${col} ORDER BY alerts DESC, attempts DESC, k LIMIT ${p.add(q.limit)}`, p.values);
    return rows.map((r) => ({ key: String(r.k), alerts: num(r.alerts), attempts: num(r.attempts), spread: num(r.spread), lastSeen: num(r.last) }));
  };

  return {
    async alertsPerDay(accountId, by, q) {
      const col = ({ severity: "severity", status: "status", type: "type" } as const)[by];
      const p = new Params();
      const rows = await db.all(
        `SELECT (first_seen / ${DAY}) * ${DAY} AS day, ${col} AS k, COUNT(*) AS n
           FROM alerts WHERE account_id = ${p.add(accountId)} AND last_seen >= ${p.add(q.from)} AND first_seen >= ${p.add(q.from)} AND first_seen < ${p.add(q.to)}${types(p, q)}
          GROUP BY 1, 2 ORDER BY day, k`, p.values);
      return rows.map((r): DayCount => ({ day: num(r.day), key: String(r.k), n: num(r.n) }));
    },
    async blocksPerDay(accountId, q) {
      const rows = await db.all(
        `SELECT (created_at / ${DAY}) * ${DAY} AS day, status AS k, COUNT(*) AS n
           FROM ip_policies WHERE account_id = $1 AND created_at >= $2 AND created_at < $3
          GROUP BY 1, 2 ORDER BY day, k`, [accountId, q.from, q.to]);
      return rows.map((r): DayCount => ({ day: num(r.day), key: String(r.k), n: num(r.n) }));
    },
    topAssets: top("asset_id", "source_ip"),
    topSources: top("source_ip", "asset_id"),
    async blocksOf(accountId, ips) {
      const out: Record<string, { live: number; total: number }> = {};
      if (!ips.length) return out;
      const rows = await db.all(
        `SELECT ip, SUM(CASE WHEN status IN ('pending','active') THEN 1 ELSE 0 END) AS live, COUNT(*) AS total
           FROM ip_policies WHERE account_id = $1 AND ip = ANY($2::text[]) GROUP BY ip`, [accountId, ips]);
      for (const r of rows) out[String(r.ip)] = { live: num(r.live), total: num(r.total) };
      return out;
    },
    async blocksPerAsset(accountId, q) {
      const out: Record<string, number> = {};
      for (const r of await db.all("SELECT asset_id, COUNT(*) AS n FROM ip_policies WHERE account_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY asset_id", [accountId, q.from, q.to])) {
        out[String(r.asset_id)] = num(r.n);
      }
      return out;
    },
    async totals(accountId, onlineSince) {
      // one round trip: three scalar subqueries, each on its own account-leading index
      const r = await db.get(
        `SELECT (SELECT COUNT(*) FROM alerts WHERE account_id = $1 AND status = 'unhandled') AS unhandled,
                (SELECT COUNT(*) FROM alerts WHERE account_id = $1 AND status = 'unhandled' AND severity = 'critical') AS crit,
                (SELECT COUNT(*) FROM ip_policies WHERE account_id = $1 AND status IN ('pending','active')) AS live,
                (SELECT COUNT(*) FROM ip_policies WHERE account_id = $1 AND status = 'pending') AS pending,
                (SELECT COUNT(*) FROM agents WHERE account_id = $1 AND revoked_at IS NULL AND last_seen_at >= $2) AS online,
                (SELECT COUNT(*) FROM agents WHERE account_id = $1 AND revoked_at IS NULL AND (last_seen_at IS NULL OR last_seen_at < $2)) AS offline`,
        [accountId, onlineSince]);
      return {
        unhandled: num(r?.unhandled), unhandledCritical: num(r?.crit), liveBlocks: num(r?.live), pendingBlocks: num(r?.pending),
        assetsOnline: num(r?.online), assetsOffline: num(r?.offline),
      };
    },
  };
}
