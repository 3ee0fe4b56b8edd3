import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { loadMigrations, toPostgres } from "./index.ts";

/** The SQL of every SQLite migration as released: an applied migration never changes (existing databases skip it by version). */
const RELEASED_SQLITE: Array<[number, string]> = [
  [1, "0d826515eed23dcbc8fd6525691dc5b53b3d84446594da2f0b3bcb23e02453ab"],
  [2, "79bc5d570654ed8334eeb39a670fdec964cf8d3d85fc1e453b327b37ceaf02f6"],
  [3, "1a706a0b5f5c1e5522f3e36896f3ec2ebd26c2495e08e7ee862b1397384989bd"],
  [4, "454a40da9fe630eda905c3b097b7a4bdbc518b4e8af1cb3cfb17e0053c32e80f"],
  [5, "f5de2da90628bc0ea72a76e990d409bcaf1e6623b30161f50f36524a5898b4cd"],
  [6, "92974de7fc423bc9455ce14fb67809cc27d6135ca80bdb929fb25296e81696bc"],
  [7, "b6d08a33eecb92e5035592fceb13317594b104a74919e378f9e1a7688f93e00c"],
  [8, "fdb3a61d15513835223eb48c9ba21b642043e8253238110720cde8b8b8b58aa5"],
  [9, "c8b614d0ed73d181b2d63e38eb67621d9d9094fae8ae5e3f5f51bcb93b061f7e"],
  [10, "81ccb1c820ae8e8b040a0d735f7c0a7a6fca6501a03ac31b3f8baa79783b7aef"],
];

test("migrations: SQLite applies exactly the SQL it always did (0005 now lives in its .sqlite.sql form)", () => {
  const sqlite = loadMigrations("sqlite");
  for (const [version, sha] of RELEASED_SQLITE) {
    const m = sqlite.find((x) => x.version === version);
    assert.ok(m, `migration ${version}`);
    assert.equal(createHash("sha256").update(m.sql).digest("hex"), sha, `migration ${version} (${m.name}) changed`);
  }
  assert.equal(sqlite.find((m) => m.version === 5)?.name, "alert_search_counts", "the name recorded in schema_migrations stays");
  // the released statements still run on SQLite, in order
  const db = new DatabaseSync(":memory:");
  for (const m of sqlite) db.exec(m.sql);
  db.close();
});

test("migrations: one list of versions for both dialects, same names; shared SQL is mapped for PostgreSQL", () => {
  const sqlite = loadMigrations("sqlite");
  const pg = loadMigrations("postgres");
  assert.deepEqual(pg.map((m) => [m.version, m.name]), sqlite.map((m) => [m.version, m.name]));
  assert.deepEqual(sqlite.map((m) => m.version), sqlite.map((_, i) => i + 1), "versions run 1..N without gaps");
  assert.match(pg.find((m) => m.version === 5)!.sql, /pg_trgm/);
  assert.doesNotMatch(pg.find((m) => m.version === 5)!.sql, /fts5/);
  assert.equal(toPostgres("a INTEGER NOT NULL, b TEXT, c BIGINT, alerts_text x"), 'a BIGINT NOT NULL, b TEXT COLLATE "C", c BIGINT, alerts_text x');
  assert.equal(pg.find((m) => m.version === 1)!.sql, toPostgres(sqlite.find((m) => m.version === 1)!.sql));
});

test("migrations: a version with a dialect form must have the other dialect's too", () => {
  const dir = mkdtempSync(join(tmpdir(), "hw-migrations-"));
  try {
    writeFileSync(join(dir, "0001_a.sql"), "CREATE TABLE a (x INTEGER);");
    writeFileSync(join(dir, "0002_b.pg.sql"), "CREATE TABLE b (x BIGINT);");
    assert.equal(loadMigrations("postgres", dir).length, 2);
    assert.throws(() => loadMigrations("sqlite", dir), /migration 2 \(b\) has no sqlite form/);
    writeFileSync(join(dir, "0002_c.sqlite.sql"), "");
    assert.throws(() => loadMigrations("sqlite", dir), /disagree on its name/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
