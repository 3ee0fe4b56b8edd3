import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface Migration { version: number; name: string; sql: string }

/** Versioned migrations: NNNN_name.sql, applied in order, each once. Written in the SQL both SQLite and PostgreSQL accept. */
export function loadMigrations(dir: string = import.meta.dirname): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f.slice(5, -4), sql: readFileSync(join(dir, f), "utf8") }));
}
