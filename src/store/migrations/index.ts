import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface Migration { version: number; name: string; sql: string }
export type Dialect = "sqlite" | "postgres";

/**
 * One source of truth for both dialects. `NNNN_name.sql` is shared: written in the SQL both
 * accept, where INTEGER means a 64-bit integer (SQLite's) and TEXT compares bytewise (SQLite's
 * BINARY). A version whose forms must differ (0005: FTS5 and trigger bodies) has instead
 * `NNNN_name.sqlite.sql` and `NNNN_name.pg.sql`, each in its own dialect. SQLite applies the
 * files exactly as written (existing databases see the same SQL as before); PostgreSQL applies
 * shared files through `toPostgres`.
 */
const FILE = /^(\d{4})_([a-z0-9_]+?)(?:\.(sqlite|pg))?\.sql$/;

/** Shared SQL for PostgreSQL: INTEGER → BIGINT (ms timestamps overflow int4), TEXT → TEXT COLLATE "C" (SQLite's ordering and equality, whatever the database locale). */
export function toPostgres(sql: string): string {
  return sql.replace(/\bINTEGER\b/g, "BIGINT").replace(/\bTEXT\b/g, 'TEXT COLLATE "C"');
}

/** Versioned migrations for a dialect, in order, each applied once (the schema_migrations table). */
export function loadMigrations(dialect: Dialect = "sqlite", dir: string = import.meta.dirname): Migration[] {
  const byVersion = new Map<number, { name: string; shared?: string; sqlite?: string; pg?: string }>();
  for (const f of readdirSync(dir).sort()) {
    const m = FILE.exec(f);
    if (!m) continue;
    const version = Number(m[1]);
    const v = byVersion.get(version) ?? { name: m[2]! };
    if (v.name !== m[2]) throw new Error(`migration ${m[1]}: files disagree on its name (${v.name}, ${m[2]})`);
    v[(m[3] ?? "shared") as "shared" | "sqlite" | "pg"] = f;
    byVersion.set(version, v);
  }
  return [...byVersion].sort(([a], [b]) => a - b).map(([version, v]) => {
    if (v.shared && (v.sqlite || v.pg)) throw new Error(`migration ${version}: both a shared file and a dialect file`);
    const own = dialect === "sqlite" ? v.sqlite : v.pg;
    const file = v.shared ?? own;
    if (!file) throw new Error(`migration ${version} (${v.name}) has no ${dialect} form`);
    const sql = readFileSync(join(dir, file), "utf8");
    return { version, name: v.name, sql: dialect === "postgres" && file === v.shared ? toPostgres(sql) : sql };
  });
}
