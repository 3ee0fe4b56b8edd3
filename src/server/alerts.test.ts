import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { FakeClock } from "../core/index.ts";
import { tempDir, startServer, enrolToken } from "../../test/helpers.ts";
import { loadRules } from "../../content/rules.ts";
import type { Rule } from "../detection/index.ts";

const tmp = tempDir();
after(() => tmp.cleanup());
let n = 0;

type Asset = { agentId: string; secret: string };

/** A server with a fake clock and two enrolled assets; sshd failures go in through the agent channel. */
async function setup(opts: { defence?: boolean; rules?: Rule[] } = {}) {
  const clock = new FakeClock("2026-06-01T08:00:00Z");
  const { server, adminToken } = await startServer({ dataDir: join(tmp.dir, `s${n++}`), clock, listen: false, rules: opts.rules });
  if (opts.defence === false) await server.store.accountSettings.set("default", "defence.enabled", false);
  const enrol = async (hostname: string): Promise<Asset> => {
    const en = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/enrol", payload: { token: await enrolToken(server), hostname, version: "1", os: "linux" } });
    return en.json();
  };
  const web = await enrol("web-1"), db = await enrol("db-1");
  let seq = 0;
  const attack = async (asset: Asset, ip: string, times = 5, user = "root") => {
    const records = Array.from({ length: times }, () => ({ id: `rec-${String(seq++).padStart(8, "0")}`, kind: "logon", ts: clock.now(), service: "ssh", event: { outcome: "failure", reason: "password" }, source: { ip }, user: { name: user } }));
    const r = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: { authorization: `Bearer ${asset.agentId}.${asset.secret}` }, payload: { records } });
    assert.equal(r.statusCode, 200, r.body);
  };
  const api = async (url: string, method = "GET", payload?: object) => {
    const r = await server.api.inject({ method: method as "GET", url, payload, headers: { authorization: `Bearer ${adminToken}` } });
    return { status: r.statusCode, body: r.json() };
  };
  const alertOf = async (ip: string, asset: Asset = web) => (await api(`/api/v1/alerts?sourceIp=${ip}&assetId=${asset.agentId}`)).body.items[0];
  const policiesFor = async (ip: string) => (await api(`/api/v1/ip-policies?ip=${ip}`)).body.total as number;
  const history = async (id: string) => (await api(`/api/v1/alerts/${id}/history`)).body.items as { from: string; to: string; actor: string; how: string; remark: string; at: string }[];
  return { server, clock, web, db, attack, api, alertOf, policiesFor, history };
}

describe("alert lifecycle (ALR)", () => {
  test("ALR-1 ALR-8 every status change is recorded (who, when, how, remark); block for 6 h, 12 h, 1 d, 7 d or permanently", async () => {
    const { server, clock, web, attack, api, alertOf, history } = await setup({ defence: false });
    try {
      const durations: [string, number | null][] = [["6h", 6 * 3_600_000], ["12h", 12 * 3_600_000], ["1d", 86_400_000], ["7d", 7 * 86_400_000], ["permanent", null]];
      for (const [k, [d, ms]] of durations.entries()) {
        const ip = `203.0.113.${20 + k}`;
        await attack(web, ip);
        const a = await alertOf(ip);
        const r = await api(`/api/v1/alerts/${a.id}/handle`, "POST", { action: "block", duration: d, remark: `case ${k}` });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.status, "handled");
        assert.match(r.body.handledHow, new RegExp(`^blocked ${ip.replaceAll(".", "\\.")} for ${d === "permanent" ? "good" : d} by pol_`));
        const pol = (await api(`/api/v1/ip-policies?ip=${ip}`)).body.items[0];
        assert.equal(pol.expiresAt, ms === null ? null : new Date(clock.now() + ms).toISOString(), d);
        const [h, ...rest] = await history(a.id);
        assert.equal(rest.length, 0);
        assert.deepEqual([h!.from, h!.to, h!.remark, h!.at], ["unhandled", "handled", `case ${k}`, new Date(clock.now()).toISOString()]);
        assert.match(h!.actor, /^token:tok_test_\w+ \(admin\)$/);
      }
      await attack(web, "203.0.113.30");
      const ig = await alertOf("203.0.113.30");
      assert.equal((await api(`/api/v1/alerts/${ig.id}/handle`, "POST", { action: "ignore" })).body.handledHow, "ignored");
      await attack(web, "203.0.113.31");
      const mh = await alertOf("203.0.113.31");
      assert.equal((await api(`/api/v1/alerts/${mh.id}/handle`, "POST", { action: "mark_handled", remark: "our pentest" })).body.handledHow, "marked handled");
      assert.equal((await history(mh.id))[0]!.remark, "our pentest");
    } finally {
      await server.close();
    }
  });

  test("ALR-2 a recurrence of a whitelisted alert updates only its time, not its count", async () => {
    const { server, clock, web, attack, api, alertOf } = await setup({ defence: false });
    try {
      await attack(web, "203.0.113.40");
      const a = await alertOf("203.0.113.40");
      await api(`/api/v1/alerts/${a.id}/handle`, "POST", { action: "whitelist" });
      clock.advance(3_600_000);
      await attack(web, "203.0.113.40", 7);
      const b = await alertOf("203.0.113.40");
      assert.equal(b.id, a.id);
      assert.equal(b.count, 5);
      assert.equal(b.lastSeen, new Date(clock.now()).toISOString());
      assert.equal(b.status, "whitelisted_manual");
    } finally {
      await server.close();
    }
  });

  test("ALR-3 expiry is recorded as a transition by the system", async () => {
    const { server, clock, web, attack, alertOf, history } = await setup({ defence: false });
    try {
      await attack(web, "203.0.113.41");
      const a = await alertOf("203.0.113.41");
      clock.advance(30 * 86_400_000 + 1);
      await server.runJobs();
      const h = await history(a.id);
      assert.deepEqual(h.map((x) => [x.from, x.to, x.actor, x.how]), [["unhandled", "expired", "system", "no occurrence for 30 days"]]);
    } finally {
      await server.close();
    }
  });

  test("ALR-4 whitelisting stores exactly the type's whitelist fields; scope one asset or all; later alerts are whitelisted automatically and never blocked", async () => {
    const { server, clock, web, db, attack, api, alertOf, policiesFor } = await setup();
    try {
      await attack(web, "203.0.113.50");
      const a = await alertOf("203.0.113.50");
      const w = await api(`/api/v1/alerts/${a.id}/handle`, "POST", { action: "whitelist", scope: "asset", remark: "our scanner" });
      assert.equal(w.body.status, "whitelisted_manual");
      const entries = (await api("/api/v1/whitelist-entries")).body.items;
      assert.equal(entries.length, 1);
      assert.deepEqual(entries[0].fields, { "source.ip": "203.0.113.50" }, "only the source address: the ssh_brute_force whitelist field");
      assert.equal(entries[0].assetId, web.agentId);
      assert.equal(entries[0].alertType, "ssh_brute_force");
      // the same source on the same asset later: whitelisted automatically (a fresh alert after expiry)
      clock.advance(31 * 86_400_000);
      await server.runJobs();
      await attack(web, "203.0.113.50");
      const again = await alertOf("203.0.113.50");
      assert.notEqual(again.id, a.id);
      assert.equal(again.status, "whitelisted_auto");
      assert.match(again.whitelistedBy, /^entry:wle_/);
      // on another asset the asset-scoped entry does not apply: alerted and blocked
      await attack(db, "203.0.113.50");
      assert.equal((await alertOf("203.0.113.50", db)).status, "unhandled");
      assert.equal(await policiesFor("203.0.113.50"), 1 + 1, "the first attack on web-1 was blocked before the whitelisting, and db-1's now");
      // scope all: any asset, present and future
      await attack(db, "203.0.113.51");
      const b = await alertOf("203.0.113.51", db);
      await api(`/api/v1/alerts/${b.id}/handle`, "POST", { action: "whitelist", scope: "all" });
      const blocksBefore = await policiesFor("203.0.113.51");
      await attack(web, "203.0.113.51");
      assert.equal((await alertOf("203.0.113.51", web)).status, "whitelisted_auto");
      assert.equal(await policiesFor("203.0.113.51"), blocksBefore, "no new block for a whitelisted source");
    } finally {
      await server.close();
    }
  });

  test("ALR-5 removing from the whitelist, one or many at once, returns alerts to Unhandled and drops their entries", async () => {
    const { server, web, attack, api, alertOf, history } = await setup({ defence: false });
    try {
      const ids: string[] = [];
      for (const ip of ["203.0.113.60", "203.0.113.61", "203.0.113.62"]) {
        await attack(web, ip);
        const a = await alertOf(ip);
        await api(`/api/v1/alerts/${a.id}/handle`, "POST", { action: "whitelist" });
        ids.push(a.id);
      }
      const one = await api("/api/v1/alerts/unwhitelist", "POST", { ids: [ids[0]], remark: "was not ours" });
      assert.deepEqual(one.body.results.map((r: { ok: boolean; status: string }) => [r.ok, r.status]), [[true, "unhandled"]]);
      const many = await api("/api/v1/alerts/unwhitelist", "POST", { ids: [ids[1], ids[2], "al_nope"] });
      assert.deepEqual(many.body.results.map((r: { ok: boolean }) => r.ok), [true, true, false]);
      assert.equal((await api("/api/v1/whitelist-entries")).body.items.length, 0);
      const h = await history(ids[0]!);
      assert.deepEqual(h.map((x) => x.to), ["whitelisted_manual", "unhandled"]);
      assert.equal(h[1]!.remark, "was not ours");
      // a fresh decision: the next attack from that source is an ordinary alert again
      await attack(web, "203.0.113.60", 5);
      assert.equal((await alertOf("203.0.113.60")).status, "unhandled");
      const notWl = await api("/api/v1/alerts/unwhitelist", "POST", { ids: [ids[0]] });
      assert.match(notWl.body.results[0].error, /is not whitelisted/);
    } finally {
      await server.close();
    }
  });

  test("ALR-6 custom rules: regex, contains, equals, greater, less; one asset or all; OR-ed; matches are whitelisted automatically and never blocked", async () => {
    const { server, web, db, attack, api, alertOf, policiesFor } = await setup();
    try {
      const add = async (r: object) => {
        const res = await api("/api/v1/whitelist-rules", "POST", r);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return res.body.id as string;
      };
      await add({ alertType: "ssh_brute_force", field: "source.ip", operator: "regex", value: "^198\\.51\\.100\\.\\d+$" });
      await add({ alertType: "ssh_brute_force", field: "user.names", operator: "contains", value: "nagios" });
      await add({ alertType: "ssh_brute_force", field: "source.ip", operator: "equals", value: "192.0.2.200", assetId: db.agentId });
      await add({ alertType: "*", field: "count", operator: "less", value: "3" });
      await add({ alertType: "ssh_brute_force", field: "count", operator: "greater", value: "1000" });
      const cases: [string, string, typeof web, boolean][] = [
        ["198.51.100.7", "root", web, true], // regex
        ["203.0.113.70", "nagios-check", web, true], // contains, on an evidence list
        ["192.0.2.200", "root", db, true], // equals, scoped to db-1
        ["192.0.2.200", "root", web, false], // … not on web-1
        ["203.0.113.71", "root", web, false], // nothing matches
      ];
      for (const [ip, user, asset, wl] of cases) {
        await attack(asset, ip, 5, user);
        const a = await alertOf(ip, asset);
        assert.equal(a.status, wl ? "whitelisted_auto" : "unhandled", `${ip} ${user}`);
        if (wl) assert.match(a.whitelistedBy, /^rule:wlr_/);
      }
      assert.equal(await policiesFor("198.51.100.7"), 0);
      assert.equal(await policiesFor("203.0.113.70"), 0);
      assert.equal(await policiesFor("203.0.113.71"), 1, "the control source is blocked");
      const bad = await api("/api/v1/whitelist-rules", "POST", { alertType: "ssh_brute_force", field: "source.ip", operator: "regex", value: "(?<=x)y" });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /not a valid RE2 regular expression/);
      assert.equal((await api("/api/v1/whitelist-rules", "POST", { alertType: "ssh_brute_force", field: "count", operator: "greater", value: "many" })).status, 400);
      assert.equal((await api("/api/v1/whitelist-rules", "POST", { alertType: "no_such_type", field: "x", operator: "equals", value: "y" })).status, 400);
    } finally {
      await server.close();
    }
  });

  test("ALR-6 a regex like (a+)+$ against a long input returns at once (RE2, linear time)", async () => {
    const { server, web, attack, api, alertOf } = await setup({ defence: false });
    try {
      await api("/api/v1/whitelist-rules", "POST", { alertType: "ssh_brute_force", field: "user.names", operator: "regex", value: "(a+)+$" });
      const evil = "a".repeat(200) + "!"; // user names are bounded at 256 by the protocol; the matcher is tested longer below
      const t0 = performance.now();
      await attack(web, "203.0.113.80", 5, evil);
      assert.equal((await alertOf("203.0.113.80")).status, "unhandled");
      const { ruleMatches } = await import("../alerting/index.ts");
      const long = "a".repeat(100_000) + "!";
      const rule = { id: "r", accountId: "default", alertType: "*", field: "f", operator: "regex" as const, value: "(a+)+$", assetId: null, note: "", createdBy: "x", createdAt: 0, deletedAt: null };
      assert.equal(ruleMatches(rule, { type: "t", assetId: "a", evidence: {} } as never, { f: long }), false);
      // a backtracking engine needs ~2^100000 steps here; RE2 needs milliseconds
      assert.ok(performance.now() - t0 < 5000, `took ${performance.now() - t0} ms`);
    } finally {
      await server.close();
    }
  });

  test("ALR-7 deleting a rule touches future alerts only", async () => {
    const { server, web, attack, api, alertOf } = await setup({ defence: false });
    try {
      const id = (await api("/api/v1/whitelist-rules", "POST", { alertType: "ssh_brute_force", field: "source.ip", operator: "contains", value: "203.0.113.9" })).body.id;
      await attack(web, "203.0.113.90");
      assert.equal((await alertOf("203.0.113.90")).status, "whitelisted_auto");
      assert.equal((await api(`/api/v1/whitelist-rules/${id}`, "DELETE")).status, 200);
      assert.equal((await alertOf("203.0.113.90")).status, "whitelisted_auto", "already whitelisted alerts stay so");
      await attack(web, "203.0.113.91");
      assert.equal((await alertOf("203.0.113.91")).status, "unhandled", "new alerts are no longer whitelisted");
      assert.equal((await api("/api/v1/whitelist-rules")).body.items.length, 0);
    } finally {
      await server.close();
    }
  });

  test("ALR-6 the rule preview tells how many and which alerts of the last 30 days a rule would have whitelisted, and warns when it is too broad", async () => {
    const { server, clock, web, db, attack, api } = await setup({ defence: false });
    try {
      for (let i = 1; i <= 12; i++) await attack(i % 2 ? web : db, `203.0.113.${100 + i}`);
      clock.advance(86_400_000);
      const broad = (await api("/api/v1/whitelist-rules/preview", "POST", { alertType: "*", field: "source.ip", operator: "regex", value: ".*" })).body;
      assert.equal(broad.matched, 12);
      assert.deepEqual(broad.assets, { [web.agentId]: 6, [db.agentId]: 6 });
      assert.ok(broad.warnings.some((w: string) => /matches an empty string/.test(w)));
      assert.ok(broad.warnings.some((w: string) => /would have whitelisted 100 %/.test(w)));
      clock.advance(40 * 86_400_000); // the first batch falls outside the last 30 days
      for (let i = 1; i <= 3; i++) await attack(web, `198.51.100.${i}`);
      await attack(web, "203.0.113.200");
      const narrow = (await api("/api/v1/whitelist-rules/preview", "POST", { alertType: "ssh_brute_force", field: "source.ip", operator: "regex", value: "^198\\.51\\.100\\." })).body;
      assert.equal(narrow.matched, 3);
      assert.equal(narrow.scanned, 4);
      assert.deepEqual(narrow.sample.map((x: { value: string }) => x.value).sort(), ["198.51.100.1", "198.51.100.2", "198.51.100.3"]);
      assert.deepEqual(narrow.warnings, [], "a narrow rule on a handful of alerts raises no warning");
      assert.equal((await api("/api/v1/whitelist-rules")).body.items.length, 0, "a preview saves nothing");
    } finally {
      await server.close();
    }
  });

  test("ALR-10 lists filter by type, severity, status, asset, time and text; cursor paging is stable while alerts arrive; counts per status and severity", async () => {
    const { server, clock, web, db, attack, api } = await setup({ defence: false });
    try {
      for (let i = 0; i < 25; i++) {
        // 4 minutes apart: web never sees 20 sources within an hour (that would be a distributed campaign, BF-1)
        clock.advance(240_000);
        await attack(i % 5 === 0 ? db : web, `203.0.113.${i + 1}`, 5, i === 7 ? "svc-backup" : "root");
      }
      const all = (await api("/api/v1/alerts?limit=100")).body;
      assert.equal(all.total, 25);
      assert.equal((await api(`/api/v1/alerts?assetId=${db.agentId}`)).body.total, 5);
      assert.equal((await api("/api/v1/alerts?type=ssh_brute_force&severity=high")).body.total, 25);
      assert.equal((await api("/api/v1/alerts?severity=critical")).body.total, 0);
      assert.equal((await api("/api/v1/alerts?q=svc-backup")).body.total, 1);
      const short = await api("/api/v1/alerts?q=sv");
      assert.equal(short.status, 400, "1–2 characters cannot use the text index: refused, not scanned");
      assert.match(short.body.error.message, /at least 3 characters/);
      assert.equal((await api(`/api/v1/alerts?from=${new Date(Date.parse("2026-06-01T08:20:00Z")).toISOString()}`)).body.total, 21);
      const first = all.items[0];
      await api(`/api/v1/alerts/${first.id}/handle`, "POST", { action: "mark_handled" });
      assert.equal((await api("/api/v1/alerts?status=handled")).body.total, 1);
      const counts = (await api("/api/v1/alerts/counts")).body;
      assert.deepEqual(counts, { total: 25, byStatus: { handled: 1, unhandled: 24 }, bySeverity: { high: 25 } });
      assert.deepEqual((await api("/api/v1/alerts/counts?status=handled")).body.bySeverity, { high: 1 });
      // page through with a cursor while new alerts keep arriving: no duplicates, no gaps
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: { id: string }[]; nextCursor: string | null } = (await api(`/api/v1/alerts?limit=7${cursor ? `&cursor=${cursor}` : ""}`)).body;
        seen.push(...page.items.map((a: { id: string }) => a.id));
        cursor = page.nextCursor;
        clock.advance(60_000);
        await attack(web, `198.51.100.${seen.length}`); // a newer alert lands on top meanwhile
      } while (cursor);
      assert.equal(new Set(seen).size, seen.length, "no alert twice");
      assert.deepEqual(seen, all.items.map((a: { id: string }) => a.id), "every alert of the first view, in order");
      assert.equal((await api("/api/v1/alerts?cursor=garbage")).status, 400);
    } finally {
      await server.close();
    }
  });

  test("ALR-9 ALR-6 a new alert is queued for the channels that want it; whitelisted alerts notify no one; a burst notifies once", async () => {
    const { server, clock, web, attack, api } = await setup({ defence: false });
    try {
      const ch = (name: string, minSeverity: string, types: string[]) => ({ id: `ch_${name}`, accountId: "default", name, kind: "webhook" as const, config: { url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef0123" }, minSeverity: minSeverity as "high", types, enabled: true, createdAt: 0, updatedAt: 0 });
      await server.store.notifications.insertChannel(ch("all-high", "high", []));
      await server.store.notifications.insertChannel(ch("critical-only", "critical", []));
      await server.store.notifications.insertChannel(ch("other-type", "low", ["web_shell"]));
      await api("/api/v1/whitelist-rules", "POST", { alertType: "ssh_brute_force", field: "source.ip", operator: "equals", value: "198.51.100.99" });
      await attack(web, "203.0.113.150", 12); // one burst: one notification, not twelve
      await attack(web, "198.51.100.99", 8); // whitelisted: none
      const outbox = async () => (await server.store.notifications.listOutbox("default", { limit: 100, offset: 0 })).items;
      let items = await outbox();
      assert.deepEqual(items.map((i) => i.channelId), ["ch_all-high"]);
      assert.equal(items[0]!.payload.reason, "opened");
      // the same source fires again after a quiet window: "every" notifies again
      clock.advance(11 * 60_000);
      await attack(web, "203.0.113.150", 5);
      items = await outbox();
      assert.equal(items.length, 2);
      assert.equal(items[0]!.payload.reason, "recurred");
    } finally {
      await server.close();
    }
  });

  test("ALR-9 a rule that notifies only the first time (as LOG-3 will) notifies once per dedup key, even after expiry", async () => {
    const rules = loadRules().map((r) => (r.type === "ssh_brute_force" ? { ...r, notify: "first" as const } : r));
    const { server, clock, web, attack } = await setup({ defence: false, rules });
    try {
      await server.store.notifications.insertChannel({ id: "ch_1", accountId: "default", name: "hook", kind: "webhook", config: { url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef0123" }, minSeverity: "low", types: [], enabled: true, createdAt: 0, updatedAt: 0 });
      await attack(web, "203.0.113.160");
      clock.advance(11 * 60_000);
      await attack(web, "203.0.113.160"); // fires again: console yes, notification no
      clock.advance(31 * 86_400_000);
      await server.runJobs(); // expired
      await attack(web, "203.0.113.160"); // a fresh alert for the same key: still not the first time
      await attack(web, "203.0.113.161"); // another source: its first time
      const items = (await server.store.notifications.listOutbox("default", { limit: 100, offset: 0 })).items;
      assert.deepEqual(items.map((i) => (i.payload.alert as { source: { ip: string } }).source.ip).sort(), ["203.0.113.160", "203.0.113.161"]);
    } finally {
      await server.close();
    }
  });
});
