import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { FakeClock } from "../core/index.ts";
import { tempDir, startServer, enrolToken } from "../../test/helpers.ts";
import { hashPassword, newApiTokenSecret, sha256hex } from "./index.ts";

const tmp = tempDir();
after(() => tmp.cleanup());
let n = 0;
const DAY = 86_400_000;

type Asset = { agentId: string; secret: string };
type Row = Record<string, string | number>;

/** A server with a fake clock and two enrolled assets; sshd logons go in through the agent channel, stats come out of the API. */
async function setup(opts: { defence?: boolean } = {}) {
  const clock = new FakeClock("2026-06-10T08:00:00Z");
  const { server, adminToken } = await startServer({ dataDir: join(tmp.dir, `s${n++}`), clock, listen: false });
  if (opts.defence === false) await server.store.accountSettings.set("default", "defence.enabled", false);
  const enrol = async (hostname: string): Promise<Asset> => (await server.agentChannel.inject({ method: "POST", url: "/agent/v1/enrol", payload: { token: await enrolToken(server), hostname, version: "1", os: "linux" } })).json();
  const web = await enrol("web-1"), db = await enrol("db-1");
  let seq = 0;
  const send = async (asset: Asset, ip: string, times: number, outcome: "failure" | "success" = "failure", user = "root") => {
    const records = Array.from({ length: times }, () => ({ id: `rec-${String(seq++).padStart(8, "0")}`, kind: "logon", ts: clock.now(), service: "ssh", event: { outcome, reason: "password" }, source: { ip }, user: { name: user } }));
    const r = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: { authorization: `Bearer ${asset.agentId}.${asset.secret}` }, payload: { records } });
    assert.equal(r.statusCode, 200, r.body);
  };
  const get = async (url: string) => {
    const r = await server.api.inject({ url, headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(r.statusCode, 200, r.body);
    return r.json();
  };
  const day = (body: { alertsBySeverity?: Row[]; perDay?: Row[] }, rows: "alertsBySeverity" | "alertsByStatus" | "blocks" | "perDay", d: string) =>
    ((body as Record<string, Row[]>)[rows]!).find((r) => r.day === d);
  const status = async (url: string) => (await server.api.inject({ url, headers: { authorization: `Bearer ${adminToken}` } })).statusCode;
  return { server, clock, web, db, send, get, status, day };
}

describe("stats API", () => {
  test("overview: alerts per UTC day by severity and status, blocks per day, top assets and sources, totals", async () => {
    const { server, clock, web, db, send, get, status, day } = await setup();
    try {
      // day 1 (06-08), the last millisecond: web is brute-forced by .10 (the defence blocks it)
      clock.set("2026-06-08T23:59:59.999Z");
      await send(web, "203.0.113.10", 5);
      // day 2 (06-09), the first millisecond: the same source hits db, another source hits db
      clock.set("2026-06-09T00:00:00.000Z");
      await send(db, "203.0.113.10", 6);
      await send(db, "198.51.100.20", 5);
      // 20 days before: outside the 7-day window, inside the 30-day one
      clock.set("2026-05-21T12:00:00Z");
      await send(web, "192.0.2.30", 5);
      clock.set("2026-06-10T08:00:00Z");

      const o = await get("/api/v1/stats/overview?days=7");
      assert.deepEqual(o.window, { days: 7, from: "2026-06-04T00:00:00.000Z", to: "2026-06-11T00:00:00.000Z" });
      assert.deepEqual(o.alertsBySeverity.map((r: Row) => r.day), ["2026-06-04", "2026-06-05", "2026-06-06", "2026-06-07", "2026-06-08", "2026-06-09", "2026-06-10"], "every day, zeros included");
      assert.deepEqual(day(o, "alertsBySeverity", "2026-06-08"), { day: "2026-06-08", critical: 0, high: 1, medium: 0, low: 0 }, "23:59:59.999 is still 06-08 (UTC)");
      assert.deepEqual(day(o, "alertsBySeverity", "2026-06-09"), { day: "2026-06-09", critical: 0, high: 2, medium: 0, low: 0 }, "00:00:00.000 is 06-09");
      assert.equal(day(o, "alertsBySeverity", "2026-06-10")!.high, 0);
      assert.equal(day(o, "alertsByStatus", "2026-06-09")!.unhandled, 2, "blocked by the defence, still to be looked at");
      assert.deepEqual(o.blocks.map((r: Row) => r.blocks), [0, 0, 0, 0, 1, 2, 0], "one IP policy per blocked source and asset, on the day it was made");
      assert.deepEqual(o.topSources[0], { ip: "203.0.113.10", alerts: 2, attempts: 11, assets: 2, lastSeen: "2026-06-09T00:00:00.000Z", blocked: true, blocks: 2 });
      assert.deepEqual(o.topSources.map((s: { ip: string }) => s.ip), ["203.0.113.10", "198.51.100.20"], "the 20-day-old source is not in the 7-day tops");
      assert.deepEqual(o.topAssets.map((a: { hostname: string; alerts: number; sources: number }) => [a.hostname, a.alerts, a.sources]), [["db-1", 2, 2], ["web-1", 1, 1]]);
      assert.equal(o.topAssets[0].assetId, db.agentId);
      assert.deepEqual(o.totals, { unhandled: 4, unhandledCritical: 0, alerts: 3, activeBlocks: 4, pendingBlocks: 4, blocksInWindow: 3, assetsOnline: 0, assetsOffline: 2, onlineWindowSeconds: 120 });

      const m = await get("/api/v1/stats/overview?days=30");
      assert.equal(m.alertsBySeverity.length, 30);
      assert.equal(day(m, "alertsBySeverity", "2026-05-21")!.high, 1);
      assert.deepEqual(m.topSources.map((s: { ip: string }) => s.ip), ["203.0.113.10", "192.0.2.30", "198.51.100.20"]);
      assert.equal((await status("/api/v1/stats/overview?days=8")), 400, "only 7, 30 or 90 days");
    } finally {
      await server.close();
    }
  });

  test("overview: unhandled and critical totals; an agent silent for 2 minutes is offline", async () => {
    const { server, clock, web, db, send, get } = await setup({ defence: false });
    try {
      await send(web, "203.0.113.40", 5);
      await send(web, "203.0.113.40", 1, "success", "deploy");
      await send(db, "203.0.113.41", 5);
      let t = (await get("/api/v1/stats/overview")).totals;
      assert.deepEqual([t.unhandled, t.unhandledCritical, t.activeBlocks, t.assetsOnline, t.assetsOffline], [3, 1, 0, 2, 0]);
      clock.advance(119_000);
      await send(db, "203.0.113.41", 1);
      clock.advance(2_000);
      t = (await get("/api/v1/stats/overview")).totals;
      assert.deepEqual([t.assetsOnline, t.assetsOffline], [1, 1], "web last seen 121 s ago: offline; db 2 s ago: online");
    } finally {
      await server.close();
    }
  });

  test("BF-3 attack analysis: brute-force attacks and blocks per day, top sources with attempts and block status, per-asset breakdown", async () => {
    const { server, clock, web, db, send, get } = await setup();
    try {
      clock.set("2026-06-09T10:00:00Z");
      await send(web, "203.0.113.50", 8);
      await send(db, "203.0.113.50", 5);
      // allowlisted addresses are never blocked: loopback brute-forces web, unblocked
      await send(web, "127.0.0.1", 5);
      await send(web, "127.0.0.1", 1, "success", "deploy");
      clock.set("2026-06-10T07:00:00Z");
      await send(db, "198.51.100.60", 7);
      clock.set("2026-06-10T08:00:00Z");

      const a = await get("/api/v1/stats/attacks?days=7");
      const d9 = a.perDay.find((r: Row) => r.day === "2026-06-09"), d10 = a.perDay.find((r: Row) => r.day === "2026-06-10");
      const others = (r: Row) => Object.entries(r).filter(([k]) => !["day", "ssh_brute_force", "logon_after_brute_force", "blocks"].includes(k)).reduce((s, [, v]) => s + Number(v), 0);
      assert.deepEqual({ day: d9.day, ssh_brute_force: d9.ssh_brute_force, logon_after_brute_force: d9.logon_after_brute_force, blocks: d9.blocks, others: others(d9) }, { day: "2026-06-09", ssh_brute_force: 3, logon_after_brute_force: 1, blocks: 2, others: 0 });
      assert.deepEqual({ day: d10.day, ssh_brute_force: d10.ssh_brute_force, logon_after_brute_force: d10.logon_after_brute_force, blocks: d10.blocks, others: others(d10) }, { day: "2026-06-10", ssh_brute_force: 1, logon_after_brute_force: 0, blocks: 1, others: 0 });
      assert.ok("rdp_brute_force" in d9 && "slow_brute_force" in d9 && "distributed_brute_force" in d9, "every brute-force form has its column");
      assert.equal(a.perDay.length, 7);
      assert.deepEqual(a.topSources.map((s: { ip: string; alerts: number; attempts: number; assets: number; blocked: boolean }) => [s.ip, s.alerts, s.attempts, s.assets, s.blocked]), [
        ["203.0.113.50", 2, 13, 2, true],
        ["127.0.0.1", 2, 6, 1, false],
        ["198.51.100.60", 1, 7, 1, true],
      ]);
      const byHost = Object.fromEntries(a.assets.map((x: { hostname: string }) => [x.hostname, x]));
      assert.deepEqual([byHost["web-1"].alerts, byHost["web-1"].attempts, byHost["web-1"].sources, byHost["web-1"].blocks], [3, 14, 2, 1]);
      assert.deepEqual([byHost["db-1"].alerts, byHost["db-1"].attempts, byHost["db-1"].sources, byHost["db-1"].blocks], [2, 12, 2, 2]);
      assert.equal(byHost["db-1"].assetId, db.agentId);
      assert.equal(byHost["web-1"].online, false, "web-1 has been silent since yesterday");
      assert.equal(byHost["db-1"].online, false);
      assert.deepEqual(a.totals, { attacks: 5, attempts: 26, sources: 3, blocks: 3, successfulLogons: 1 });
      // a 7-day window moves on: 8 days later none of it is in the buckets
      clock.advance(8 * DAY);
      const later = await get("/api/v1/stats/attacks?days=7");
      assert.equal(later.perDay.reduce((s: number, r: Row) => s + (r.ssh_brute_force as number) + (r.blocks as number), 0), 0);
      assert.deepEqual(later.topSources, []);
    } finally {
      await server.close();
    }
  });

  test("ACC-1 stats count only the caller's account", async () => {
    const { server, web, send } = await setup();
    try {
      await send(web, "203.0.113.70", 5);
      await server.store.accounts.insert({ id: "acc_stats_b", name: "B", parentId: null, createdAt: 0 });
      const now = Date.now();
      await server.store.users.insert({ id: "usr_stats_b", accountId: "acc_stats_b", username: "stats-b", passwordHash: await hashPassword("unused password 1234"), role: "viewer", createdAt: now, mustChangePassword: false, disabledAt: null });
      const token = newApiTokenSecret();
      await server.store.apiTokens.insert({ id: "tok_stats_b", userId: "usr_stats_b", name: "b", role: "viewer", tokenHash: sha256hex(token), createdAt: now, expiresAt: null, revokedAt: null, lastUsedAt: null });
      for (const url of ["/api/v1/stats/overview", "/api/v1/stats/attacks"]) {
        const r = await server.api.inject({ url, headers: { authorization: `Bearer ${token}` } });
        assert.equal(r.statusCode, 200);
        assert.ok(!r.body.includes("203.0.113.70") && !r.body.includes(web.agentId), `${url} leaks account A`);
      }
    } finally {
      await server.close();
    }
  });
});
