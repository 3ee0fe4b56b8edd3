export { SqliteStore, type SqliteStoreOptions } from "./sqlite/sqlite-store.ts";
export { PgStore, type PgStoreOptions } from "./postgres/postgres-store.ts";
export { loadMigrations, toPostgres, type Migration, type Dialect } from "./migrations/index.ts";
