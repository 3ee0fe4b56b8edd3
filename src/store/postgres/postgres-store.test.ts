import { test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import type { Alert, AgentAction } from "../../core/index.ts";
import { defineStoreContract } from "../store.contract.ts";
import { loadMigrations } from "../migrations/index.ts";
import { openTestStore, requirePostgres, TEST_PG_URL } from "./test-db.ts";
import { PgStore } from "./postgres-store.ts";

if (await requirePostgres("postgres store contract")) {
  defineStoreContract("postgres", () => openTestStore());

  const alert = (over: Partial<Alert> = {}): Alert => ({
    id: "al_1", accountId: "default", assetId: "a1", type: "ssh_brute_force", ruleId: "r", name: "SSH brute force", severity: "high", status: "unhandled",
    dedupKey: "k", firstSeen: 1000, lastSeen: 2000, count: 1, sourceIp: "203.0.113.9", userName: null, attack: [], evidence: {}, triage: "", response: null,
    handledHow: null, whitelistedBy: null, createdAt: 1000, updatedAt: 2000, ...over,
  });

  test("postgres: migrations applied once per schema, recorded like SQLite's; timestamps are BIGINT and come back as numbers", async () => {
    const s = await openTestStore();
    try {
      const again = await PgStore.open({ url: TEST_PG_URL, schema: s.schema });
      await again.close();
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      try {
        const { rows } = await c.query(`SELECT version, name FROM ${s.schema}.schema_migrations ORDER BY version`);
        assert.deepEqual(rows.map((r) => [Number(r.version), r.name]), loadMigrations("postgres").map((m) => [m.version, m.name]));
        const { rows: types } = await c.query("SELECT data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'logon_learning' AND column_name = 'started_at'", [s.schema]);
        assert.equal(types[0]?.data_type, "bigint", "INTEGER in the shared SQL is 64-bit on PostgreSQL too");
      } finally {
        await c.end();
      }
      const t = Date.parse("2026-06-01T00:00:00Z");
      assert.equal(await s.logon.startLearning("default", "a1", t), t);
      assert.equal(typeof (await s.telemetry.count()), "number");
    } finally {
      await s.close();
    }
  });

  test("postgres: each test schema is dropped on close", async () => {
    const s = await openTestStore();
    const schema = s.schema;
    await s.close();
    const c = new pg.Client({ connectionString: TEST_PG_URL });
    await c.connect();
    try {
      assert.equal((await c.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema])).rowCount, 0);
    } finally {
      await c.end();
    }
  });

  test("ALR-2 postgres: two workers finding-or-creating the same alert at once make one alert (dedup lock)", async () => {
    const s = await openTestStore();
    // a second store on the same schema: another worker, its own pool
    const w2 = await PgStore.open({ url: TEST_PG_URL, schema: s.schema });
    try {
      const detect = (store: PgStore, id: string) => store.transaction(async (tx) => {
        const open = await tx.alerts.findOpen("a1", "k");
        await new Promise((r) => setTimeout(r, 30)); // both would have seen "none" without the lock
        if (open) await tx.alerts.update({ ...open, count: open.count + 1 });
        else await tx.alerts.insert(alert({ id }));
      });
      await Promise.all([detect(s, "al_a"), detect(w2, "al_b"), detect(s, "al_c")]);
      const all = await s.alerts.list("default", { limit: 10, offset: 0 });
      assert.equal(all.total, 1);
      assert.equal(all.items[0]!.count, 3);
    } finally {
      await w2.close();
      await s.close();
    }
  });

  test("EVT-1 postgres: two workers deciding join-or-open on the same attacker at once open one event (correlation lock)", async () => {
    const s = await openTestStore();
    const w2 = await PgStore.open({ url: TEST_PG_URL, schema: s.schema });
    try {
      const correlate = (store: PgStore, id: string) => store.transaction(async (tx) => {
        const open = await tx.events.findOpenByEntities("default", ["ip:198.51.100.7"], 0);
        await new Promise((r) => setTimeout(r, 30));
        if (open.length) return;
        await tx.events.insert({ id, accountId: "default", title: "t", status: "unhandled", severity: "high", severityOverride: null, ownerUserId: null, firstSeen: 1, lastSeen: 1, alertCount: 1,
          assetIds: [], tactics: [], techniques: [], stage: null, alertTypes: [], joinedBy: [], handledHow: null, handledAt: null, createdAt: 1, updatedAt: 1 });
        await tx.events.upsertEntities(id, "default", [{ key: "ip:198.51.100.7", kind: "ip", label: "198.51.100.7", assetId: null, malicious: true, firstSeen: 1, lastSeen: 1 }], []);
      });
      await Promise.all([correlate(s, "evt_a"), correlate(w2, "evt_b")]);
      assert.equal((await s.events.list("default", { limit: 10, offset: 0 })).total, 1);
    } finally {
      await w2.close();
      await s.close();
    }
  });

  test("AGT-10 postgres: concurrent polls hand each queued action to one of them only", async () => {
    const s = await openTestStore();
    const w2 = await PgStore.open({ url: TEST_PG_URL, schema: s.schema });
    try {
      const a: AgentAction = { id: "", accountId: "default", agentId: "ag1", type: "block_ip", params: { ip: "203.0.113.9" }, policyId: null, status: "queued", createdAt: 0, sentAt: null, finishedAt: null, result: null };
      for (let i = 0; i < 40; i++) await s.actions.insert({ ...a, id: `ac${String(i).padStart(2, "0")}`, createdAt: i });
      const takes = await Promise.all([s, w2, s, w2].map((st, i) => st.transaction(async (tx) => {
        const got = await tx.actions.takeQueued("ag1", 100 + i, 15);
        await new Promise((r) => setTimeout(r, 20));
        return got.map((x) => x.id);
      })));
      const ids = takes.flat();
      assert.equal(ids.length, 40);
      assert.equal(new Set(ids).size, 40, "no action sent twice");
      for (const t of takes) assert.deepEqual(t, [...t].sort(), "oldest first");
    } finally {
      await w2.close();
      await s.close();
    }
  });

  test("AGT-9 postgres: a record repeated in one batch and across concurrent batches is new once", async () => {
    const s = await openTestStore();
    const w2 = await PgStore.open({ url: TEST_PG_URL, schema: s.schema });
    try {
      const rec = (id: string, n: number) => ({ agentId: "ag1", id, kind: "logon", ts: 1, receivedAt: 1, body: { n } });
      assert.deepEqual((await s.telemetry.insertNew([rec("r1", 1), rec("r1", 2), rec("r2", 3)])).map((r) => r.body), [{ n: 1 }, { n: 3 }]);
      const batch = Array.from({ length: 200 }, (_, i) => rec(`b${i}`, i));
      const [x, y] = await Promise.all([s.transaction((tx) => tx.telemetry.insertNew(batch)), w2.transaction((tx) => tx.telemetry.insertNew(batch))]);
      assert.equal(x.length + y.length, 200);
      assert.equal(await s.telemetry.count(), 202);
    } finally {
      await w2.close();
      await s.close();
    }
  });

  test("postgres: attacker text with a NUL is stored (as U+FFFD) and found again, instead of failing its batch forever", async () => {
    const s = await openTestStore();
    try {
      await s.transaction(async (tx) => {
        assert.equal(await tx.alerts.findOpen("a1", "ssh:ro\0ot"), null);
        await tx.alerts.insert(alert({ dedupKey: "ssh:ro\0ot", userName: "ro\0ot", evidence: { "user.name": "ro\0ot" } }));
      });
      const a = await s.alerts.findOpen("a1", "ssh:ro\0ot");
      assert.equal(a?.userName, "ro\uFFFDot");
      assert.deepEqual(a?.evidence, { "user.name": "ro\0ot" }, "JSON keeps it exactly");
      assert.equal(await s.logon.countSuccess("default", "a1", "user", "x\0", 1), 1);
      assert.equal(await s.logon.countSuccess("default", "a1", "user", "x\0", 2), 2);
    } finally {
      await s.close();
    }
  });

  test("ALR-10 postgres: counts stay exact while deltas are folded (alert_counts + alert_count_deltas)", async () => {
    const s = await openTestStore();
    try {
      for (let i = 0; i < 30; i++) await s.alerts.insert(alert({ id: `al_${i}`, dedupKey: `k${i}`, status: i % 3 ? "unhandled" : "handled", severity: i % 2 ? "high" : "low" }));
      const c1 = await s.alerts.counts("default", {});
      assert.deepEqual(c1, { total: 30, byStatus: { handled: 10, unhandled: 20 }, bySeverity: { high: 15, low: 15 } });
      const a = (await s.alerts.get("default", "al_1"))!;
      await s.alerts.update({ ...a, status: "handled" });
      await new Promise((r) => setTimeout(r, 1100)); // the next read folds
      assert.deepEqual(await s.alerts.counts("default", { severity: "high" }), { total: 15, byStatus: { handled: 6, unhandled: 9 }, bySeverity: { high: 15, low: 15 } });
      assert.equal((await s.alerts.list("default", { status: "handled", limit: 1, offset: 0 })).total, 11);
    } finally {
      await s.close();
    }
  });
}
