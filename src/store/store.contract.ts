import { describe, test, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import type { Alert, Store, StoredRecord, IpPolicy, AgentAction, SecurityEvent, EventEntity, EventQuery, EventTask } from "../core/index.ts";

/**
 * The Store port's contract. Every adapter runs it unchanged:
 *   defineStoreContract("sqlite", () => new SqliteStore({ path: ":memory:" }));
 */
export function defineStoreContract(name: string, makeStore: () => Promise<Store> | Store): void {
  describe(`Store contract: ${name}`, () => {
    let s: Store;
    beforeEach(async () => {
      s = await makeStore();
    });
    afterEach(async () => {
      await s.close();
    });

    const alert = (over: Partial<Alert> = {}): Alert => ({
      id: "al_1", accountId: "default", assetId: "a1", type: "ssh_brute_force", ruleId: "hw-ssh-brute-force", name: "SSH brute force",
      severity: "high", status: "unhandled", dedupKey: "ssh_brute_force:203.0.113.9", firstSeen: 1000, lastSeen: 2000, count: 5,
      sourceIp: "203.0.113.9", userName: null, attack: ["T1110.001"], evidence: { "source.ip": "203.0.113.9" }, triage: "", response: null, handledHow: null, whitelistedBy: null,
      createdAt: 1000, updatedAt: 2000, ...over,
    });
    const rec = (id: string, ts = 1): StoredRecord => ({ agentId: "ag1", id, kind: "logon", ts, receivedAt: ts, body: { id, n: ts } });

    test("AGT-1 agents: insert, get, revoke once, counters", async () => {
      await s.agents.insert({ id: "ag1", accountId: "default", hostname: "web-1", version: "0.1.0", os: "linux", enrolledAt: 1, lastSeenAt: null, revokedAt: null, credentialHash: "h", rejectedRecords: 0, droppedRecords: 0 });
      assert.equal((await s.agents.get("ag1"))?.hostname, "web-1");
      assert.equal(await s.agents.get("nope"), null);
      await s.agents.touch("ag1", 50, { version: "0.2.0" });
      await s.agents.addCounters("ag1", { rejected: 2, dropped: 3 });
      const a = (await s.agents.get("ag1"))!;
      assert.deepEqual([a.lastSeenAt, a.version, a.rejectedRecords, a.droppedRecords], [50, "0.2.0", 2, 3]);
      assert.equal(await s.agents.revoke("other", "ag1", 60), false, "ACC-1 another account cannot revoke it");
      assert.equal(await s.agents.revoke("default", "ag1", 60), true);
      assert.equal(await s.agents.revoke("default", "ag1", 70), false);
      assert.equal((await s.agents.list("default")).length, 1);
      assert.equal((await s.agents.list("other")).length, 0);
      assert.equal(await s.agents.getIn("other", "ag1"), null);
      assert.equal((await s.agents.get("ag1"))?.revokedAt, 60);
    });

    test("AGT-1 an enrolment token is consumed once", async () => {
      await s.enrolTokens.insert({ id: "et1", accountId: "default", tokenHash: "th", note: "", createdAt: 1, expiresAt: 100, usedAt: null, usedByAgentId: null });
      assert.equal((await s.enrolTokens.findByHash("th"))?.id, "et1");
      assert.equal(await s.enrolTokens.consume("et1", "ag1", 5), true);
      assert.equal(await s.enrolTokens.consume("et1", "ag2", 6), false);
      assert.equal((await s.enrolTokens.findByHash("th"))?.usedByAgentId, "ag1");
    });

    test("AGT-9 telemetry: a record id is stored once per agent", async () => {
      const first = await s.telemetry.insertNew([rec("r1"), rec("r2")]);
      assert.deepEqual(first.map((r) => r.id), ["r1", "r2"]);
      const again = await s.telemetry.insertNew([rec("r2"), rec("r3")]);
      assert.deepEqual(again.map((r) => r.id), ["r3"]);
      // the same id from another agent is another record
      const other = await s.telemetry.insertNew([{ ...rec("r1"), agentId: "ag2" }]);
      assert.equal(other.length, 1);
      assert.equal(await s.telemetry.count(), 4);
      assert.equal(await s.telemetry.count("ag1"), 3);
      assert.deepEqual((await s.telemetry.since(0, 10)).map((r) => r.body), [{ id: "r1", n: 1 }, { id: "r2", n: 1 }, { id: "r3", n: 1 }, { id: "r1", n: 1 }]);
    });

    test("AGT-3 AGT-4 telemetry: an agent's newest records of one kind, newest first", async () => {
      await s.telemetry.insertNew([rec("p1", 10), rec("p2", 30), rec("p3", 20), { ...rec("p4", 40), kind: "connection" }, { ...rec("p5", 50), agentId: "ag2" }]);
      assert.deepEqual((await s.telemetry.recent("ag1", "logon", 2)).map((r) => r.id), ["p2", "p3"]);
      assert.deepEqual((await s.telemetry.recent("ag1", "connection", 10)).map((r) => r.id), ["p4"]);
      assert.deepEqual(await s.telemetry.recent("ag3", "logon", 10), []);
    });

    test("ALR-2 ALR-3 alerts: findOpen ignores expired ones, update persists", async () => {
      await s.alerts.insert(alert());
      const open = (await s.alerts.findOpen("a1", "ssh_brute_force:203.0.113.9"))!;
      assert.equal(open.count, 5);
      await s.alerts.update({ ...open, count: 9, lastSeen: 3000, status: "expired" });
      assert.equal(await s.alerts.findOpen("a1", "ssh_brute_force:203.0.113.9"), null);
      assert.equal((await s.alerts.get("default", "al_1"))?.count, 9);
      assert.equal(await s.alerts.get("other", "al_1"), null, "ACC-1 another account's alert is not found");
      assert.deepEqual((await s.alerts.listStale(10_000, 10)).length, 0);
    });

    test("ALR-10 alert list filters, pages, and treats search text as data", async () => {
      for (let i = 0; i < 5; i++) await s.alerts.insert(alert({ id: `al_${i}`, lastSeen: 100 + i, severity: i % 2 ? "critical" : "high", sourceIp: `203.0.113.${i}`, userName: i === 3 ? "x'; DROP TABLE alerts;--%_" : null }));
      await s.alerts.insert(alert({ id: "al_other", accountId: "other", lastSeen: 999 }));
      assert.deepEqual((await s.alerts.list("other", { limit: 10, offset: 0 })).items.map((a) => a.id), ["al_other"]);
      const p = await s.alerts.list("default", { limit: 2, offset: 0 });
      assert.equal(p.total, 5);
      assert.deepEqual(p.items.map((a) => a.id), ["al_4", "al_3"]);
      assert.equal((await s.alerts.list("default", { severity: "critical", limit: 10, offset: 0 })).total, 2);
      assert.equal((await s.alerts.list("default", { text: "DROP TABLE alerts;--%_", limit: 10, offset: 0 })).total, 1);
      assert.equal((await s.alerts.list("default", { text: "%", limit: 10, offset: 0 })).total, 1, "% is a literal, not a wildcard");
      assert.equal((await s.alerts.list("default", { from: 103, limit: 10, offset: 0 })).total, 2);
      assert.equal((await s.alerts.listStale(102, 10)).length, 2);
    });

    test("BF-4 RSP-1 policies: live lookup and due expiry", async () => {
      const p: IpPolicy = { id: "p1", accountId: "default", assetId: "a1", ip: "203.0.113.9", status: "active", reason: "r", alertId: "al_1", createdBy: "auto", createdAt: 1, expiresAt: 100, updatedAt: 1, lastResult: null };
      await s.policies.insert(p);
      await s.policies.insert({ ...p, id: "p2", ip: "203.0.113.10", expiresAt: null });
      assert.equal((await s.policies.findLive("a1", "203.0.113.9"))?.id, "p1");
      assert.deepEqual((await s.policies.listDue(100)).map((x) => x.id), ["p1"]);
      await s.policies.update({ ...p, status: "disabled" });
      assert.equal(await s.policies.findLive("a1", "203.0.113.9"), null);
      assert.equal((await s.policies.list("default", { status: "active", limit: 10, offset: 0 })).total, 1);
      assert.equal((await s.policies.list("other", { limit: 10, offset: 0 })).total, 0);
      assert.equal(await s.policies.get("other", "p1"), null);
    });

    test("AGT-10 actions: queued → sent once → finished once; stale sent ones requeue", async () => {
      const a: AgentAction = { id: "ac1", accountId: "default", agentId: "ag1", type: "block_ip", params: { ip: "203.0.113.9", timeoutSeconds: 60 }, policyId: "p1", status: "queued", createdAt: 1, sentAt: null, finishedAt: null, result: null };
      await s.actions.insert(a);
      await s.actions.insert({ ...a, id: "ac2", createdAt: 2, agentId: "ag2" });
      const got = await s.actions.takeQueued("ag1", 10, 10);
      assert.deepEqual(got.map((x) => [x.id, x.status, x.params.ip]), [["ac1", "sent", "203.0.113.9"]]);
      assert.equal((await s.actions.takeQueued("ag1", 11, 10)).length, 0);
      assert.equal(await s.actions.requeueStale(11), 1);
      assert.equal((await s.actions.takeQueued("ag1", 12, 10)).length, 1);
      assert.equal(await s.actions.finish("ac1", "ag2", "succeeded", "ok", 13), null, "another agent cannot finish it");
      assert.equal((await s.actions.finish("ac1", "ag1", "succeeded", "ok", 13))?.status, "succeeded");
      assert.equal(await s.actions.finish("ac1", "ag1", "failed", "late", 14), null);
      assert.equal((await s.actions.list("default", { policyId: "p1", limit: 10, offset: 0 })).total, 2);
      assert.equal((await s.actions.list("other", { limit: 10, offset: 0 })).total, 0);
    });

    test("allowlist, users, API tokens, settings", async () => {
      await s.allowlist.insert({ id: "w1", accountId: "default", cidr: "10.0.0.0/8", note: "office", createdAt: 1, createdBy: "admin" });
      assert.equal((await s.allowlist.list("default")).length, 1);
      assert.equal((await s.allowlist.list("other")).length, 0);
      assert.equal(await s.allowlist.remove("other", "w1"), false);
      assert.equal(await s.allowlist.remove("default", "w1"), true);
      assert.equal(await s.allowlist.remove("default", "w1"), false);
      await s.users.insert({ id: "u1", accountId: "default", username: "admin", passwordHash: "x", role: "admin", createdAt: 1, mustChangePassword: true, disabledAt: null });
      assert.equal(await s.users.getIn("other", "u1"), null);
      assert.equal(await s.users.update("other", "u1", { role: "viewer" }), false);
      assert.equal(await s.users.update("default", "u1", { disabledAt: 5 }), true);
      assert.deepEqual([(await s.users.get("u1"))?.role, (await s.users.get("u1"))?.disabledAt], ["admin", 5]);
      assert.deepEqual((await s.users.list("default")).map((u) => u.username), ["admin"]);
      assert.equal(await s.users.count(), 1);
      await s.users.updatePassword("u1", "y", false);
      assert.deepEqual([(await s.users.findByName("admin"))?.passwordHash, (await s.users.get("u1"))?.mustChangePassword], ["y", false]);
      await s.apiTokens.insert({ id: "t1", userId: "u1", name: "ci", role: "viewer", tokenHash: "tt", createdAt: 1, expiresAt: null, revokedAt: null, lastUsedAt: null });
      await s.apiTokens.touch("t1", 9);
      assert.equal((await s.apiTokens.findByHash("tt"))?.lastUsedAt, 9);
      assert.equal(await s.apiTokens.revoke("t1", 10), true);
      assert.equal((await s.apiTokens.listForUser("u1"))[0]?.revokedAt, 10);
      assert.equal(await s.settings.get("defence.enabled"), undefined);
      await s.settings.set("defence.enabled", false);
      await s.settings.set("defence.enabled", true);
      assert.equal(await s.settings.get<boolean>("defence.enabled"), true);
      await s.accountSettings.set("default", "defence.enabled", false);
      assert.equal(await s.accountSettings.get("default", "defence.enabled"), false);
      assert.equal(await s.accountSettings.get("other", "defence.enabled"), undefined);
    });

    test("ACC-1 accounts: a master account lists the member accounts it manages", async () => {
      assert.equal((await s.accounts.get("default"))?.parentId, null);
      await s.accounts.insert({ id: "m1", name: "Member", parentId: "default", createdAt: 1 });
      await s.accounts.insert({ id: "x1", name: "Elsewhere", parentId: null, createdAt: 1 });
      assert.deepEqual((await s.accounts.listManaged("default")).map((a) => a.id), ["default", "m1"]);
      assert.deepEqual((await s.accounts.listManaged("m1")).map((a) => a.id), ["m1"]);
    });

    test("ACC-2 sessions, failed sign-ins, known sources, audit log", async () => {
      await s.sessions.insert({ idHash: "h1", userId: "u1", csrf: "c", ip: "192.0.2.1", createdAt: 1, expiresAt: 100, lastSeenAt: 1 });
      await s.sessions.insert({ idHash: "h2", userId: "u1", csrf: "c", ip: "192.0.2.1", createdAt: 1, expiresAt: 100, lastSeenAt: 1 });
      await s.sessions.touch("h1", 7);
      assert.equal((await s.sessions.get("h1"))?.lastSeenAt, 7);
      assert.equal(await s.sessions.removeForUser("u1", "h1"), 1);
      assert.equal(await s.sessions.get("h2"), null);
      await s.sessions.remove("h1");
      assert.equal(await s.sessions.get("h1"), null);

      for (const [u, ip, at] of [["admin", "192.0.2.9", 10], ["admin", "192.0.2.9", 20], ["root", "192.0.2.9", 30], ["admin", "192.0.2.8", 40]] as const) await s.logins.addFailure(u, ip, at);
      assert.equal(await s.logins.failuresForUserFrom("admin", "192.0.2.9", 0), 2);
      assert.equal(await s.logins.failuresForUserFrom("admin", "192.0.2.9", 15), 1);
      assert.equal(await s.logins.failuresFrom("192.0.2.9", 0), 3);
      assert.equal(await s.logins.failuresForUser("admin", 0), 3);
      assert.equal(await s.logins.oldestFailure({ username: "admin" }, 15), 20);
      assert.equal(await s.logins.oldestFailure({ ip: "192.0.2.7" }, 0), null);
      await s.logins.clearFailures("admin", "192.0.2.9");
      assert.equal(await s.logins.failuresForUser("admin", 0), 1);
      await s.logins.markKnownSource("u1", "192.0.2.9", 50);
      assert.equal(await s.logins.isKnownSource("u1", "192.0.2.9", 40), true);
      assert.equal(await s.logins.isKnownSource("u1", "192.0.2.9", 60), false);

      await s.audit.insert({ id: "a1", accountId: "default", at: 1, actor: "user:admin", ip: "192.0.2.1", action: "login.success", target: "admin", outcome: "success", details: {} });
      await s.audit.insert({ id: "a2", accountId: "default", at: 2, actor: "user:admin", ip: "192.0.2.1", action: "allowlist.add", target: "w1", outcome: "success", details: { cidr: "10.0.0.0/8" } });
      await s.audit.insert({ id: "a3", accountId: "other", at: 3, actor: "user:eve", ip: null, action: "login.success", target: "eve", outcome: "success", details: {} });
      const page = await s.audit.list("default", { limit: 10, offset: 0 });
      assert.deepEqual(page.items.map((e) => e.id), ["a2", "a1"]);
      assert.deepEqual(page.items[0]!.details, { cidr: "10.0.0.0/8" });
      assert.equal((await s.audit.list("default", { action: "login.success", limit: 10, offset: 0 })).total, 1);
    });

    test("ALR-9 notification channels and the outbox: due items, retries, dead letters, per account", async () => {
      const ch = { id: "ch1", accountId: "default", name: "ops mail", kind: "email" as const, config: { to: ["ops@example.org"] }, minSeverity: "high" as const, types: [], enabled: true, createdAt: 1, updatedAt: 1 };
      await s.notifications.insertChannel(ch);
      await s.notifications.updateChannel({ ...ch, enabled: false, updatedAt: 2 });
      assert.equal((await s.notifications.getChannel("default", "ch1"))?.enabled, false);
      assert.equal(await s.notifications.getChannel("other", "ch1"), null);
      assert.deepEqual((await s.notifications.listChannels("default")).map((c) => c.config), [{ to: ["ops@example.org"] }]);
      const item = (id: string, next: number) => ({ id, accountId: "default", channelId: "ch1", alertId: "al_1", payload: { id }, status: "pending" as const, attempts: 0, nextAttemptAt: next, lastError: null, createdAt: next, sentAt: null });
      await s.notifications.enqueue([item("o1", 10), item("o2", 20), item("o3", 30)]);
      assert.deepEqual((await s.notifications.due(20, 10)).map((x) => x.id), ["o1", "o2"]);
      await s.notifications.markSent("o1", 21);
      await s.notifications.markRetry("o2", 1, 50, "connection refused");
      await s.notifications.markDead("o3", 5, "gave up");
      assert.deepEqual((await s.notifications.due(40, 10)).map((x) => x.id), []);
      assert.deepEqual((await s.notifications.due(50, 10)).map((x) => [x.id, x.attempts, x.lastError]), [["o2", 1, "connection refused"]]);
      assert.equal((await s.notifications.listOutbox("default", { status: "dead", limit: 10, offset: 0 })).items[0]?.lastError, "gave up");
      assert.equal((await s.notifications.listOutbox("default", { status: "sent", limit: 10, offset: 0 })).items[0]?.sentAt, 21);
      assert.equal((await s.notifications.listOutbox("other", { limit: 10, offset: 0 })).total, 0);
      assert.equal(await s.notifications.deleteChannel("other", "ch1"), false);
      assert.equal(await s.notifications.deleteChannel("default", "ch1"), true);
    });

    test("BF-3 stats: alerts per UTC day by severity/status/type, tops, blocks, totals — one account only", async () => {
      const D = 86_400_000, d0 = Date.parse("2026-06-01T00:00:00Z");
      const agent = (id: string, accountId: string, lastSeenAt: number | null, revokedAt: number | null = null) =>
        s.agents.insert({ id, accountId, hostname: id, version: "1", os: "linux", enrolledAt: d0, lastSeenAt, revokedAt, credentialHash: "h", rejectedRecords: 0, droppedRecords: 0 });
      await agent("web", "default", d0 + 2 * D);
      await agent("db", "default", d0);
      await agent("old", "default", d0 + 2 * D, d0);
      await agent("b-host", "acc_b", d0 + 2 * D);
      const al = (id: string, over: Partial<Alert>) => s.alerts.insert(alert({ id, dedupKey: id, ...over }));
      await al("a1", { assetId: "web", sourceIp: "203.0.113.1", firstSeen: d0 + 1000, lastSeen: d0 + 2000, count: 5 });
      await al("a2", { assetId: "web", sourceIp: "203.0.113.1", firstSeen: d0 + D + 5, lastSeen: d0 + D + 9, count: 12, severity: "critical", type: "logon_after_brute_force" });
      await al("a3", { assetId: "db", sourceIp: "203.0.113.1", firstSeen: d0 + D + 7, lastSeen: d0 + D + 8, count: 6, status: "handled" });
      await al("a4", { assetId: "db", sourceIp: "198.51.100.7", firstSeen: d0 + 2 * D, lastSeen: d0 + 2 * D, count: 5, type: "other" });
      // before the window, but still active in it: counted in tops, not in the day buckets
      await al("a5", { assetId: "db", sourceIp: "198.51.100.7", firstSeen: d0 - 3 * D, lastSeen: d0 + 10, count: 50 });
      await al("b1", { accountId: "acc_b", assetId: "b-host", sourceIp: "203.0.113.1", firstSeen: d0 + 1, lastSeen: d0 + 1, count: 99, severity: "critical" });
      const pol = (id: string, accountId: string, ip: string, status: IpPolicy["status"], createdAt: number, assetId = "web") =>
        s.policies.insert({ id, accountId, assetId, ip, status, reason: "r", alertId: null, createdBy: "defence", createdAt, expiresAt: null, updatedAt: createdAt, lastResult: null });
      await pol("p1", "default", "203.0.113.1", "active", d0 + 3000);
      await pol("p2", "default", "198.51.100.7", "expired", d0 + D + 1, "db");
      await pol("p3", "default", "198.51.100.8", "pending", d0 + D + 2, "db");
      await pol("pb", "acc_b", "203.0.113.1", "active", d0 + 5);

      const w = { from: d0, to: d0 + 3 * D };
      assert.deepEqual(await s.stats.alertsPerDay("default", "severity", w), [
        { day: d0, key: "high", n: 1 }, { day: d0 + D, key: "critical", n: 1 }, { day: d0 + D, key: "high", n: 1 }, { day: d0 + 2 * D, key: "high", n: 1 }]);
      assert.deepEqual(await s.stats.alertsPerDay("default", "status", { ...w, types: ["ssh_brute_force"] }), [
        { day: d0, key: "unhandled", n: 1 }, { day: d0 + D, key: "handled", n: 1 }]);
      assert.deepEqual((await s.stats.alertsPerDay("default", "type", { from: d0 + D, to: d0 + 2 * D })).map((r) => [r.key, r.n]), [["logon_after_brute_force", 1], ["ssh_brute_force", 1]]);
      assert.deepEqual(await s.stats.blocksPerDay("default", w), [{ day: d0, key: "active", n: 1 }, { day: d0 + D, key: "expired", n: 1 }, { day: d0 + D, key: "pending", n: 1 }]);
      assert.deepEqual(await s.stats.topSources("default", { ...w, limit: 5 }), [
        { key: "203.0.113.1", alerts: 3, attempts: 23, spread: 2, lastSeen: d0 + D + 9 },
        { key: "198.51.100.7", alerts: 2, attempts: 55, spread: 1, lastSeen: d0 + 2 * D }]);
      assert.deepEqual((await s.stats.topAssets("default", { ...w, types: ["ssh_brute_force", "logon_after_brute_force"], limit: 5 })).map((t) => [t.key, t.alerts, t.attempts, t.spread]), [["db", 2, 56, 2], ["web", 2, 17, 1]]);
      assert.deepEqual(await s.stats.blocksOf("default", ["203.0.113.1", "198.51.100.7", "192.0.2.1"]), { "203.0.113.1": { live: 1, total: 1 }, "198.51.100.7": { live: 0, total: 1 } });
      assert.deepEqual(await s.stats.blocksPerAsset("default", w), { web: 1, db: 2 });
      assert.deepEqual(await s.stats.totals("default", d0 + D), { unhandled: 4, unhandledCritical: 1, liveBlocks: 2, pendingBlocks: 1, assetsOnline: 1, assetsOffline: 1 });
      // ACC-1: the other account sees its own rows only
      assert.deepEqual((await s.stats.topSources("acc_b", { ...w, limit: 5 })).map((t) => [t.key, t.attempts]), [["203.0.113.1", 99]]);
      assert.deepEqual(await s.stats.totals("acc_b", d0 + D), { unhandled: 1, unhandledCritical: 1, liveBlocks: 1, pendingBlocks: 0, assetsOnline: 1, assetsOffline: 0 });
      assert.deepEqual(await s.stats.topSources("nobody", { ...w, limit: 5 }), []);
    });

    test("LOG-2 LOG-4 LOG-6 logon learning: start once, approved locations per asset, success counters, approvals per account", async () => {
      assert.equal(await s.logon.learningStartedAt("a1"), null);
      assert.equal(await s.logon.startLearning("default", "a1", 100), 100);
      assert.equal(await s.logon.startLearning("default", "a1", 200), 100, "the first start stays");
      const loc = { accountId: "default", assetId: "a1", key: "DE/Berlin/Berlin", label: "Berlin, Berlin, DE", how: "learning" as const, ip: "203.0.113.5", approvedAt: 150 };
      assert.equal(await s.logon.approveLocation(loc), true);
      assert.equal(await s.logon.approveLocation({ ...loc, how: "six_successes", approvedAt: 300 }), false, "approved once");
      assert.deepEqual((await s.logon.approvedLocations("a1")).map((l) => [l.key, l.how, l.approvedAt]), [["DE/Berlin/Berlin", "learning", 150]]);
      assert.deepEqual(await s.logon.approvedLocations("a2"), []);
      assert.equal((await s.logon.listLocations("default")).length, 1);
      assert.equal((await s.logon.listLocations("other")).length, 0, "ACC-1");
      assert.equal(await s.logon.revokeLocation("other", "a1", loc.key), false, "ACC-1");
      assert.equal(await s.logon.revokeLocation("default", "a1", loc.key), true);
      assert.deepEqual(await s.logon.approvedLocations("a1"), []);
      for (let i = 1; i <= 6; i++) assert.equal(await s.logon.countSuccess("default", "a1", "ip", "203.0.113.7", 100 + i), i);
      assert.equal(await s.logon.countSuccess("default", "a2", "ip", "203.0.113.7", 200), 1, "per asset");
      assert.equal(await s.logon.countSuccess("default", "a1", "user", "203.0.113.7", 200), 1, "per kind");
      assert.equal(await s.logon.countSuccess("default", "a1", "ip", "203.0.113.7", 300, 4), 10, "several at once (an ingest batch's)");
      await s.logon.insertApproval({ id: "la1", accountId: "default", factor: "time", value: "Mon-Fri 08:00-19:00", tz: "Europe/Berlin", assetIds: ["a1"], source: "operator", note: "office hours", createdBy: "u1", createdAt: 5 });
      await s.logon.insertApproval({ id: "la2", accountId: "default", factor: "ip", value: "198.51.100.0/24", tz: null, assetIds: null, source: "auto", note: "", createdBy: "system", createdAt: 6 });
      const ap = await s.logon.listApprovals("default");
      assert.deepEqual(ap.map((a) => [a.id, a.factor, a.assetIds, a.tz]), [["la2", "ip", null, null], ["la1", "time", ["a1"], "Europe/Berlin"]]);
      assert.deepEqual(await s.logon.listApprovals("other"), []);
      assert.equal(await s.logon.deleteApproval("other", "la1"), false, "ACC-1");
      assert.equal(await s.logon.deleteApproval("default", "la1"), true);
      assert.equal((await s.logon.listApprovals("default")).length, 1);
    });

    test("BF-5 a baseline run replaces the asset's findings: a fixed password clears at once; AGT-7 the latest inventory", async () => {
      const run = { accountId: "default", assetId: "a1", check: "weak_password", ts: 100, trigger: "scheduled", checked: 3, skipped: [], durationMs: 5, findings: 0, receivedAt: 101 };
      assert.deepEqual(await s.baseline.replace(run, [{ subject: "bob", reason: "dictionary", scheme: "yescrypt" }, { subject: "eve", reason: "username", scheme: "sha512crypt" }]), { added: ["bob", "eve"], cleared: [] });
      assert.equal((await s.baseline.finding("a1", "weak_password", "bob"))?.reason, "dictionary");
      assert.deepEqual(await s.baseline.replace({ ...run, ts: 200, trigger: "on_demand" }, [{ subject: "eve", reason: "username", scheme: "sha512crypt" }]), { added: [], cleared: ["bob"] });
      assert.equal(await s.baseline.finding("a1", "weak_password", "bob"), null);
      const f = await s.baseline.findings("default", { assetId: "a1" });
      assert.deepEqual(f.map((x) => [x.subject, x.firstSeen, x.lastSeen]), [["eve", 100, 200]]);
      assert.deepEqual(await s.baseline.findings("other", {}), [], "ACC-1");
      const runs = await s.baseline.runs("default", {});
      assert.deepEqual(runs.map((r) => [r.assetId, r.trigger, r.findings]), [["a1", "on_demand", 1]]);
      assert.equal(await s.inventory.latest("a1"), null);
      const inv = { accountId: "default", assetId: "a1", ts: 10, uidMin: 1000, accounts: [{ name: "root", uid: 0 }], receivedAt: 11 };
      assert.equal(await s.inventory.put(inv), null);
      assert.equal((await s.inventory.put({ ...inv, ts: 20, accounts: [{ name: "root", uid: 0 }, { name: "toor", uid: 0 }] }))?.ts, 10);
      assert.equal((await s.inventory.latest("a1"))?.accounts.length, 2);
      await s.inventory.put({ ...inv, ts: 5 });
      assert.equal((await s.inventory.latest("a1"))?.ts, 20, "an older inventory arriving late does not replace a newer one");
      assert.equal(await s.inventory.get("other", "a1"), null, "ACC-1");
    });

    test("RSP-2 the quarantine vault as the agents report it: quarantined, restored, purged; a late record undoes nothing", async () => {
      const e = (id: string, at: number) => ({ entryId: id, originalPath: `/var/www/html/${id}.php`, sha256: "a".repeat(64), md5: "b".repeat(32), size: 10, mode: 0o644, uid: 33, gid: 33, quarantinedAt: at, expiresAt: at + 30 * 86_400_000 });
      const base = { accountId: "default", assetId: "a1" };
      assert.deepEqual(await s.quarantine.sync({ ...base, ts: 100, entries: [e("q-1-aaaaaaaaaaaa", 90), e("q-2-bbbbbbbbbbbb", 95)], restoredIds: [] }, 101), ["q-1-aaaaaaaaaaaa", "q-2-bbbbbbbbbbbb"]);
      assert.deepEqual(await s.quarantine.sync({ ...base, ts: 110, entries: [e("q-1-aaaaaaaaaaaa", 90), e("q-2-bbbbbbbbbbbb", 95)], restoredIds: [] }, 111), [], "a snapshot that changes nothing");
      assert.deepEqual(await s.quarantine.sync({ ...base, ts: 200, entries: [e("q-2-bbbbbbbbbbbb", 95)], restoredIds: ["q-1-aaaaaaaaaaaa"] }, 201), ["q-1-aaaaaaaaaaaa"]);
      assert.equal((await s.quarantine.get("default", "a1", "q-1-aaaaaaaaaaaa"))?.state, "restored");
      assert.deepEqual(await s.quarantine.sync({ ...base, ts: 150, entries: [e("q-1-aaaaaaaaaaaa", 90), e("q-2-bbbbbbbbbbbb", 95)], restoredIds: [] }, 202), [], "an older record arriving late");
      assert.equal((await s.quarantine.get("default", "a1", "q-1-aaaaaaaaaaaa"))?.state, "restored");
      assert.deepEqual(await s.quarantine.sync({ ...base, ts: 300, entries: [], restoredIds: [] }, 301), ["q-2-bbbbbbbbbbbb"]);
      const all = await s.quarantine.list("default", { limit: 10, offset: 0 });
      assert.deepEqual(all.items.map((x) => [x.entryId, x.state]), [["q-2-bbbbbbbbbbbb", "purged"], ["q-1-aaaaaaaaaaaa", "restored"]]);
      assert.equal((await s.quarantine.list("default", { state: "quarantined", limit: 10, offset: 0 })).total, 0);
      assert.equal(all.items[0]!.originalPath, "/var/www/html/q-2-bbbbbbbbbbbb.php");
      assert.equal((await s.quarantine.list("other", { limit: 10, offset: 0 })).total, 0, "ACC-1");
      assert.equal(await s.quarantine.get("other", "a1", "q-2-bbbbbbbbbbbb"), null, "ACC-1");
    });

    test("transactions are all or nothing, and other callers wait for them", async () => {
      await assert.rejects(
        s.transaction(async (tx) => {
          await tx.telemetry.insertNew([rec("t1")]);
          throw new Error("boom");
        }),
        /boom/,
      );
      assert.equal(await s.telemetry.count(), 0);
      let inside = 0;
      const t = s.transaction(async (tx) => {
        await tx.telemetry.insertNew([rec("t2")]);
        await new Promise((r) => setTimeout(r, 20));
        inside = await tx.telemetry.count();
        await tx.telemetry.insertNew([rec("t3")]);
      });
      // issued while the transaction is open: must see it whole (after commit), not half
      const outside = s.telemetry.count();
      await t;
      assert.equal(inside, 1);
      assert.equal(await outside, 2);
    });

    // --- EVT: security events (src/store/sqlite/event-store.ts) ---
    const event = (over: Partial<SecurityEvent> = {}): SecurityEvent => ({
      id: "evt_1", accountId: "default", title: "SSH brute force from 198.51.100.7", status: "unhandled", severity: "high", severityOverride: null, ownerUserId: null,
      firstSeen: 1000, lastSeen: 2000, alertCount: 1, assetIds: ["a1"], tactics: ["TA0006"], techniques: ["T1110.001"], stage: "TA0006", alertTypes: ["ssh_brute_force"],
      joinedBy: [], handledHow: null, handledAt: null, createdAt: 1000, updatedAt: 2000, ...over,
    });
    const entity = (key: string, over: Partial<EventEntity> = {}): EventEntity => ({
      key, kind: key.split(":")[0] as EventEntity["kind"], label: key.split(":").at(-1)!, assetId: null, malicious: false, firstSeen: 1000, lastSeen: 2000, ...over,
    });

    test("EVT-1 EVT-3 events: stored whole, listed newest first by time range, status, severity, asset, owner and text; ACC-1", async () => {
      await s.events.insert(event());
      await s.events.insert(event({ id: "evt_2", title: "Mining program: /tmp/.x/xmrig", status: "handling", severity: "critical", firstSeen: 5000, lastSeen: 9000, ownerUserId: "usr_1", assetIds: ["a2"] }));
      await s.events.insert(event({ id: "evt_3", accountId: "other", title: "SSH brute force from 198.51.100.7" }));
      await s.events.upsertEntities("evt_1", "default", [entity("host:a1", { assetId: "a1" }), entity("ip:198.51.100.7", { malicious: true })], []);
      await s.events.upsertEntities("evt_2", "default", [entity("host:a2", { assetId: "a2" }), entity("process:a2:/tmp/.x/xmrig", { assetId: "a2" })], []);
      assert.deepEqual(await s.events.get("default", "evt_2"), event({ id: "evt_2", title: "Mining program: /tmp/.x/xmrig", status: "handling", severity: "critical", firstSeen: 5000, lastSeen: 9000, ownerUserId: "usr_1", assetIds: ["a2"] }));
      assert.equal(await s.events.get("other", "evt_1"), null, "ACC-1");
      const ids = async (q: Partial<EventQuery>) => (await s.events.list("default", { limit: 10, offset: 0, ...q })).items.map((e) => e.id);
      assert.deepEqual(await ids({}), ["evt_2", "evt_1"]);
      assert.deepEqual(await ids({ from: 3000 }), ["evt_2"]);
      assert.deepEqual(await ids({ to: 3000 }), ["evt_1"]);
      assert.deepEqual(await ids({ status: ["unhandled", "failed"] }), ["evt_1"]);
      assert.deepEqual(await ids({ status: [] }), []);
      assert.deepEqual(await ids({ severity: ["critical"] }), ["evt_2"]);
      assert.deepEqual(await ids({ assetId: "a1" }), ["evt_1"]);
      assert.deepEqual(await ids({ ownerUserId: "usr_1" }), ["evt_2"]);
      assert.deepEqual(await ids({ text: "XMRIG" }), ["evt_2"], "title, case-insensitive");
      assert.deepEqual(await ids({ text: "198.51.100" }), ["evt_1"], "an entity label (the attacker address)");
      assert.deepEqual(await ids({ text: "%" }), [], "LIKE wildcards are text");
      const p = await s.events.list("default", { limit: 1, offset: 1 });
      assert.deepEqual([p.total, p.items.map((e) => e.id)], [2, ["evt_1"]]);
      await s.events.update({ ...event(), status: "handled", handledHow: "blocked", handledAt: 3000 });
      assert.equal((await s.events.get("default", "evt_1"))?.handledHow, "blocked");
    });

    test("EVT-1 join lookup: open events holding a key since a time, newest first; upserts keep the latest sighting and malicious sticks; ACC-1", async () => {
      await s.events.insert(event());
      await s.events.insert(event({ id: "evt_2", lastSeen: 8000 }));
      await s.events.insert(event({ id: "evt_h", status: "handled" }));
      await s.events.insert(event({ id: "evt_x", accountId: "other" }));
      await s.events.upsertEntities("evt_1", "default", [entity("ip:198.51.100.7", { lastSeen: 2000 })], [{ from: "ip:198.51.100.7", to: "host:a1", relation: "attacked", alertId: "al_1", ts: 1000 }]);
      await s.events.upsertEntities("evt_1", "default", [entity("ip:198.51.100.7", { lastSeen: 1500, firstSeen: 500, malicious: true, label: "changed" })], [{ from: "ip:198.51.100.7", to: "host:a1", relation: "attacked", alertId: "al_1", ts: 1200 }]);
      await s.events.upsertEntities("evt_1", "default", [entity("ip:198.51.100.7", { malicious: false })], []);
      await s.events.upsertEntities("evt_2", "default", [entity("ip:198.51.100.7", { lastSeen: 8000 })], []);
      await s.events.upsertEntities("evt_h", "default", [entity("ip:198.51.100.7", { lastSeen: 9000 })], []);
      await s.events.upsertEntities("evt_x", "other", [entity("ip:198.51.100.7", { lastSeen: 9000 })], []);
      const [e] = await s.events.entities("evt_1");
      assert.deepEqual([e?.firstSeen, e?.lastSeen, e?.malicious, e?.label], [500, 2000, true, "198.51.100.7"]);
      assert.equal((await s.events.edges("evt_1")).length, 1, "edges are deduplicated");
      assert.deepEqual(await s.events.findOpenByEntities("default", ["ip:198.51.100.7", "ip:192.0.2.1"], 0), [
        { eventId: "evt_2", key: "ip:198.51.100.7", lastSeen: 8000 }, { eventId: "evt_1", key: "ip:198.51.100.7", lastSeen: 2000 },
      ], "EVT-8: a Handled event is no candidate");
      assert.deepEqual((await s.events.findOpenByEntities("default", ["ip:198.51.100.7"], 3000)).map((r) => r.eventId), ["evt_2"]);
      assert.deepEqual(await s.events.findOpenByEntities("default", [], 0), []);
      assert.deepEqual((await s.events.eventsWithEntity("default", "ip:198.51.100.7", 0, 10)).map((x) => x.id), ["evt_2", "evt_h", "evt_1"], "EVT-5 every event holding it, Handled too (newest first, then by id)");
      assert.deepEqual((await s.events.eventsWithEntity("other", "ip:198.51.100.7", 0, 10)).map((x) => x.id), ["evt_x"], "ACC-1");
      // a recurring alert keeps the event and its keys recent, at most once per step
      assert.equal(await s.events.touch("evt_1", ["ip:198.51.100.7"], 2030, 2030, 60), false, "not a step later");
      assert.equal(await s.events.touch("evt_1", ["ip:198.51.100.7"], 4000, 4001, 60), true);
      assert.deepEqual([(await s.events.get("default", "evt_1"))?.lastSeen, (await s.events.entities("evt_1"))[0]?.lastSeen], [4000, 4000]);
      await s.events.clearEntities("evt_1");
      assert.deepEqual([(await s.events.entities("evt_1")).length, (await s.events.edges("evt_1")).length], [0, 0]);
    });

    test("EVT-1 an alert belongs to one event; merging moves alerts, entities, edges and activity into the older", async () => {
      await s.events.insert(event());
      await s.events.insert(event({ id: "evt_2" }));
      await s.events.addAlert("evt_1", "al_1", 10);
      await s.events.addAlert("evt_1", "al_1", 11);
      await s.events.addAlert("evt_2", "al_1", 12);
      assert.deepEqual([await s.events.eventOfAlert("al_1"), await s.events.alertIds("evt_1")], ["evt_1", ["al_1"]], "idempotent, at most one event");
      await s.events.addAlert("evt_2", "al_2", 13);
      await s.events.upsertEntities("evt_1", "default", [entity("host:a1", { lastSeen: 2000 })], [{ from: "ip:1", to: "host:a1", relation: "attacked", alertId: "al_1", ts: 1 }]);
      await s.events.upsertEntities("evt_2", "default", [entity("host:a1", { lastSeen: 7000, malicious: true }), entity("file:a1:/x.php", { assetId: "a1" })], [
        { from: "ip:1", to: "host:a1", relation: "attacked", alertId: "al_1", ts: 1 }, { from: "host:a1", to: "file:a1:/x.php", relation: "wrote", alertId: "al_2", ts: 2 },
      ]);
      await s.events.addActivity({ id: "eva_1", eventId: "evt_2", accountId: "default", at: 5, actor: "system", action: "created", detail: "d", remark: "" });
      await s.events.merge("evt_2", "evt_1");
      assert.equal(await s.events.get("default", "evt_2"), null);
      assert.deepEqual(await s.events.alertIds("evt_1"), ["al_1", "al_2"]);
      assert.equal(await s.events.eventOfAlert("al_2"), "evt_1");
      assert.deepEqual((await s.events.entities("evt_1")).map((e) => [e.key, e.lastSeen, e.malicious]), [["file:a1:/x.php", 2000, false], ["host:a1", 7000, true]]);
      assert.equal((await s.events.edges("evt_1")).length, 2);
      assert.deepEqual([(await s.events.entities("evt_2")).length, (await s.events.edges("evt_2")).length], [0, 0]);
      assert.deepEqual((await s.events.activity("default", "evt_1")).map((a) => a.id), ["eva_1"]);
      assert.deepEqual(await s.events.activity("other", "evt_1"), [], "ACC-1");
      await s.events.removeAlert("evt_1", "al_2");
      assert.equal(await s.events.eventOfAlert("al_2"), null);
    });

    test("EVT-3 purging removes old events with everything they hold, and their alerts as old; newer alerts stay", async () => {
      const DAY = 86_400_000;
      await s.events.insert(event({ id: "evt_old", firstSeen: 1 * DAY, lastSeen: 2 * DAY }));
      await s.events.insert(event({ id: "evt_new", firstSeen: 1 * DAY, lastSeen: 300 * DAY }));
      await s.alerts.insert(alert({ id: "al_old", dedupKey: "k1", lastSeen: 2 * DAY }));
      await s.alerts.insert(alert({ id: "al_late", dedupKey: "k2", lastSeen: 250 * DAY }));
      await s.alerts.insert(alert({ id: "al_new", dedupKey: "k3", lastSeen: 300 * DAY }));
      await s.transitions.insert({ id: "atr_1", accountId: "default", alertId: "al_old", at: 1, from: "unhandled", to: "handled", actor: "u", how: "h", remark: "" });
      await s.events.addAlert("evt_old", "al_old", 1);
      await s.events.addAlert("evt_old", "al_late", 1);
      await s.events.addAlert("evt_new", "al_new", 1);
      await s.events.upsertEntities("evt_old", "default", [entity("host:a1")], [{ from: "ip:1", to: "host:a1", relation: "attacked", alertId: "al_old", ts: 1 }]);
      await s.events.addActivity({ id: "eva_1", eventId: "evt_old", accountId: "default", at: 5, actor: "system", action: "created", detail: "d", remark: "" });
      assert.equal(await s.events.purgeBefore(200 * DAY, 100), 1);
      assert.equal(await s.events.get("default", "evt_old"), null);
      assert.deepEqual([await s.events.alertIds("evt_old"), await s.events.entities("evt_old"), await s.events.edges("evt_old"), await s.events.activity("default", "evt_old")], [[], [], [], []]);
      assert.equal(await s.alerts.get("default", "al_old"), null, "its alert as old is gone");
      assert.deepEqual(await s.transitions.list("default", "al_old"), []);
      assert.equal((await s.alerts.get("default", "al_late"))?.id, "al_late", "an alert seen since stays");
      assert.equal(await s.events.eventOfAlert("al_late"), null);
      assert.equal((await s.events.get("default", "evt_new"))?.id, "evt_new");
      assert.equal(await s.events.purgeBefore(200 * DAY, 100), 0);
    });

    test("EVT-7 RSP-1 event tasks: listed per event oldest first, found by their agent action, finished; they follow a merge and go with a purge; ACC-1", async () => {
      const task = (id: string, over: Partial<EventTask> = {}) => ({
        id, resolutionId: "res_1", eventId: "evt_1", accountId: "default", targetAccountId: "default", assetId: "a1", entityKey: "ip:203.0.113.7", action: "block" as const,
        what: "block 203.0.113.7 on web-1 for 1d", actionId: `act_${id}`, policyId: "pol_1", validityMs: 86_400_000, status: "queued" as const, result: null, createdBy: "user:alice", createdAt: 10, finishedAt: null, ...over,
      });
      await s.events.insert(event({ id: "evt_1" }));
      await s.events.insert(event({ id: "evt_2" }));
      await s.eventTasks.insert(task("t2", { createdAt: 20 }));
      await s.eventTasks.insert(task("t1", { validityMs: null, policyId: null, action: "kill" }));
      await s.eventTasks.insert(task("t3", { eventId: "evt_2", resolutionId: "res_2", actionId: "act_t2", createdAt: 30 }));
      assert.deepEqual((await s.eventTasks.list("default", "evt_1")).map((t) => t.id), ["t1", "t2"]);
      assert.deepEqual(await s.eventTasks.list("other", "evt_1"), [], "ACC-1");
      assert.deepEqual((await s.eventTasks.byAction("act_t2")).map((t) => t.id), ["t2", "t3"], "one action can carry the tasks of two resolutions");
      const t1 = (await s.eventTasks.byAction("act_t1"))[0]!;
      assert.deepEqual(t1, task("t1", { validityMs: null, policyId: null, action: "kill" }));
      await s.eventTasks.update({ ...t1, status: "failed", result: "pid 1 refused", finishedAt: 50 });
      assert.deepEqual((await s.eventTasks.list("default", "evt_1"))[0], { ...t1, status: "failed", result: "pid 1 refused", finishedAt: 50 });
      await s.events.merge("evt_2", "evt_1");
      assert.deepEqual((await s.eventTasks.list("default", "evt_1")).map((t) => t.id), ["t1", "t2", "t3"]);
      await s.events.update({ ...(await s.events.get("default", "evt_1"))!, lastSeen: 1 });
      assert.equal(await s.events.purgeBefore(2, 10), 1);
      assert.deepEqual(await s.eventTasks.list("default", "evt_1"), []);
    });
    test("issue 10 coordination: a lease is one worker's until it expires; the epoch fences a worker that lost it", async () => {
      const a = await s.coordination.acquireLease("jobs", "w1", 1000, 10_000);
      assert.deepEqual(a, { name: "jobs", holder: "w1", epoch: 1, expiresAt: 11_000 });
      assert.equal(await s.coordination.acquireLease("jobs", "w2", 5000, 10_000), null, "held by w1 until 11000");
      assert.deepEqual(await s.coordination.acquireLease("jobs", "w1", 6000, 10_000), { name: "jobs", holder: "w1", epoch: 1, expiresAt: 16_000 }, "renewed, same epoch");
      assert.equal(await s.coordination.holdsLease("jobs", "w1", 1), true);
      const taken = await s.coordination.acquireLease("jobs", "w2", 16_000, 10_000);
      assert.deepEqual(taken, { name: "jobs", holder: "w2", epoch: 2, expiresAt: 26_000 }, "expired: taken over, next epoch");
      assert.equal(await s.coordination.holdsLease("jobs", "w1", 1), false, "w1 lost it");
      assert.equal(await s.transaction((tx) => tx.coordination.holdsLease("jobs", "w2", 2)), true, "checked inside a transaction");
      assert.equal(await s.coordination.releaseLease("jobs", "w1"), false, "not w1's to release");
      assert.equal(await s.coordination.releaseLease("jobs", "w2"), true);
      assert.deepEqual((await s.coordination.acquireLease("jobs", "w1", 17_000, 10_000))?.epoch, 3, "released: free at once");
      await s.coordination.acquireLease("bus.asset.0", "w1", 17_000, 10_000);
      await s.coordination.acquireLease("bus.asset.1", "w2", 17_000, 10_000);
      assert.deepEqual((await s.coordination.leases("bus.asset.")).map((l) => [l.name, l.holder]), [["bus.asset.0", "w1"], ["bus.asset.1", "w2"]]);
      assert.deepEqual(await s.coordination.leases("bus.asset.%"), [], "a prefix is literal text, not a LIKE pattern");
    });

    test("issue 10 coordination: two workers racing for a free lease — exactly one wins", async () => {
      const got = await Promise.all(["w1", "w2", "w3", "w4"].map((w) => s.coordination.acquireLease("part.7", w, 100, 1000)));
      assert.equal(got.filter((l) => l !== null).length, 1);
    });

    test("issue 10 coordination: a bus message is marked processed once; heartbeats list the live workers", async () => {
      assert.deepEqual([...(await s.coordination.markProcessed("account.3.logon", ["ag1:r1", "ag1:r2"], 10))].sort(), ["ag1:r1", "ag1:r2"]);
      assert.deepEqual([...(await s.transaction((tx) => tx.coordination.markProcessed("account.3.logon", ["ag1:r2", "ag1:r3"], 20)))], ["ag1:r3"], "a redelivered message is not new");
      assert.deepEqual([...(await s.coordination.markProcessed("account.4.logon", ["ag1:r2"], 20))], ["ag1:r2"], "marks are per consumer");
      await assert.rejects(s.transaction(async (tx) => {
        await tx.coordination.markProcessed("account.3.logon", ["ag1:r4"], 30);
        throw new Error("detection failed");
      }));
      assert.deepEqual([...(await s.coordination.markProcessed("account.3.logon", ["ag1:r4"], 30))], ["ag1:r4"], "a rolled-back mark is gone");
      assert.deepEqual([...(await s.coordination.processed("account.3.logon", 20))].sort(), ["ag1:r3", "ag1:r4"], "what the consumer committed since 20");
      assert.equal(await s.coordination.purgeProcessed(20), 2, "marks before 20 forgotten");
      assert.deepEqual([...(await s.coordination.markProcessed("account.3.logon", ["ag1:r1", "ag1:r3"], 40))], ["ag1:r1"]);
      await s.coordination.heartbeat({ id: "w1", startedAt: 10, seenAt: 100, info: { api: "http://127.0.0.1:1" } });
      await s.coordination.heartbeat({ id: "w2", startedAt: 20, seenAt: 50, info: {} });
      await s.coordination.heartbeat({ id: "w1", startedAt: 10, seenAt: 200, info: { api: "http://127.0.0.1:2" } });
      assert.deepEqual((await s.coordination.workers(0)).map((w) => [w.id, w.seenAt]), [["w1", 200], ["w2", 50]]);
      assert.deepEqual((await s.coordination.workers(60)).map((w) => w.id), ["w1"]);
      assert.deepEqual((await s.coordination.workers(0))[0]!.info, { api: "http://127.0.0.1:2" });
      await s.coordination.removeWorker("w1");
      assert.deepEqual((await s.coordination.workers(0)).map((w) => w.id), ["w2"]);
    });
  });
}
