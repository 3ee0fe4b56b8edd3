import type pg from "pg";
import { loadMigrations } from "../migrations/index.ts";

/**
 * Applies the PostgreSQL form of each migration not applied yet, one transaction each (DDL is
 * transactional here). Workers starting together wait on one advisory lock, so each migration
 * runs once; the lock is database-wide because pg_trgm, if it must be created, is too.
 */
export async function migratePostgres(pool: pg.Pool, schema: string | undefined): Promise<void> {
  const client = await pool.connect();
  try {
    if (schema !== undefined) {
      // CREATE SCHEMA checks the privilege even with IF NOT EXISTS: only when it is missing
      const { rows } = await client.query("SELECT to_regnamespace($1) IS NOT NULL AS ok", [schema]);
      // workers starting together may race to create it: the loser finds it there
      if (!rows[0]?.ok) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch(async (e) => {
        if (!(await client.query("SELECT to_regnamespace($1) IS NOT NULL AS ok", [schema])).rows[0]?.ok) throw e;
      });
    }
    const migrations = loadMigrations("postgres");
    for (;;) {
      await client.query("BEGIN");
      try {
        await client.query("SELECT pg_advisory_xact_lock(hashtext('hostward:migrate'))");
        await client.query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
        const done = new Set((await client.query("SELECT version FROM schema_migrations")).rows.map((r) => Number(r.version)));
        const next = migrations.find((m) => !done.has(m.version));
        if (next) {
          await client.query(next.sql);
          await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [next.version, next.name, Date.now()]);
        }
        await client.query("COMMIT");
        if (!next) return;
      } catch (e) {
        await client.query("ROLLBACK").catch(() => {});
        throw new Error(`PostgreSQL migration failed: ${(e as Error).message}`, { cause: e });
      }
    }
  } finally {
    client.release();
  }
}
