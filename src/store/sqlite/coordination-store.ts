import type { SQLInputValue } from "node:sqlite";
import type { CoordinationStore } from "../../core/index.ts";
import { COORD_SQL, toLease, toWorker } from "../coordination-sql.ts";

type Row = Record<string, SQLInputValue>;
interface Conn {
  get(sql: string, ...p: SQLInputValue[]): Row | undefined;
  all(sql: string, ...p: SQLInputValue[]): Row[];
  run(sql: string, ...p: SQLInputValue[]): number;
}

/** `$n` → `?n`: SQLite binds numbered parameters by position. */
const S = Object.fromEntries(Object.entries(COORD_SQL).map(([k, v]) => [k, v.replace(/\$(\d+)/g, "?$1")])) as typeof COORD_SQL;

/** Issue 10: the coordination port on SQLite (one process writes: leases are trivially its own). */
export function buildSqliteCoordinationStore(c: Conn, g: () => Promise<void>): CoordinationStore {
  return {
    async acquireLease(name, holder, now, ttlMs) {
      await g();
      const r = c.get(S.acquire, name, holder, now, now + ttlMs);
      return r ? toLease(r) : null;
    },
    async releaseLease(name, holder) {
      await g();
      return c.run(S.release, name, holder) > 0;
    },
    async holdsLease(name, holder, epoch) {
      await g();
      return c.get(S.holds, name, holder, epoch) !== undefined;
    },
    async leases(prefix) {
      await g();
      return c.all(S.leases, prefix).map(toLease);
    },
    async heartbeat(w) {
      await g();
      c.run(S.heartbeat, w.id, w.startedAt, w.seenAt, JSON.stringify(w.info));
    },
    async workers(seenSince) {
      await g();
      return c.all(S.workers, seenSince).map(toWorker);
    },
    async removeWorker(id) {
      await g();
      c.run(S.removeWorker, id);
    },
    async markProcessed(consumer, keys, now) {
      await g();
      const fresh = new Set<string>();
      for (const k of keys) if (c.run(S.mark, consumer, k, now) > 0) fresh.add(k);
      return fresh;
    },
    async processed(consumer, since) {
      await g();
      return new Set(c.all(S.processed, consumer, since).map((r) => String(r.msg_key)));
    },
    async purgeProcessed(before) {
      await g();
      return c.run(S.purge, before);
    },
  };
}
