import type { CoordinationStore } from "../../core/index.ts";
import { COORD_SQL as S, toLease, toWorker } from "../coordination-sql.ts";
import type { Db } from "./pg-db.ts";

/** Issue 10: leases, bus offsets and worker heartbeats on PostgreSQL. */
export function buildPgCoordinationStore(db: Db): CoordinationStore {
  return {
    async acquireLease(name, holder, now, ttlMs) {
      const r = await db.get(S.acquire, [name, holder, now, now + ttlMs]);
      return r ? toLease(r) : null;
    },
    async releaseLease(name, holder) {
      return (await db.run(S.release, [name, holder])) > 0;
    },
    async holdsLease(name, holder, epoch) {
      // FOR SHARE: a worker taking the lease over waits for this transaction's commit
      return (await db.get(S.holds + (db.inTx ? " FOR SHARE" : ""), [name, holder, epoch])) !== undefined;
    },
    async leases(prefix) {
      return (await db.all(S.leases, [prefix])).map(toLease);
    },
    async heartbeat(w) {
      await db.run(S.heartbeat, [w.id, w.startedAt, w.seenAt, JSON.stringify(w.info)]);
    },
    async workers(seenSince) {
      return (await db.all(S.workers, [seenSince])).map(toWorker);
    },
    async removeWorker(id) {
      await db.run(S.removeWorker, [id]);
    },
    async markProcessed(consumer, keys, now) {
      if (keys.length === 0) return new Set();
      // one statement: the keys inserted now are the ones never processed
      const rows = await db.all(
        "INSERT INTO bus_processed (consumer, msg_key, at) SELECT $1, k, $3 FROM unnest($2::text[]) AS k ON CONFLICT DO NOTHING RETURNING msg_key",
        [consumer, keys, now],
      );
      return new Set(rows.map((r) => String(r.msg_key)));
    },
    async processed(consumer, since) {
      return new Set((await db.all(S.processed, [consumer, since])).map((r) => String(r.msg_key)));
    },
    async purgeProcessed(before) {
      return db.run(S.purge, [before]);
    },
  };
}
