import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { FakeClock } from "../core/index.ts";
import { StaticGeo, DbIpGeo, IpReputation, parseIpList } from "../intel/index.ts";
import { tempDir, startServer, enrolToken } from "../../test/helpers.ts";

const tmp = tempDir();
after(() => tmp.cleanup());
let n = 0;

const H = 3_600_000;
// Real public addresses (no traffic is sent): the test places them on the map itself so
// the expectations do not depend on the database's edition.
const GEO = new StaticGeo([
  { cidr: "81.2.69.0/24", country: "GB", region: "England", city: "London" },
  { cidr: "81.2.70.0/24", country: "GB", region: "England", city: "London" },
  { cidr: "8.8.8.0/24", country: "US", region: "California", city: "Mountain View" },
  { cidr: "1.1.1.0/24", country: "AU", region: "New South Wales", city: "Sydney" },
  { cidr: "5.9.0.0/16", country: "DE", region: "Saxony", city: "Falkenstein" },
]);

type Asset = { agentId: string; secret: string };

async function setup(opts: { defence?: boolean; reputation?: IpReputation } = {}) {
  const clock = new FakeClock("2026-06-01T08:00:00Z"); // a Monday
  const { server, adminToken } = await startServer({ dataDir: join(tmp.dir, `s${n++}`), clock, listen: false, geo: GEO, reputation: opts.reputation ?? new IpReputation([]) });
  if (opts.defence === false) await server.store.accountSettings.set("default", "defence.enabled", false);
  const enrol = async (hostname: string): Promise<Asset> => {
    const en = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/enrol", payload: { token: await enrolToken(server), hostname, version: "1", os: "linux" } });
    return en.json();
  };
  const web = await enrol("web-1");
  const db = await enrol("db-1");
  let seq = 0;
  const send = async (asset: Asset, records: object[]) => {
    const r = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: { authorization: `Bearer ${asset.agentId}.${asset.secret}` }, payload: { records } });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json().rejected, []);
  };
  const logon = (ip: string, o: { user?: string; outcome?: "success" | "failure"; reason?: string; service?: string; at?: number } = {}) => ({
    id: `rec-${String(seq++).padStart(8, "0")}`, kind: "logon", ts: o.at ?? clock.now(), service: o.service ?? "ssh",
    event: { outcome: o.outcome ?? "success", reason: o.reason ?? "password" }, source: { ip }, user: { name: o.user ?? "alice" },
  });
  const success = (ip: string, o: Parameters<typeof logon>[1] = {}, asset = web) => send(asset, [logon(ip, o)]);
  const api = async (url: string, method = "GET", payload?: object) => {
    const r = await server.api.inject({ method: method as "GET", url, payload, headers: { authorization: `Bearer ${adminToken}` } });
    return { status: r.statusCode, body: r.json() };
  };
  const alerts = async (type: string, asset = web) => (await api(`/api/v1/alerts?type=${type}&assetId=${asset.agentId}&limit=100`)).body.items as { id: string; count: number; sourceIp: string; source: { ip: string }; evidence: Record<string, unknown>; severity: string }[];
  const nextId = () => `rec-${String(seq++).padStart(8, "0")}`;
  return { server, clock, web, db, send, logon, success, api, alerts, nextId };
}

describe("logon intelligence (LOG, BF)", () => {
  test("LOG-2 first use is silent; every located success in the first 24 h approves its location (the edge inclusive); afterwards another location alerts and names the factor", async () => {
    const { server, clock, success, alerts, api } = await setup();
    try {
      await success("81.2.69.10"); // first public success: starts learning, London approved
      clock.advance(23 * H);
      await success("8.8.8.8"); // within 24 h: Mountain View approved
      clock.advance(1 * H); // exactly 24 h after the first
      await success("1.1.1.1"); // still learning (inclusive edge): Sydney approved
      assert.equal((await alerts("unusual_logon")).length, 0, "nothing alerts while learning");
      const loc = (await api("/api/v1/logon/locations")).body;
      assert.deepEqual(loc.items.map((l: { label: string; how: string }) => `${l.label} (${l.how})`).sort(), ["London, England, GB (learning)", "Mountain View, California, US (learning)", "Sydney, New South Wales, AU (learning)"]);
      assert.equal(loc.learning.find((l: { hostname: string }) => l.hostname === "web-1").endsAt, "2026-06-02T08:00:00.000Z");
      clock.advance(1000); // 24 h + 1 s: learning is over
      await success("5.9.1.1", { user: "bob" });
      const [a] = await alerts("unusual_logon");
      assert.ok(a, "a logon from a new location after the window alerts");
      assert.deepEqual(a.evidence["unusual.factors"], ["location"]);
      assert.match(String((a.evidence["unusual.details"] as string[])[0]), /Falkenstein, Saxony, DE is not among the locations/);
      assert.equal((a.evidence["source.geo"] as { country: string }).country, "DE");
      await success("81.2.70.99"); // another address in an approved location: fine
      assert.equal((await alerts("unusual_logon")).length, 1);
      assert.equal((await server.store.logon.approvedLocations((await api("/api/v1/agents")).body.items[0].id)).length, 3);
    } finally {
      await server.close();
    }
  });

  test("LOG-2 a success just after the window from an unapproved location alerts at once (24 h + 1 ms)", async () => {
    const { server, clock, success, alerts } = await setup();
    try {
      await success("81.2.69.10");
      clock.advance(24 * H + 1);
      await success("8.8.8.8");
      assert.equal((await alerts("unusual_logon")).length, 1);
    } finally {
      await server.close();
    }
  });

  test("LOG-5 private, loopback and documentation addresses neither start learning nor alert; the shipped database locates public ones only", async () => {
    const real = new DbIpGeo();
    for (const ip of ["10.77.0.2", "192.168.1.5", "127.0.0.1", "172.16.3.4", "203.0.113.9", "198.51.100.1", "192.0.2.1", "::1", "fe80::1", "fd00::5", "2001:db8::1", "100.64.0.1"]) assert.equal(real.locate(ip), null, ip);
    const london = real.locate("81.2.69.142");
    assert.equal(london?.country, "GB");
    assert.ok(london?.city, "city-level location");
    assert.ok(real.locate("2a00:1450:4001:80b::200e")?.country, "IPv6 is located too");
    const { server, clock, success, alerts, api } = await setup();
    try {
      await success("10.1.2.3");
      clock.advance(48 * H);
      await success("192.168.7.7", { user: "root" });
      assert.equal((await api("/api/v1/logon/locations")).body.learning[0].startedAt, null, "private logons do not start the learning window");
      await success("8.8.8.8"); // the first public success starts learning now, 48 h later
      assert.equal((await alerts("unusual_logon")).length, 0);
    } finally {
      await server.close();
    }
  });

  test("LOG-4 LOG-3 an unapproved IP alerts on each of its first five successes (one alert, counted; one notification); the sixth approves its location", async () => {
    const { server, clock, success, alerts, api } = await setup();
    try {
      await server.store.notifications.insertChannel({ id: "ch_log3", accountId: "default", name: "hook", kind: "webhook", config: { url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef0123" }, minSeverity: "low", types: [], enabled: true, createdAt: 0, updatedAt: 0 });
      await success("81.2.69.10");
      clock.advance(25 * H);
      for (let i = 1; i <= 5; i++) {
        clock.advance(60_000);
        await success("8.8.8.8");
        const [a] = await alerts("unusual_logon");
        assert.equal(a?.count, i, `success ${i} alerts (counted on the same alert, ALR-2)`);
      }
      const outbox = (await server.store.notifications.listOutbox("default", { limit: 50, offset: 0 })).items.filter((o) => o.channelId === "ch_log3");
      assert.equal(outbox.length, 1, "LOG-3 only the first logon from the IP notifies");
      clock.advance(60_000);
      await success("8.8.8.8"); // the sixth
      assert.equal((await alerts("unusual_logon"))[0]?.count, 5, "the sixth success is approved");
      const how = (await api("/api/v1/logon/locations")).body.items.find((l: { label: string }) => l.label.startsWith("Mountain View"));
      assert.equal(how?.how, "six_successes");
      assert.equal(how?.ip, "8.8.8.8");
      clock.advance(60_000);
      await success("8.8.8.9", { user: "carol" }); // another address of the now approved location
      assert.equal((await alerts("unusual_logon")).length, 1);
      assert.equal((await server.store.notifications.listOutbox("default", { limit: 50, offset: 0 })).items.filter((o) => o.channelId === "ch_log3").length, 1);
    } finally {
      await server.close();
    }
  });

  test("LOG-1 LOG-6 operator-set IPs, time ranges, accounts and locations are each judged alone and take priority over learning; the alert names each factor that fired", async () => {
    const { server, clock, success, alerts, api, web, db } = await setup();
    try {
      await success("81.2.69.10"); // learning approves London
      clock.advance(30 * H); // Tuesday 14:00 UTC = 16:00 Berlin
      const add = async (b: object) => { const r = await api("/api/v1/logon/approvals", "POST", b); assert.equal(r.status, 200, JSON.stringify(r.body)); return r.body; };
      await add({ factor: "time", value: "Mon-Fri 08:00-19:00", tz: "Europe/Berlin" });
      await add({ factor: "ip", value: "81.2.69.0/24", assetIds: [web.agentId] });
      await add({ factor: "account", value: "alice" });
      assert.equal((await api("/api/v1/logon/approvals", "POST", { factor: "time", value: "8 to 19" })).status, 400);
      assert.equal((await api("/api/v1/logon/approvals", "POST", { factor: "ip", value: "not-an-ip" })).status, 400);
      assert.equal((await api("/api/v1/logon/approvals", "POST", { factor: "time", value: "08:00-19:00", tz: "Mars/Olympus" })).status, 400);
      await success("81.2.69.20"); // approved IP range, time, account and location: quiet
      assert.equal((await alerts("unusual_logon")).length, 0);
      await success("81.2.69.21", { user: "mallory" });
      let [a] = await alerts("unusual_logon");
      assert.deepEqual(a?.evidence["unusual.factors"], ["account"], "only the account fired");
      clock.advance(6 * H); // 20:00 UTC = 22:00 Berlin, outside office hours
      await success("81.2.69.22");
      a = (await alerts("unusual_logon")).find((x) => x.source.ip === "81.2.69.22");
      assert.deepEqual(a?.evidence["unusual.factors"], ["time"]);
      clock.advance(12 * H); // Wednesday 08:00 UTC = 10:00 Berlin
      await success("5.9.3.3", { user: "mallory" });
      a = (await alerts("unusual_logon")).find((x) => x.source.ip === "5.9.3.3");
      assert.deepEqual(a?.evidence["unusual.factors"], ["location", "ip", "account"], "every factor that fired is named");
      // db-1 has no IP entries (scoped to web-1), and has not learned anything: its first public logon starts its learning
      await success("5.9.3.3", {}, db);
      assert.equal((await alerts("unusual_logon", db)).length, 0);
      // operator locations take priority over the learned ones: London was learned, only DE is approved now
      await add({ factor: "location", value: "DE" });
      await success("81.2.69.23");
      a = (await alerts("unusual_logon")).find((x) => x.source.ip === "81.2.69.23");
      assert.deepEqual(a?.evidence["unusual.factors"], ["location"]);
      assert.match(String((a?.evidence["unusual.details"] as string[])[0]), /not an approved location \(DE\)/);
    } finally {
      await server.close();
    }
  });

  test("LOG-6 with auto-update on, an IP with six successes is added to the operators' approved IPs", async () => {
    const { server, clock, success, alerts, api } = await setup();
    try {
      await api("/api/v1/logon/approvals", "POST", { factor: "ip", value: "81.2.69.10" });
      assert.equal((await api("/api/v1/logon/auto-update", "PUT", { location: true, ip: true, account: true })).status, 200);
      for (let i = 1; i <= 6; i++) {
        clock.advance(60_000);
        await success("81.2.70.5");
      }
      assert.equal((await alerts("unusual_logon"))[0]?.count, 5);
      const items = (await api("/api/v1/logon/approvals")).body.items as { factor: string; value: string; source: string }[];
      assert.ok(items.some((x) => x.factor === "ip" && x.value === "81.2.70.5" && x.source === "auto"), JSON.stringify(items));
      await success("81.2.70.5");
      assert.equal((await alerts("unusual_logon"))[0]?.count, 5);
    } finally {
      await server.close();
    }
  });

  test("LOG-7 an unusual logon never blocks, even with defence on; handling blocks the IP for 12 h by default", async () => {
    const { server, clock, success, alerts, api } = await setup({ defence: true });
    try {
      await success("81.2.69.10");
      clock.advance(25 * H);
      await success("8.8.8.8");
      const [a] = await alerts("unusual_logon");
      assert.equal((await api("/api/v1/ip-policies?ip=8.8.8.8")).body.total, 0, "no automatic block");
      const r = await api(`/api/v1/alerts/${a!.id}/handle`, "POST", { action: "block" });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const pol = (await api("/api/v1/ip-policies?ip=8.8.8.8")).body.items[0];
      assert.equal(Date.parse(pol.expiresAt) - clock.now(), 12 * H);
    } finally {
      await server.close();
    }
  });

  test("LOG-8 BF-5 weak password, backdoor account and malicious IP logons alert; a new baseline without the finding clears it at once", async () => {
    const reputation = new IpReputation([parseIpList("# name: test-feed\n# provenance: written by this test\n198.51.100.0/24\n", "x")]);
    const { server, clock, send, logon, alerts, api, web, nextId } = await setup({ reputation });
    try {
      await send(web, [{ id: nextId(), kind: "baseline", ts: clock.now(), check: "weak_password", trigger: "scheduled", checked: 3, findings: [{ subject: "bob", reason: "dictionary", scheme: "yescrypt" }], durationMs: 1200 }]);
      await send(web, [{ id: nextId(), kind: "account_inventory", ts: clock.now(), uidMin: 1000, accounts: [
        { name: "root", uid: 0, gid: 0, home: "/root", shell: "/bin/bash", interactiveShell: true, password: "set", systemAccount: false, keys: [] },
        { name: "toor", uid: 0, gid: 0, home: "/root", shell: "/bin/bash", interactiveShell: true, password: "set", systemAccount: false, keys: [] },
        { name: "bob", uid: 1001, gid: 1001, home: "/home/bob", shell: "/bin/bash", interactiveShell: true, password: "set", systemAccount: false, keys: [] },
      ] }]);
      assert.deepEqual((await api("/api/v1/baseline/findings")).body.items.map((f: { subject: string; reason: string }) => [f.subject, f.reason]), [["bob", "dictionary"]]);
      const accts = (await api(`/api/v1/assets/${web.agentId}/accounts`)).body.accounts as { name: string; backdoorReasons: string[]; weakPassword: string | null }[];
      assert.ok(accts.find((x) => x.name === "toor")!.backdoorReasons.length > 0);
      assert.equal(accts.find((x) => x.name === "bob")!.weakPassword, "dictionary");
      await send(web, [logon("10.0.0.5", { user: "bob" })]);
      await send(web, [logon("10.0.0.5", { user: "bob", reason: "publickey" })]);
      assert.equal((await alerts("weak_password_logon")).length, 1, "a password logon of a weak account alerts; a key logon does not");
      await send(web, [logon("10.0.0.6", { user: "toor", reason: "publickey" })]);
      const [bd] = await alerts("backdoor_account_logon");
      assert.equal(bd?.severity, "critical");
      assert.ok((bd?.evidence["user.backdoorReasons"] as string[]).some((r) => /uid 0/.test(r)));
      await send(web, [logon("198.51.100.7", { user: "deploy", service: "mysql" })]);
      const [mal] = await alerts("malicious_ip_logon");
      assert.deepEqual(mal?.evidence["source.intel"], { list: "test-feed", provenance: "written by this test" });
      // bob changes his password; the on-demand run says so and the finding clears at once
      clock.advance(60_000);
      await send(web, [{ id: nextId(), kind: "baseline", ts: clock.now(), check: "weak_password", trigger: "on_demand", checked: 3, findings: [], durationMs: 900 }]);
      assert.deepEqual((await api("/api/v1/baseline/findings")).body.items, []);
      clock.advance(60_000);
      await send(web, [logon("10.0.0.7", { user: "bob" })]);
      assert.equal((await alerts("weak_password_logon")).length, 1, "no new weak-password alert after the change");
      // a late (older) run arriving from a spool does not bring the finding back
      await send(web, [{ id: nextId(), kind: "baseline", ts: clock.now() - 3_600_000, check: "weak_password", trigger: "scheduled", checked: 3, findings: [{ subject: "bob", reason: "dictionary", scheme: "yescrypt" }], durationMs: 1 }]);
      assert.deepEqual((await api("/api/v1/baseline/findings")).body.items, []);
    } finally {
      await server.close();
    }
  });

  test("BF-1 thresholds are configurable per account: 3 failures in 5 minutes after the change; a switched-off rule stays quiet; reset restores", async () => {
    const { server, clock, send, logon, alerts, api, web } = await setup({ defence: false });
    try {
      const fail = (ip: string, k: number) => send(web, Array.from({ length: k }, () => { clock.advance(1000); return logon(ip, { outcome: "failure" }); }));
      await fail("203.0.113.30", 3);
      assert.equal((await alerts("ssh_brute_force")).length, 0);
      const r = await api("/api/v1/detection/rules/hw-ssh-brute-force", "PATCH", { count: 3, window: "5m" });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const rules = (await api("/api/v1/detection/rules")).body.items as { id: string; threshold: { count: number; window: number }; defaults: { count: number }; overridden: boolean }[];
      const ssh = rules.find((x) => x.id === "hw-ssh-brute-force")!;
      assert.deepEqual([ssh.threshold.count, ssh.threshold.window, ssh.defaults.count, ssh.overridden], [3, 300_000, 5, true]);
      await fail("203.0.113.31", 3);
      assert.equal((await alerts("ssh_brute_force")).length, 1);
      assert.equal((await api("/api/v1/detection/rules/hw-unusual-logon", "PATCH", { count: 3 })).status, 400, "a rule without a threshold has none to change");
      assert.equal((await api("/api/v1/detection/rules/no-such-rule", "PATCH", { enabled: false })).status, 404);
      await api("/api/v1/detection/rules/hw-ssh-brute-force", "PATCH", { enabled: false });
      await fail("203.0.113.32", 10);
      assert.equal((await alerts("ssh_brute_force")).length, 1, "switched off");
      await api("/api/v1/detection/rules/hw-ssh-brute-force", "PATCH", { reset: true });
      await fail("203.0.113.33", 5);
      assert.equal((await alerts("ssh_brute_force")).length, 2);
    } finally {
      await server.close();
    }
  });

  test("BF-4 an address approved for logons is never blocked automatically; BF-3 the attack analysis counts every brute-force form", async () => {
    const { server, clock, send, logon, alerts, api, web } = await setup({ defence: true });
    try {
      await api("/api/v1/logon/approvals", "POST", { factor: "ip", value: "198.51.100.0/24" });
      const burst = (ip: string, service = "ssh") => send(web, Array.from({ length: 6 }, () => { clock.advance(1000); return logon(ip, { outcome: "failure", service }); }));
      await burst("198.51.100.44");
      const [a] = await alerts("ssh_brute_force");
      assert.match(String((await api(`/api/v1/alerts/${a!.id}`)).body.response), /not blocked: 198\.51\.100\.0\/24 is an approved logon address/);
      assert.equal((await api("/api/v1/ip-policies?ip=198.51.100.44")).body.total, 0);
      await burst("203.0.113.60", "rdp");
      assert.equal((await api("/api/v1/ip-policies?ip=203.0.113.60")).body.total, 1, "an RDP brute force is blocked like SSH");
      const stats = (await api("/api/v1/stats/attacks?days=7")).body;
      assert.ok(JSON.stringify(stats).includes("203.0.113.60"), "the RDP attacker is in the attack analysis");
    } finally {
      await server.close();
    }
  });
});
