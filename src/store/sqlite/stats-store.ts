import type { SQLInputValue } from "node:sqlite";
import type { AlertTop, DayCount, StatsQuery, StatsStore } from "../../core/index.ts";

type Row = Record<string, SQLInputValue>;
type P = SQLInputValue;

/** The part of the SQLite connection the statistics need (read-only). */
export interface StatsConn {
  all(sql: string, ...p: P[]): Row[];
  get(sql: string, ...p: P[]): Row | undefined;
}

const DAY = 86_400_000;
const num = (v: SQLInputValue | undefined): number => Number(v ?? 0);

/**
 * Alert window filter. Day buckets use first_seen, but the indexes are on
 * (account_id, last_seen): last_seen >= first_seen, so "last_seen >= from" is implied
 * by "first_seen >= from" and lets SQLite range-scan the index.
 */
function typeFilter(q: { types?: string[] }): { sql: string; p: P[] } {
  if (!q.types?.length) return { sql: "", p: [] };
  return { sql: ` AND type IN (${q.types.map(() => "?").join(",")})`, p: q.types };
}

/** SQLite adapter of the StatsStore port: GROUP BY on the account-leading alert indexes. */
export function buildSqliteStatsStore(c: StatsConn, wait: () => Promise<void>): StatsStore {
  const top = (col: "asset_id" | "source_ip", spreadCol: string) => async (accountId: string, q: StatsQuery & { limit: number }): Promise<AlertTop[]> => {
    await wait();
    const t = typeFilter(q);
    // "+col" keeps SQLite off the (account_id, col) index, which would walk the account's whole
    // history: the window's (account_id[, type], last_seen) range is the narrow one
    const rows = c.all(
      `SELECT ${col} AS k, COUNT(*) AS alerts, SUM(count) AS attempts, COUNT(DISTINCT ${spreadCol}) AS spread, MAX(last_seen) AS last
         FROM alerts WHERE account_id = ? AND last_seen >= ? AND first_seen < ? AND +${col} IS NOT NULL${t.sql}
        GROUP BY +${col} ORDER BY alerts DESC, attempts DESC, k LIMIT ?`,
      accountId, q.from, q.to, ...t.p, q.limit,
    );
    return rows.map((r) => ({ key: String(r.k), alerts: num(r.alerts), attempts: num(r.attempts), spread: num(r.spread), lastSeen: num(r.last) }));
  };

  return {
    async alertsPerDay(accountId, by, q) {
      await wait();
      const col = ({ severity: "severity", status: "status", type: "type" } as const)[by];
      const t = typeFilter(q);
      const rows = c.all(
        `SELECT (first_seen / ${DAY}) * ${DAY} AS day, ${col} AS k, COUNT(*) AS n
           FROM alerts WHERE account_id = ? AND last_seen >= ? AND first_seen >= ? AND first_seen < ?${t.sql}
          GROUP BY day, ${col} ORDER BY day, k`,
        accountId, q.from, q.from, q.to, ...t.p,
      );
      return rows.map((r): DayCount => ({ day: num(r.day), key: String(r.k), n: num(r.n) }));
    },
    async blocksPerDay(accountId, q) {
      await wait();
      const rows = c.all(
        `SELECT (created_at / ${DAY}) * ${DAY} AS day, status AS k, COUNT(*) AS n
           FROM ip_policies WHERE account_id = ? AND created_at >= ? AND created_at < ?
          GROUP BY day, status ORDER BY day, k`,
        accountId, q.from, q.to,
      );
      return rows.map((r): DayCount => ({ day: num(r.day), key: String(r.k), n: num(r.n) }));
    },
    topAssets: top("asset_id", "source_ip"),
    topSources: top("source_ip", "asset_id"),
    async blocksOf(accountId, ips) {
      await wait();
      const out: Record<string, { live: number; total: number }> = {};
      if (!ips.length) return out;
      const rows = c.all(
        `SELECT ip, SUM(CASE WHEN status IN ('pending','active') THEN 1 ELSE 0 END) AS live, COUNT(*) AS total
           FROM ip_policies WHERE account_id = ? AND ip IN (${ips.map(() => "?").join(",")}) GROUP BY ip`,
        accountId, ...ips,
      );
      for (const r of rows) out[String(r.ip)] = { live: num(r.live), total: num(r.total) };
      return out;
    },
    async blocksPerAsset(accountId, q) {
      await wait();
      const out: Record<string, number> = {};
      for (const r of c.all("SELECT asset_id, COUNT(*) AS n FROM ip_policies WHERE account_id = ? AND created_at >= ? AND created_at < ? GROUP BY asset_id", accountId, q.from, q.to)) {
        out[String(r.asset_id)] = num(r.n);
      }
      return out;
    },
    async totals(accountId, onlineSince) {
      await wait();
      // (account_id, status, …) index: counts the unhandled alerts without a table scan
      const a = c.get("SELECT COUNT(*) AS n, SUM(CASE WHEN severity = 'critical' THEN 1 ELSE 0 END) AS crit FROM alerts WHERE account_id = ? AND status = 'unhandled'", accountId);
      const b = c.get("SELECT SUM(CASE WHEN status IN ('pending','active') THEN 1 ELSE 0 END) AS live, SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending FROM ip_policies WHERE account_id = ?", accountId);
      const g = c.get(
        "SELECT SUM(CASE WHEN last_seen_at >= ? THEN 1 ELSE 0 END) AS online, SUM(CASE WHEN last_seen_at IS NULL OR last_seen_at < ? THEN 1 ELSE 0 END) AS offline FROM agents WHERE account_id = ? AND revoked_at IS NULL",
        onlineSince, onlineSince, accountId,
      );
      return {
        unhandled: num(a?.n), unhandledCritical: num(a?.crit), liveBlocks: num(b?.live), pendingBlocks: num(b?.pending),
        assetsOnline: num(g?.online), assetsOffline: num(g?.offline),
      };
    },
  };
}
