import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HostwardAgent } from "../src/agent/index.ts";
import { tempDir, startServer, enrolToken, RecordingFirewall, waitFor, quietLog, sshdLine } from "./helpers.ts";

describe("agent ↔ server over the TLS agent channel", () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  test("AGT-1 AGT-2 BF-1 BF-3 BF-4 an agent enrols, ships sshd failures, gets the block, and the block is lifted on disable", async () => {
    const { server, agentUrl, adminToken } = await startServer({ dataDir: join(tmp.dir, "s1") });
    const log = join(tmp.dir, "auth1.log");
    writeFileSync(log, "");
    const fw = new RecordingFirewall();
    const agent = new HostwardAgent({ server: agentUrl, token: await enrolToken(server), stateDir: join(tmp.dir, "a1"), authLogs: [log], firewall: fw, log: quietLog, pollWait: 5000 });
    try {
      await agent.start();
      assert.ok(agent.agentId?.startsWith("ag_"));
      for (let i = 0; i < 6; i++) appendFileSync(log, sshdLine("fail", "203.0.113.77") + "\n");
      const auth = { authorization: `Bearer ${adminToken}` };
      const alert = await waitFor("alert", async () => (await server.api.inject({ url: "/api/v1/alerts?type=ssh_brute_force", headers: auth })).json().items[0]);
      assert.equal(alert.source.ip, "203.0.113.77");
      assert.equal(alert.severity, "high");
      await waitFor("block", () => fw.calls.find((c) => c.op === "block" && c.ip === "203.0.113.77"));
      const block = fw.calls.find((c) => c.op === "block")!;
      assert.equal(block.timeout, 6 * 3600, "blocked for the validity period");
      const pol = await waitFor("active policy", async () => (await server.api.inject({ url: "/api/v1/ip-policies?status=active", headers: auth })).json().items[0]);
      assert.equal(pol.ip, "203.0.113.77");
      const dis = await server.api.inject({ method: "POST", url: `/api/v1/ip-policies/${pol.id}/disable`, headers: auth });
      assert.equal(dis.json().status, "disabled");
      await waitFor("unblock", () => fw.calls.find((c) => c.op === "unblock" && c.ip === "203.0.113.77"));
      // the same source failing on does not get re-blocked behind the operator's back
      for (let i = 0; i < 3; i++) appendFileSync(log, sshdLine("fail", "203.0.113.77") + "\n");
      await waitFor("count 9", async () => (await server.api.inject({ url: `/api/v1/alerts/${alert.id}`, headers: auth })).json().count === 9);
      assert.equal(fw.calls.filter((c) => c.op === "block").length, 1);
    } finally {
      await agent.stop();
      await server.close();
    }
  });

  test("BF-4 an allowlisted source that fails just as often is alerted but never blocked", async () => {
    const { server, agentUrl, adminToken } = await startServer({ dataDir: join(tmp.dir, "s2") });
    const auth = { authorization: `Bearer ${adminToken}` };
    const add = await server.api.inject({ method: "POST", url: "/api/v1/allowlist", headers: auth, payload: { cidr: "198.51.100.0/24", note: "office" } });
    assert.equal(add.statusCode, 200);
    const log = join(tmp.dir, "auth2.log");
    writeFileSync(log, "");
    const fw = new RecordingFirewall();
    const agent = new HostwardAgent({ server: agentUrl, token: await enrolToken(server), stateDir: join(tmp.dir, "a2"), authLogs: [log], firewall: fw, log: quietLog, pollWait: 5000 });
    try {
      await agent.start();
      for (let i = 0; i < 8; i++) appendFileSync(log, sshdLine("fail", "198.51.100.20") + "\n");
      const alert = await waitFor("alert", async () => (await server.api.inject({ url: "/api/v1/alerts", headers: auth })).json().items.find((a: { count: number }) => a.count === 8));
      assert.match(alert.response, /not blocked: allowlist 198\.51\.100\.0\/24/);
      assert.equal(fw.calls.filter((c) => c.op === "block").length, 0);
      assert.equal((await server.api.inject({ url: "/api/v1/ip-policies", headers: auth })).json().total, 0);
    } finally {
      await agent.stop();
      await server.close();
    }
  });

  test("AGT-1 an agent given the wrong CA fingerprint refuses to connect; a used token is refused", async () => {
    const { server, agentUrl } = await startServer({ dataDir: join(tmp.dir, "s3") });
    try {
      const token = await enrolToken(server);
      const wrong = token.replace(/\.[0-9a-f]{64}$/, "." + "ab".repeat(32));
      const bad = new HostwardAgent({ server: agentUrl, token: wrong, stateDir: join(tmp.dir, "a3"), authLogs: [], firewall: null, log: quietLog });
      await assert.rejects(bad.enrol(), /refusing to connect: the server's CA fingerprint .* does not match/);
      const good = new HostwardAgent({ server: agentUrl, token, stateDir: join(tmp.dir, "a3b"), authLogs: [], firewall: null, log: quietLog });
      await good.enrol();
      const again = new HostwardAgent({ server: agentUrl, token, stateDir: join(tmp.dir, "a3c"), authLogs: [], firewall: null, log: quietLog });
      await assert.rejects(again.enrol(), /HTTP 401: enrolment token is unknown, used or expired/);
    } finally {
      await server.close();
    }
  });

  test("AGT-9 while the server is stopped the agent spools, then delivers every record once", async () => {
    const dataDir = join(tmp.dir, "s4");
    let { server, agentUrl } = await startServer({ dataDir });
    const port = Number(new URL(agentUrl).port);
    const log = join(tmp.dir, "auth4.log");
    writeFileSync(log, "");
    const agent = new HostwardAgent({ server: agentUrl, token: await enrolToken(server), stateDir: join(tmp.dir, "a4"), authLogs: [log], firewall: new RecordingFirewall(), log: quietLog, pollWait: 1000 });
    await agent.start();
    try {
      for (let i = 0; i < 3; i++) appendFileSync(log, sshdLine("accept", "192.0.2.1", "alice") + "\n");
      await waitFor("first records", async () => (await server.store.telemetry.count()) === 3);
      await server.close();
      // the server is away: 200 more attempts happen
      for (let i = 0; i < 200; i++) appendFileSync(log, sshdLine("fail", `192.0.2.${(i % 50) + 10}`, `u${i}`) + "\n");
      await new Promise((r) => setTimeout(r, 1500));
      ({ server } = await startServer({ dataDir, overrides: { agentChannel: { port, host: "127.0.0.1" } } }));
      await waitFor("all records", async () => (await server.store.telemetry.count()) === 203, 15_000);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await server.store.telemetry.count(), 203, "each record exactly once");
    } finally {
      await agent.stop();
      await server.close();
    }
  });

  test("AGT-1 AGT-9 a wrong or revoked credential gets 401; a malformed record is rejected and counted, the rest kept; an oversized body gets 413", async () => {
    const { server, adminToken } = await startServer({ dataDir: join(tmp.dir, "s5"), listen: false });
    try {
      const en = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/enrol", payload: { token: await enrolToken(server), hostname: "h", version: "1", os: "linux" } });
      const { agentId, secret } = en.json();
      const good = { authorization: `Bearer ${agentId}.${secret}` };
      const rec = (i: number) => ({ id: `rec-${String(i).padStart(8, "0")}`, kind: "logon", ts: Date.now(), service: "ssh", event: { outcome: "failure", reason: "password" }, source: { ip: "192.0.2.5" }, user: { name: "root" } });
      const batch = [rec(1), { ...rec(2), source: { ip: "not-an-ip" } }, rec(3), "garbage", rec(1)];
      const r = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: good, payload: { records: batch } });
      assert.equal(r.statusCode, 200);
      const body = r.json();
      assert.equal(body.accepted, 2);
      assert.equal(body.duplicates, 1);
      assert.deepEqual(body.rejected.map((x: { index: number }) => x.index), [1, 3]);
      assert.match(body.rejected[0].error, /source\.ip: not an IP address/);
      assert.equal((await server.store.agents.get(agentId))!.rejectedRecords, 2);
      assert.equal(server.metrics.get("hostward_records_rejected_total"), 2);

      const wrong = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: { authorization: `Bearer ${agentId}.${"x".repeat(43)}` }, payload: { records: [] } });
      assert.equal(wrong.statusCode, 401);
      const none = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", payload: { records: [] } });
      assert.equal(none.statusCode, 401);
      const big = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: good, payload: { records: [{ pad: "a".repeat(9 * 1024 * 1024) }] } });
      assert.equal(big.statusCode, 413);
      assert.equal(big.json().error.code, "HW_ERR_REQUEST_TOO_LARGE");
      const rv = await server.api.inject({ method: "POST", url: `/api/v1/agents/${agentId}/revoke`, headers: { authorization: `Bearer ${adminToken}` } });
      assert.equal(rv.json().revoked, true);
      const revoked = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: good, payload: { records: [rec(9)] } });
      assert.equal(revoked.statusCode, 401);
      assert.equal(revoked.json().error.code, "HW_ERR_AGENT_REVOKED");
    } finally {
      await server.close();
    }
  });
});
