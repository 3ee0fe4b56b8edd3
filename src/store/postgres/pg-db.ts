import pg from "pg";
import { OperationalError, ErrorCodes } from "../../core/index.ts";

export type Row = Record<string, unknown>;

/**
 * What the PostgreSQL adapters run statements on: the pool (outside a transaction) or the one
 * client of a transaction. `atomic` gives multi-statement methods the atomicity a synchronous
 * SQLite method has for free: inside a transaction it joins it, outside it opens its own.
 */
export interface Db {
  readonly inTx: boolean;
  all(sql: string, p?: unknown[]): Promise<Row[]>;
  get(sql: string, p?: unknown[]): Promise<Row | undefined>;
  /** Rows changed. */
  run(sql: string, p?: unknown[]): Promise<number>;
  atomic<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /**
   * Serializes the rest of this transaction with every other one taking the same key, across
   * workers (a transaction-scoped advisory lock, released at COMMIT/ROLLBACK). Only in a transaction.
   */
  lock(key: string): Promise<void>;
}

// int8 (COUNT, BIGINT columns: ms timestamps) and numeric (SUM of BIGINT) as numbers; all values
// the ports hold are far below 2^53
const asNumber = (v: string) => Number(v);
export const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 || oid === 1700 ? asNumber : pg.types.getTypeParser(oid, format as "text")) as pg.CustomTypesConfig["getTypeParser"],
};

/** Connection failures, shutdowns, deadlocks and serialization failures: the caller may retry (503), not a bug. */
export function mapPgError(e: unknown): unknown {
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== "string") return e;
  if (/^(08|57P|53)/.test(code) || code === "ECONNREFUSED" || code === "ECONNRESET" || code === "ETIMEDOUT" || code === "ENOTFOUND") {
    return new OperationalError(ErrorCodes.STORE_UNAVAILABLE, `PostgreSQL is unavailable: ${(e as Error).message}`, { pgCode: code });
  }
  if (code === "40P01" || code === "40001") {
    return new OperationalError(ErrorCodes.STORE_UNAVAILABLE, `a concurrent transaction conflicted with this one; retry (${(e as Error).message})`, { pgCode: code });
  }
  return e;
}

type Queryable = Pick<pg.PoolClient, "query">;

/**
 * PostgreSQL text cannot hold NUL, SQLite's can: attacker text carrying one (a user name, a key)
 * would make its whole batch fail on every retry. It is stored as U+FFFD instead, the same way
 * on every write and lookup, so equality still holds. (JSON columns are safe: JSON escapes NUL.)
 */
const noNul = (v: unknown): unknown =>
  typeof v === "string" ? (v.includes("\0") ? v.replaceAll("\0", "\uFFFD") : v) : Array.isArray(v) ? v.map(noNul) : v;

async function q(on: Queryable, sql: string, p: unknown[] | undefined) {
  try {
    return await on.query({ text: sql, values: p?.map(noNul) });
  } catch (e) {
    throw mapPgError(e);
  }
}

/** The client of one open transaction. */
export function txDb(client: pg.PoolClient, lockPrefix: string): Db {
  const db: Db = {
    inTx: true,
    async all(sql, p) {
      return (await q(client, sql, p)).rows;
    },
    async get(sql, p) {
      return (await q(client, sql, p)).rows[0];
    },
    async run(sql, p) {
      return (await q(client, sql, p)).rowCount ?? 0;
    },
    atomic: (fn) => fn(db),
    async lock(key) {
      // two int4 halves of a 64-bit key: collisions only over-serialize
      await q(client, "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", [lockPrefix, key]);
    },
  };
  return db;
}

/** Runs fn in a new transaction on a client of its own: BEGIN … COMMIT, ROLLBACK on any error. */
export async function inTransaction<T>(pool: pg.Pool, lockPrefix: string, fn: (db: Db) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    throw mapPgError(e);
  }
  let broken: Error | undefined;
  try {
    await q(client, "BEGIN", undefined);
    const v = await fn(txDb(client, lockPrefix));
    await q(client, "COMMIT", undefined);
    return v;
  } catch (e) {
    try {
      await client.query("ROLLBACK");
    } catch (r) {
      // a client that cannot roll back is not given to anyone else
      broken = r as Error;
    }
    throw e;
  } finally {
    client.release(broken);
  }
}

/**
 * The pool, outside any transaction. `wait` runs first: this process's transactions that were
 * open when the call was made settle before it (the port's "other callers wait for them").
 * `begin` opens a transaction the way the store does (tracked, so later callers wait for it too).
 */
export function poolDb(pool: pg.Pool, wait: () => Promise<void>, begin: <T>(fn: (db: Db) => Promise<T>) => Promise<T>): Db {
  return {
    inTx: false,
    async all(sql, p) {
      await wait();
      return (await q(pool, sql, p)).rows;
    },
    async get(sql, p) {
      await wait();
      return (await q(pool, sql, p)).rows[0];
    },
    async run(sql, p) {
      await wait();
      return (await q(pool, sql, p)).rowCount ?? 0;
    },
    atomic: (fn) => begin(fn),
    async lock() {
      throw new Error("lock() outside a transaction: use atomic()");
    },
  };
}

/** `$n` placeholders for a statement built from optional filters. */
export class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}
