import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { FakeClock } from "../core/index.ts";
import { tempDir, startServer, enrolToken } from "../../test/helpers.ts";
import type { HostwardServer } from "./index.ts";

const tmp = tempDir();
after(() => tmp.cleanup());
let n = 0;

async function setup(clock = new FakeClock("2026-03-01T10:00:00Z")) {
  const { server, adminToken } = await startServer({ dataDir: join(tmp.dir, `s${n++}`), clock, listen: false });
  const en = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/enrol", payload: { token: await enrolToken(server), hostname: "web-1", version: "0.1.0", os: "linux" } });
  const { agentId, secret } = en.json();
  let seq = 0;
  const send = async (records: object[]) => {
    const r = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: { authorization: `Bearer ${agentId}.${secret}` }, payload: { records } });
    assert.equal(r.statusCode, 200, r.body);
    return r.json();
  };
  const logon = (ip: string, outcome: "success" | "failure", user = "root") => ({ id: `rec-${String(seq++).padStart(8, "0")}`, kind: "logon", ts: clock.now(), service: "ssh", event: { outcome, reason: "password" }, source: { ip }, user: { name: user } });
  const api = (url: string, method = "GET", payload?: object) => server.api.inject({ method: method as "GET", url, payload, headers: { authorization: `Bearer ${adminToken}` } });
  const actions = async () => (await server.agentChannel.inject({ url: "/agent/v1/actions?wait=0", headers: { authorization: `Bearer ${agentId}.${secret}` } })).json().actions;
  const reportResult = async (id: string, status: "succeeded" | "failed") => {
    const r = await server.agentChannel.inject({ method: "POST", url: `/agent/v1/actions/${id}/result`, headers: { authorization: `Bearer ${agentId}.${secret}` }, payload: { status, result: status } });
    assert.equal(r.statusCode, 200);
  };
  return { server, clock, agentId, send, logon, api, actions, reportResult };
}

describe("server: detection → alert → response", () => {
  test("ALR-2 a recurrence updates the same alert's count and last occurrence", async () => {
    const { server, send, logon, api, clock } = await setup();
    try {
      for (let i = 0; i < 5; i++) await send([logon("203.0.113.5", "failure")]);
      clock.advance(60_000);
      await send([logon("203.0.113.5", "failure"), logon("203.0.113.5", "failure")]);
      const items = (await api("/api/v1/alerts")).json().items;
      assert.equal(items.length, 1);
      assert.equal(items[0].count, 7);
      assert.equal(items[0].dedupKey, "ssh_brute_force:203.0.113.5");
      assert.equal(items[0].lastSeen, "2026-03-01T10:01:00.000Z");
      assert.equal(items[0].firstSeen, "2026-03-01T10:00:00.000Z");
    } finally {
      await server.close();
    }
  });

  test("BF-2 a success from the brute-forcing source raises a critical alert", async () => {
    const { server, send, logon, api, clock } = await setup();
    try {
      await server.store.accountSettings.set("default", "defence.enabled", false);
      for (let i = 0; i < 6; i++) await send([logon("203.0.113.6", "failure")]);
      clock.advance(30_000);
      await send([logon("203.0.113.6", "success", "deploy")]);
      const crit = (await api("/api/v1/alerts?severity=critical")).json().items;
      assert.equal(crit.length, 1);
      assert.equal(crit[0].type, "logon_after_brute_force");
      assert.equal(crit[0].user.name, "deploy");
      assert.match((await api("/api/v1/alerts?type=ssh_brute_force")).json().items[0].response, /defence is off/);
    } finally {
      await server.close();
    }
  });

  test("BF-3 RSP-1 a block lasts its validity period, then expires on its own and is undone", async () => {
    const { server, send, logon, api, clock, actions, reportResult } = await setup();
    try {
      for (let i = 0; i < 5; i++) await send([logon("203.0.113.7", "failure")]);
      const [block] = await actions();
      assert.equal(block.type, "block_ip");
      assert.deepEqual(block.params, { ip: "203.0.113.7", timeoutSeconds: 6 * 3600 });
      await reportResult(block.id, "succeeded");
      assert.equal((await api(`/api/v1/ip-policies`)).json().items[0].status, "active");
      const pol = (await api("/api/v1/ip-policies")).json().items[0];
      assert.equal(pol.expiresAt, "2026-03-01T16:00:00.000Z");
      clock.advance(6 * 3_600_000 - 1000);
      await server.runJobs();
      assert.equal((await api(`/api/v1/ip-policies`)).json().items[0].status, "active");
      clock.advance(1000);
      await server.runJobs();
      assert.equal((await api(`/api/v1/ip-policies`)).json().items[0].status, "expired");
      const [unblock] = await actions();
      assert.deepEqual([unblock.type, unblock.params], ["unblock_ip", { ip: "203.0.113.7" }]);
    } finally {
      await server.close();
    }
  });

  test("BF-4 a disabled block can be enabled again for the rest of its period, not after it", async () => {
    const { server, send, logon, api, clock, actions, reportResult } = await setup();
    try {
      for (let i = 0; i < 5; i++) await send([logon("203.0.113.17", "failure")]);
      const [block] = await actions();
      await reportResult(block.id, "succeeded");
      const pol = (await api("/api/v1/ip-policies")).json().items[0];
      assert.equal((await api(`/api/v1/ip-policies/${pol.id}/disable`, "POST")).json().status, "disabled");
      assert.equal((await actions())[0].type, "unblock_ip");
      clock.advance(3_600_000);
      const en = await api(`/api/v1/ip-policies/${pol.id}/enable`, "POST");
      assert.equal(en.statusCode, 200);
      assert.equal(en.json().status, "pending");
      const [again] = await actions();
      assert.deepEqual([again.type, again.params], ["block_ip", { ip: "203.0.113.17", timeoutSeconds: 5 * 3600 }], "only the rest of the 6 h");
      await reportResult(again.id, "succeeded");
      assert.equal((await api(`/api/v1/ip-policies/${pol.id}/disable`, "POST")).statusCode, 200);
      clock.advance(5 * 3_600_000);
      const late = await api(`/api/v1/ip-policies/${pol.id}/enable`, "POST");
      assert.equal(late.statusCode, 409);
      assert.match(late.json().error.message, /validity period is over/);
    } finally {
      await server.close();
    }
  });

  test("ALR-3 an alert silent for over 30 days expires; a recurrence opens a fresh Unhandled alert", async () => {
    const { server, send, logon, api, clock } = await setup();
    try {
      await server.store.accountSettings.set("default", "defence.enabled", false);
      for (let i = 0; i < 5; i++) await send([logon("203.0.113.8", "failure")]);
      clock.advance(30 * 86_400_000 + 1000);
      await server.runJobs();
      const old = (await api("/api/v1/alerts")).json().items;
      assert.deepEqual(old.map((a: { status: string }) => a.status), ["expired"]);
      for (let i = 0; i < 5; i++) await send([logon("203.0.113.8", "failure")]);
      const all = (await api("/api/v1/alerts")).json().items;
      assert.deepEqual(all.map((a: { status: string }) => a.status), ["unhandled", "expired"]);
      assert.equal(all[0].count, 5);
    } finally {
      await server.close();
    }
  });

  test("BF-4 a manual block of an allowlisted address is refused with a clear message; loopback is allowlisted by default", async () => {
    const { server, api, agentId, send, logon } = await setup();
    try {
      const r = await api("/api/v1/ip-policies", "POST", { assetId: agentId, ip: "127.0.0.1", duration: "6h" });
      assert.equal(r.statusCode, 409);
      assert.match(r.json().error.message, /127\.0\.0\.1 is allowlisted/);
      for (let i = 0; i < 5; i++) await send([logon("127.0.0.1", "failure")]);
      assert.match((await api("/api/v1/alerts")).json().items[0].response, /not blocked: config allowlist/);
      const ok = await api("/api/v1/ip-policies", "POST", { assetId: agentId, ip: "203.0.113.99", duration: "permanent" });
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.json().expiresAt, null);
    } finally {
      await server.close();
    }
  });

  test("BF-4 the address a console/API user works from is never auto-blocked", async () => {
    const { server, send, logon, api } = await setup();
    try {
      const r = await server.api.inject({ method: "POST", url: "/api/v1/auth/login", remoteAddress: "203.0.113.200", payload: { username: "admin", password: server.firstAdminPassword } });
      assert.equal(r.statusCode, 200);
      for (let i = 0; i < 6; i++) await send([logon("203.0.113.200", "failure", "admin")]);
      const a = (await api("/api/v1/alerts?sourceIp=203.0.113.200")).json().items[0];
      assert.equal(a.type, "ssh_brute_force", "still alerted");
      assert.match(a.response, /not blocked: the source is a console\/API user's address/);
      assert.equal((await api("/api/v1/ip-policies")).json().total, 0);
    } finally {
      await server.close();
    }
  });

  test("detection state survives a restart: failures before and after add up to a brute force", async () => {
    const clock = new FakeClock("2026-03-01T10:00:00Z");
    const dataDir = join(tmp.dir, "restart");
    let { server, adminToken } = await startServer({ dataDir, clock, listen: false });
    const en = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/enrol", payload: { token: await enrolToken(server), hostname: "h", version: "1", os: "l" } });
    const { agentId, secret } = en.json();
    const post = (s: HostwardServer, i: number) => s.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: { authorization: `Bearer ${agentId}.${secret}` }, payload: { records: [{ id: `restart-${i}-xxxx`, kind: "logon", ts: clock.now() + i, service: "ssh", event: { outcome: "failure", reason: "password" }, source: { ip: "203.0.113.44" } }] } });
    for (let i = 0; i < 3; i++) await post(server, i);
    await server.close();
    ({ server } = await startServer({ dataDir, clock, listen: false }));
    try {
      for (let i = 3; i < 5; i++) await post(server, i);
      const r = await server.api.inject({ url: "/api/v1/alerts", headers: { authorization: `Bearer ${adminToken}` } });
      assert.equal(r.json().items[0]?.count, 5);
    } finally {
      await server.close();
    }
  });

  test("the REST API needs a token, and documents itself at /api/v1/openapi.json", async () => {
    const { server, api } = await setup();
    try {
      const anon = await server.api.inject({ url: "/api/v1/alerts" });
      assert.equal(anon.statusCode, 401);
      assert.equal(anon.json().error.code, "HW_ERR_AUTH_MISSING");
      const bad = await server.api.inject({ url: "/api/v1/alerts", headers: { authorization: "Bearer hwk_" + "x".repeat(40) } });
      assert.equal(bad.statusCode, 401);
      const doc = (await server.api.inject({ url: "/api/v1/openapi.json" })).json();
      assert.equal(doc.openapi.slice(0, 2), "3.");
      for (const p of ["/api/v1/alerts", "/api/v1/ip-policies", "/api/v1/ip-policies/{id}/disable", "/api/v1/enrolment-tokens", "/api/v1/allowlist"]) assert.ok(doc.paths[p], `${p} documented`);
      const wrongPw = await server.api.inject({ method: "POST", url: "/api/v1/auth/login", payload: { username: "admin", password: "nope" } });
      assert.equal(wrongPw.statusCode, 401);
      const badQuery = await api("/api/v1/alerts?severity=extreme");
      assert.equal(badQuery.statusCode, 400);
      assert.equal(badQuery.json().error.code, "HW_ERR_REQUEST_INVALID");
    } finally {
      await server.close();
    }
  });
});
