import { randomBytes } from "node:crypto";
import { test } from "node:test";
import pg from "pg";
import { PgStore } from "./postgres-store.ts";

/**
 * For tests only: the local PostgreSQL (override with HOSTWARD_TEST_PG_URL), one throw-away schema
 * per store so test files run in parallel and leave nothing behind.
 */
export const TEST_PG_URL = process.env.HOSTWARD_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** null when the server answers; else why not. Also drops schemas left by test processes that died. */
export async function probePostgres(url = TEST_PG_URL): Promise<string | null> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    const { rows } = await c.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'hw\\_test\\_%'");
    for (const { nspname } of rows as { nspname: string }[]) {
      const pid = Number(/^hw_test_(\d+)_/.exec(nspname)?.[1]);
      if (pid && !alive(pid)) await c.query(`DROP SCHEMA IF EXISTS ${nspname} CASCADE`).catch(() => {});
    }
    return null;
  } catch (e) {
    return `PostgreSQL is not reachable at ${url.replace(/:[^:@/]*@/, ":***@")}: ${(e as Error).message}`;
  } finally {
    await c.end().catch(() => {});
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A store in a new schema hw_test_<pid>_<random>, dropped when the store is closed. */
export async function openTestStore(url = TEST_PG_URL): Promise<PgStore & { readonly schema: string }> {
  const schema = `hw_test_${process.pid}_${randomBytes(5).toString("hex")}`;
  const store = await PgStore.open({ url, schema, poolSize: 4 });
  const close = store.close.bind(store);
  return Object.assign(store, {
    schema,
    async close() {
      await close();
      await dropTestSchema(schema, url);
    },
  });
}

/** Drops a test schema (its name is ours: hw_test_…). */
export async function dropTestSchema(schema: string, url = TEST_PG_URL): Promise<void> {
  if (!/^hw_test_[a-z0-9_]+$/.test(schema)) throw new Error(`not a test schema: ${schema}`);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await c.end();
  }
}

/**
 * When PostgreSQL cannot be reached: in CI (CI=true) a failing test, loudly; elsewhere a skipped
 * one that says why. Returns true when the caller should define its PostgreSQL tests.
 */
export async function requirePostgres(what: string): Promise<boolean> {
  const reason = await probePostgres();
  if (reason === null) return true;
  if (process.env.CI === "true" || process.env.CI === "1") {
    test(`${what}: PostgreSQL must be reachable in CI`, () => {
      throw new Error(`${reason} (.ci/run starts the local cluster; set HOSTWARD_TEST_PG_URL for another server)`);
    });
  } else {
    test(what, { skip: `${reason} — start it (pg_ctlcluster 15 main start) or set HOSTWARD_TEST_PG_URL` }, () => {});
  }
  return false;
}
