import { test, describe, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock, type Alert, type Store } from "../core/index.ts";
import { SqliteStore } from "../store/sqlite/sqlite-store.ts";
import { loadCorrelationRules } from "../../content/correlation.ts";
import { loadAttack } from "../../content/attack.ts";
import { EventCorrelator, markEventFailed, markEventHandled, markEventHandling, purgeOldEvents, EVENT_RETENTION_MS } from "./events.ts";

const H = 3_600_000;
const rules = loadCorrelationRules();
const attack = loadAttack();

describe("security events (EVT-1, EVT-2, EVT-3, EVT-8)", () => {
  let store: SqliteStore;
  let clock: FakeClock;
  let correlator: EventCorrelator;
  let n = 0;
  beforeEach(() => {
    store = new SqliteStore({ path: ":memory:" });
    clock = new FakeClock("2026-03-01T10:00:00Z");
    correlator = new EventCorrelator({ rules, attack });
  });
  afterEach(() => store.close());

  /** An alert stored and correlated as ingest does, at the clock's time. */
  const raise = async (over: Partial<Alert>, s: Store = store, c: EventCorrelator = correlator): Promise<Alert> => {
    const now = clock.now();
    const a: Alert = {
      id: `al_${n++}`, accountId: "default", assetId: "web-1", type: "ssh_brute_force", ruleId: "r", name: "SSH brute force", severity: "high", status: "unhandled",
      dedupKey: `k${n}`, firstSeen: now, lastSeen: now, count: 1, sourceIp: null, userName: null, attack: [], evidence: {}, triage: "", response: null,
      handledHow: null, whitelistedBy: null, createdAt: now, updatedAt: now, ...over,
    };
    await s.transaction(async (tx) => {
      await tx.alerts.insert(a);
      await c.onAlert(tx, a, now);
    });
    return a;
  };
  const eventOf = async (a: Alert) => (await store.events.get("default", (await store.events.eventOfAlert(a.id))!))!;
  const brute = (asset: string, ip = "198.51.100.7") => raise({ assetId: asset, sourceIp: ip, attack: ["T1110.001"] });

  test("EVT-1 one public address attacking two assets is one targeted attack; its graph links both hosts", async () => {
    const a = await brute("web-1");
    clock.advance(2 * H);
    const b = await brute("db-1");
    const e = await eventOf(a);
    assert.equal((await eventOf(b)).id, e.id);
    assert.equal(e.title, "SSH brute force from 198.51.100.7 → 2 assets");
    assert.deepEqual(e.assetIds, ["web-1", "db-1"]);
    assert.deepEqual(e.joinedBy, ["attacker-ip"]);
    const edges = (await store.events.edges(e.id)).map((x) => `${x.from} ${x.relation} ${x.to}`).sort();
    assert.deepEqual(edges, ["ip:198.51.100.7 attacked host:db-1", "ip:198.51.100.7 attacked host:web-1"]);
    assert.equal((await store.events.entities(e.id)).find((x) => x.key === "ip:198.51.100.7")?.malicious, true);
    assert.deepEqual((await store.events.activity("default", e.id)).map((x) => x.action), ["created", "alert_joined"]);
  });

  test("EVT-1 a private address does not glue two assets; config externalNets declares a lab network public", async () => {
    const a = await brute("web-1", "10.77.5.2");
    const b = await brute("db-1", "10.77.5.2");
    assert.notEqual((await eventOf(a)).id, (await eventOf(b)).id);
    correlator = new EventCorrelator({ rules, attack, externalNets: ["10.77.5.0/24"] });
    const c = await brute("app-1", "10.77.5.2");
    assert.equal((await eventOf(c)).id, (await eventOf(b)).id, "the newest open event holding the address");
  });

  test("EVT-1 on one asset a shared file joins within the window, not after it", async () => {
    const a = await raise({ type: "suspicious_web_file", name: "Suspicious web file", severity: "medium", evidence: { "file.path": "/var/www/html/x.php" } });
    clock.advance(5 * H);
    const b = await raise({ type: "web_shell", name: "Web shell", severity: "critical", evidence: { "file.path": "/var/www/html/x.php" } });
    assert.equal((await eventOf(b)).id, (await eventOf(a)).id);
    clock.advance(6 * H + 1);
    const c = await raise({ type: "web_shell", name: "Web shell", evidence: { "file.path": "/var/www/html/x.php" } });
    assert.notEqual((await eventOf(c)).id, (await eventOf(a)).id, "over 6 h after the file was last seen in that event");
  });

  test("EVT-1 an alert linking two open events merges the younger into the older", async () => {
    const a = await brute("web-1", "10.0.0.66");
    const older = await eventOf(a);
    clock.advance(10 * 60_000);
    const b = await raise({ type: "mining_program", name: "Mining program", evidence: { "process.executable": "/var/tmp/.k/kswapd0" } });
    const younger = await eventOf(b);
    await store.transaction((tx) => markEventHandling(tx, younger, "kill queued", "user:alice", "on it", clock.now()));
    assert.notEqual(older.id, younger.id);
    clock.advance(60_000);
    const c = await raise({ type: "suspicious_ssh_session", name: "Suspicious SSH session", evidence: { session: { sshdPid: 9, user: "root", sourceIp: "10.0.0.66" }, "process.executable": "/var/tmp/.k/kswapd0" } });
    const e = await eventOf(c);
    assert.equal(e.id, older.id, "into the older");
    assert.equal(await store.events.get("default", younger.id), null, "the younger is gone");
    assert.deepEqual((await store.events.alertIds(e.id)).sort(), [a.id, b.id, c.id].sort());
    assert.equal(e.alertCount, 3);
    assert.equal(e.status, "handling", "work in progress is not hidden by the merge");
    assert.ok((await store.events.entities(e.id)).some((x) => x.key === "process:web-1:/var/tmp/.k/kswapd0"));
    const acts = (await store.events.activity("default", e.id)).map((x) => x.action);
    assert.deepEqual(acts.filter((x) => x === "created").length, 2, "both events' history is kept");
    assert.ok(acts.includes("merged") && acts.includes("status") && acts.at(-1) === "alert_joined");
  });

  test("EVT-2 the overview: severity max, counts, assets, first/last occurrence, techniques, tactics in kill-chain order, furthest stage", async () => {
    const t0 = clock.now();
    const a = await raise({ sourceIp: "198.51.100.7", severity: "high", attack: ["T1110.001"], firstSeen: t0 - H });
    let e = await eventOf(a);
    assert.deepEqual([e.stage, e.tactics, e.severity, e.alertCount], ["TA0006", ["TA0006"], "high", 1]);
    clock.advance(10 * 60_000);
    await raise({ type: "logon_after_brute_force", name: "Logon after brute force", severity: "critical", sourceIp: "198.51.100.7", userName: "root", attack: ["T1110.001", "T1078"] });
    clock.advance(10 * 60_000);
    await raise({ type: "mining_program", name: "Mining program", severity: "high", attack: ["T1496"], evidence: { "process.executable": "/tmp/.x/xmrig", session: { sshdPid: 9, user: "root", sourceIp: "198.51.100.7" } } });
    e = await eventOf(a);
    assert.equal(e.severity, "critical");
    assert.equal(e.alertCount, 3);
    assert.deepEqual(e.assetIds, ["web-1"]);
    assert.deepEqual(e.alertTypes, ["ssh_brute_force", "logon_after_brute_force", "mining_program"]);
    assert.deepEqual(e.techniques, ["T1078", "T1110.001", "T1496"]);
    assert.deepEqual(e.tactics, ["TA0006", "TA0001", "TA0040"]);
    assert.equal(e.stage, "TA0040", "impact: the miner runs");
    assert.deepEqual([e.firstSeen, e.lastSeen], [t0 - H, clock.now()]);
    assert.equal(e.title, "SSH brute force from 198.51.100.7");
    // an operator's severity stays (EVT-12) when alerts join
    await store.events.update({ ...e, severityOverride: "low", severity: "low" });
    clock.advance(60_000);
    const d = await raise({ severity: "critical", sourceIp: "198.51.100.7", assetId: "db-1" });
    e = await eventOf(d);
    assert.deepEqual([e.severity, e.severityOverride, e.alertCount, e.title], ["low", "low", 4, "SSH brute force from 198.51.100.7 → 2 assets"]);
    // cleared, it is recomputed from the alerts
    e = await store.transaction((tx) => correlator.recomputeEvent(tx, { ...e, severityOverride: null }, clock.now()));
    assert.deepEqual([e.severity, e.alertCount, e.stage], ["critical", 4, "TA0040"]);
  });

  test("EVT-8 Handled turns the event's Unhandled alerts Handled with its handling info; Blocked and whitelisted alerts never change; a later alert opens a new event", async () => {
    const a = await brute("web-1");
    const blocked = await raise({ type: "malicious_process", name: "Malicious process", status: "blocked", handledHow: "killed by proactive defence", evidence: { "process.executable": "/tmp/x", session: { sshdPid: 1, sourceIp: "198.51.100.7" } } });
    const b = await brute("db-1");
    const wl = await raise({ sourceIp: "198.51.100.7", assetId: "app-1" });
    await store.alerts.update({ ...wl, status: "whitelisted_manual", whitelistedBy: "entry:x" });
    const e = await eventOf(a);
    assert.equal((await eventOf(blocked)).id, e.id, "a Blocked (precision-defence) alert is part of the event");
    assert.equal(e.alertCount, 4);
    clock.advance(H);
    const handled = await store.transaction((tx) => markEventHandled(tx, e, "blocked 198.51.100.7 on all assets", "user:alice", "done", clock.now()));
    assert.deepEqual([handled.status, handled.handledHow, handled.handledAt], ["handled", "blocked 198.51.100.7 on all assets", clock.now()]);
    for (const x of [a, b]) {
      const got = (await store.alerts.get("default", x.id))!;
      assert.equal(got.status, "handled");
      assert.match(String(got.handledHow), /blocked 198\.51\.100\.7 on all assets \(security event evt_/);
      const [t] = await store.transitions.list("default", x.id);
      assert.deepEqual([t?.actor, t?.remark], ["user:alice", "done"]);
    }
    assert.deepEqual([(await store.alerts.get("default", blocked.id))?.status, (await store.alerts.get("default", blocked.id))?.handledHow], ["blocked", "killed by proactive defence"]);
    assert.equal((await store.alerts.get("default", wl.id))?.status, "whitelisted_manual");
    assert.deepEqual(await store.transitions.list("default", blocked.id), []);
    const act = (await store.events.activity("default", e.id)).at(-1)!;
    assert.deepEqual([act.action, act.actor, act.remark], ["status", "user:alice", "done"]);
    assert.match(act.detail, /unhandled → handled: .*; 2 alerts handled/);
    // later alerts open a new event; the handled one keeps its alerts
    clock.advance(H);
    const later = await brute("web-1");
    const e2 = await eventOf(later);
    assert.notEqual(e2.id, e.id);
    assert.equal((await store.events.get("default", e.id))?.alertCount, 4);
  });

  test("EVT-8 Handling changes no alert and lets new alerts join; Failed stays open too", async () => {
    const a = await brute("web-1");
    let e = await eventOf(a);
    e = await store.transaction((tx) => markEventHandling(tx, e, "block_ip tasks queued", "user:bob", "", clock.now()));
    assert.equal((await store.alerts.get("default", a.id))?.status, "unhandled");
    clock.advance(H);
    const b = await brute("db-1");
    assert.equal((await eventOf(b)).id, e.id);
    e = await eventOf(b);
    e = await store.transaction((tx) => markEventFailed(tx, e, "block_ip on db-1 failed", "system", "", clock.now()));
    assert.equal(e.status, "failed");
    const c = await brute("app-1");
    assert.equal((await eventOf(c)).id, e.id);
    assert.equal((await store.alerts.get("default", b.id))?.status, "unhandled");
  });

  test("EVT-1 an alert firing again stays in its event and keeps it recent; a whitelisted alert joins nothing", async () => {
    const a = await brute("web-1");
    const e = await eventOf(a);
    clock.advance(20 * H);
    const again = { ...a, lastSeen: clock.now(), count: 9 };
    await store.transaction(async (tx) => {
      await tx.alerts.update(again);
      await correlator.onRecurrence(tx, again, clock.now());
    });
    assert.equal((await store.events.get("default", e.id))?.lastSeen, clock.now());
    clock.advance(20 * H);
    // 40 h after the first alert, 20 h after the address was last seen: still the same attack
    const b = await brute("db-1");
    assert.equal((await eventOf(b)).id, e.id);
    const w = await store.transaction(async (tx) => correlator.onAlert(tx, { ...b, id: "al_w", status: "whitelisted_auto" }, clock.now()));
    assert.equal(w, null);
    assert.equal(await store.events.eventOfAlert("al_w"), null);
  });

  test("EVT-9 an alert leaving its event takes its entities with it: they join nothing any more", async () => {
    const a = await raise({ type: "web_shell", name: "Web shell", evidence: { "file.path": "/var/www/html/x.php" } });
    const b = await raise({ type: "web_shell", name: "Web shell", evidence: { "file.path": "/var/www/html/x.php", "process.executable": "/opt/app/bin/worker" } });
    let e = await eventOf(a);
    assert.equal((await eventOf(b)).id, e.id);
    e = await store.transaction((tx) => correlator.detachAlert(tx, e, b.id, "user:alice", "", "whitelisted", clock.now()));
    assert.equal(e.alertCount, 1);
    assert.ok(!(await store.events.entities(e.id)).some((x) => x.key.startsWith("process:")));
    const c = await raise({ type: "malicious_process", name: "Malicious process", evidence: { "process.executable": "/opt/app/bin/worker" } });
    assert.notEqual((await eventOf(c)).id, e.id);
    assert.equal((await store.events.activity("default", e.id)).at(-1)?.action, "alert_left");
  });

  test("EVT-3 events and their alerts older than 180 days are purged; newer ones stay", async () => {
    const old = await brute("web-1");
    clock.advance(30 * 86_400_000);
    const recent = await raise({ type: "web_shell", name: "Web shell", evidence: { "file.path": "/x.php" } });
    clock.advance(EVENT_RETENTION_MS - 29 * 86_400_000);
    assert.equal(await purgeOldEvents(store, clock.now()), 1);
    assert.equal(await store.events.eventOfAlert(old.id), null);
    assert.equal(await store.alerts.get("default", old.id), null);
    assert.equal((await eventOf(recent)).alertCount, 1);
    assert.equal((await store.events.list("default", { limit: 10, offset: 0 })).total, 1);
    clock.advance(30 * 86_400_000);
    assert.equal(await purgeOldEvents(store, clock.now()), 1);
    assert.equal(await store.alerts.get("default", recent.id), null);
  });

  test("EVT-1 correlation state lives in the store: two server workers on one database continue each other's events", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hw-evt-"));
    const w1 = new SqliteStore({ path: join(dir, "db") });
    const w2 = new SqliteStore({ path: join(dir, "db") });
    try {
      const a = await raise({ assetId: "web-1", sourceIp: "198.51.100.7" }, w1, new EventCorrelator({ rules, attack }));
      clock.advance(H);
      const b = await raise({ assetId: "db-1", sourceIp: "198.51.100.7" }, w2, new EventCorrelator({ rules, attack }));
      assert.equal(await w2.events.eventOfAlert(b.id), await w1.events.eventOfAlert(a.id));
    } finally {
      await w1.close();
      await w2.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
