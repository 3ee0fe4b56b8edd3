import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore } from "./sqlite-store.ts";
import { defineStoreContract } from "../store.contract.ts";

defineStoreContract("sqlite (memory)", () => new SqliteStore({ path: ":memory:" }));

test("sqlite file store: WAL, migrations applied once, data survives reopen", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hw-store-"));
  try {
    const path = join(dir, "hostward.db");
    const a = new SqliteStore({ path });
    await a.settings.set("k", { v: 1 });
    await a.close();
    const b = new SqliteStore({ path });
    assert.deepEqual(await b.settings.get("k"), { v: 1 });
    await b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
