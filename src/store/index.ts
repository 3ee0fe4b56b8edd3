export { SqliteStore, type SqliteStoreOptions } from "./sqlite/sqlite-store.ts";
export { loadMigrations, type Migration } from "./migrations/index.ts";
